/**
 * A run's data: account, positions, orders, trades (filters + pagination), statistics, scan, events
 * since a seq, quotes (an error when there is no price: never an invented one), bars for the chart,
 * the equity curve and metrics. Live views come from the run's snapshot (kept current by its events);
 * journal reads go to the state store; quotes and bars ask the run's data source.
 */
import { Router } from 'express';
import { TradekitError, isTradekitError, type OrderStatus, type Tick, type Timeframe, type TradeQuery } from '@tradekit/core';
import { apiError } from '../../errors.js';
import { check, schemas } from '../request-schemas.js';
import { journalStats } from '../stats.js';
import type { ApiContext } from './context.js';
import type { CriticReviewView, LlmJournalView } from '../../shared/api-types.js';

export function runDataRoutes(ctx: ApiContext): Router {
  const r = Router();
  const { orch } = ctx;

  r.get('/runs/:id/account', async (req, res) => {
    check(schemas.empty, req.query, 'query');
    const h = orch.get(req.params.id);
    if (h.account) return void res.json(h.account);
    h.requireOpen('the account');
    if (!h.parts.broker) throw apiError('TK_ERR_API_UNAVAILABLE', `run ${h.id} has not reported its account yet`);
    // Before the first cycle's account.update: ask the broker once.
    res.json({ ...(await h.parts.broker.account()), dayProfit: 0, drawdownPct: 0, maxDrawdownPct: 0, time: h.parts.clock.now() });
  });

  r.get('/runs/:id/positions', (req, res) => {
    check(schemas.empty, req.query, 'query');
    const h = orch.get(req.params.id);
    res.json({ time: h.time ?? null, positions: h.positions, orders: h.orders });
  });

  r.get('/runs/:id/orders', async (req, res) => {
    const q = check<{ status?: string; symbol?: string; limit: number }>(schemas.orders, req.query, 'query');
    const journal = await orch.journal(req.params.id);
    const items = await journal.listOrders({ status: q.status?.split(',') as OrderStatus[] | undefined, symbol: q.symbol, limit: q.limit });
    res.json({ items });
  });

  r.get('/runs/:id/trades', async (req, res) => {
    const q = check<TradeQuery & { limit: number; offset: number }>(schemas.trades, req.query, 'query');
    const journal = await orch.journal(req.params.id);
    // One extra row tells whether there is a next page without a COUNT query.
    const rows = await journal.listTrades({ ...q, limit: q.limit + 1 });
    const items = rows.slice(0, q.limit);
    res.json({ items, limit: q.limit, offset: q.offset, next: rows.length > q.limit ? q.offset + q.limit : null });
  });

  r.get('/runs/:id/stats', async (req, res) => {
    const q = check<{ symbol?: string; from?: number; to?: number; minTrades: number }>(schemas.stats, req.query, 'query');
    const journal = await orch.journal(req.params.id);
    // One query: pages by offset could count a trade twice (or skip one) while a live run adds rows.
    const trades = await journal.listTrades({ symbol: q.symbol, from: q.from, to: q.to });
    res.json(journalStats(trades, { minTrades: q.minTrades }));
  });

  // Language-model decisions with their prompt and answer, and the critic's reviews (@tradekit/llm).
  r.get('/runs/:id/llm', async (req, res) => {
    const q = check<{ kind?: string; limit: number }>(schemas.llm, req.query, 'query');
    if (!orch.has(req.params.id)) return void res.json({ available: false, items: [], reviews: [] } satisfies LlmJournalView);
    const h = orch.get(req.params.id);
    if (h.status === 'closed' || !h.parts) return void res.json({ available: false, items: [], reviews: [] } satisfies LlmJournalView);
    const items = h.parts.llmCalls ? await h.parts.llmCalls(q) : [];
    const stored = await h.parts.store.all('critic:');
    const reviews = Object.values(stored)
      .filter((v): v is CriticReviewView => !!v && typeof v === 'object' && typeof (v as CriticReviewView).positionId === 'string')
      .map((v) => ({ positionId: v.positionId, symbol: v.symbol, time: v.time, grade: v.grade, lesson: v.lesson, analysis: v.analysis }))
      .sort((a, b) => b.time - a.time);
    res.json({ available: true, items, reviews } satisfies LlmJournalView);
  });

  r.get('/runs/:id/scan', (req, res) => {
    check(schemas.empty, req.query, 'query');
    const h = orch.get(req.params.id);
    res.json(
      h.scan ?? {
        cycle: 0,
        time: null,
        state: h.tradingState,
        rows: h.parts.config.symbols.map((s) => ({ symbol: s, status: '', kind: 'idle' })),
        candidates: 0,
      },
    );
  });

  r.get('/runs/:id/events', async (req, res) => {
    const q = check<{ since: number; limit: number }>(schemas.events, req.query, 'query');
    if (orch.has(req.params.id)) {
      const h = orch.get(req.params.id);
      const items = await h.eventsSince(q.since, q.limit);
      return void res.json({ items, lastSeq: h.lastSeq });
    }
    const journal = await orch.journal(req.params.id);
    const items = await journal.events(q.since, q.limit);
    res.json({ items, lastSeq: items.at(-1)?.seq ?? q.since });
  });

  r.get('/runs/:id/quote', async (req, res) => {
    const q = check<{ symbol: string }>(schemas.quote, req.query, 'query');
    const h = orch.get(req.params.id);
    h.requireOpen('quotes');
    const data = h.parts.data;
    if (!data) throw apiError('TK_ERR_API_UNAVAILABLE', `run ${h.id} has no data source attached`);
    let tick: Tick | undefined;
    try {
      tick = await data.tick(q.symbol);
    } catch (e) {
      if (isTradekitError(e) && e.code !== 'TK_ERR_PLUGIN') throw e;
      throw new TradekitError('TK_ERR_DATA_NO_PRICE', `no price for ${q.symbol}: ${(e as Error).message}`, { symbol: q.symbol, cause: e });
    }
    const good = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
    if (!tick || !good(tick.bid) || !good(tick.ask)) {
      throw new TradekitError('TK_ERR_DATA_NO_PRICE', `no price for ${q.symbol} at ${new Date(h.parts.clock.now()).toISOString()}`, { symbol: q.symbol });
    }
    res.json({ symbol: tick.symbol, bid: tick.bid, ask: tick.ask, time: tick.time });
  });

  r.get('/runs/:id/bars', async (req, res) => {
    const q = check<{ symbol: string; timeframe?: Timeframe; count: number }>(schemas.bars, req.query, 'query');
    const h = orch.get(req.params.id);
    h.requireOpen('bars');
    const data = h.parts.data;
    if (!data) throw apiError('TK_ERR_API_UNAVAILABLE', `run ${h.id} has no data source attached`);
    if (!h.parts.config.symbols.includes(q.symbol))
      throw new TradekitError('TK_ERR_DATA_SYMBOL', `run ${h.id} does not trade ${q.symbol}; it trades ${h.parts.config.symbols.join(', ')}`, {
        symbol: q.symbol,
      });
    const timeframe = q.timeframe ?? data.timeframes?.(q.symbol)[0] ?? 'M5';
    const s = await data.bars(q.symbol, timeframe, q.count);
    const bars = new Array(s.length);
    for (let i = 0; i < s.length; i++) bars[i] = { time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] };
    // The symbol's price digits (EURUSD 5, XAUUSD 2): the chart formats prices with them, as MT5 does.
    const digits = data.symbolInfo ? (await data.symbolInfo(q.symbol)).digits : undefined;
    res.json({ symbol: q.symbol, timeframe, timeframes: data.timeframes?.(q.symbol) ?? [timeframe], digits, bars });
  });

  r.get('/runs/:id/equity', (req, res) => {
    check(schemas.empty, req.query, 'query');
    const h = orch.get(req.params.id);
    res.json({ points: h.curve, maxDrawdownPct: h.account?.maxDrawdownPct ?? 0 });
  });

  r.get('/runs/:id/metrics', (req, res) => {
    check(schemas.empty, req.query, 'query');
    const h = orch.get(req.params.id);
    res.json({ id: h.id, status: h.status, cycles: h.cycles, lastSeq: h.lastSeq, ...(h.parts.metrics?.() ?? {}) });
  });
  return r;
}
