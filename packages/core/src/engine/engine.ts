/**
 * The scan cycle (the seed's `run_scan_loop`, made concurrent and failure-isolated):
 *   cycleStart → snapshot + deals → manage → gate → beforeScan/scan per symbol (bounded concurrency)
 *   → candidates → research → beforeExecute → place (journal first) → afterExecute → cycleEnd.
 * The cycle is a generator driven by `runFlow`: when every plugin and the broker answer
 * synchronously (backtests on the paper broker), a whole cycle runs without creating a promise.
 */
import { performance } from 'node:perf_hooks';
import { inject, injectable } from 'tsyringe';
import { TradekitError } from '../errors.js';
import { BrokerToken, ClockToken, DataSourceToken, EngineSettingsToken, EventBusToken, HooksToken, LoggerToken, RunInfoToken, StateStoreToken, TradingStateToken } from '../tokens.js';
import type { EngineHooks } from '../hooks.js';
import type { Broker, Clock, CycleContext, DataSource, Logger, RunInfo, StateStore } from '../interfaces.js';
import type { Action, Candidate, CycleSummary, ExecutionRecord, OrderIntent, OrderResult, Position, Veto } from '../types.js';
import { isVeto } from '../types.js';
import type { EngineSection } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import { callHook, isPromiseLike, mapLimit, runFlow, wait, type Flow } from '../util/maybe.js';
import { roundTo } from '../data/csv-source.js';
import { mergeActions } from './actions.js';
import { makeClientOrderId } from './client-id.js';
import { CycleContextImpl, SymbolScanImpl } from './cycle-context.js';
import { HookMetrics } from './instrument.js';
import { TradeLedger } from './ledger.js';
import type { TradingStateController } from './trading-state.js';

export interface EngineDeps {
  hooks: EngineHooks;
  clock: Clock;
  data: DataSource;
  broker: Broker;
  store: StateStore;
  log: Logger;
  run: RunInfo;
  tradingState: TradingStateController;
  bus: EventBus;
  symbols: readonly string[];
  options: EngineSection;
  metrics?: HookMetrics;
}

/** What the engine needs from the run's config. */
export interface EngineSettings {
  symbols: readonly string[];
  options: EngineSection;
  /** Set when per-hook timings are recorded. */
  metrics?: HookMetrics;
}

const DEAL_CURSOR_KEY = 'engine.dealCursor';

@injectable()
export class Engine {
  readonly hooks: EngineHooks;
  readonly ledger: TradeLedger;
  private readonly d: EngineDeps;
  private seq = 0;
  private readonly never = new AbortController().signal;
  private signal: AbortSignal = this.never;
  private cycling = false;

  /** Resolved from the run's container: every parameter names its token (no reliance on metadata). */
  constructor(
    @inject(HooksToken) hooks: EngineHooks,
    @inject(ClockToken) clock: Clock,
    @inject(DataSourceToken) data: DataSource,
    @inject(BrokerToken) broker: Broker,
    @inject(StateStoreToken) store: StateStore,
    @inject(LoggerToken) log: Logger,
    @inject(RunInfoToken) run: RunInfo,
    @inject(TradingStateToken) tradingState: TradingStateController,
    @inject(EventBusToken) bus: EventBus,
    @inject(EngineSettingsToken) settings: EngineSettings,
  ) {
    this.d = { hooks, clock, data, broker, store, log, run, tradingState, bus, symbols: settings.symbols, options: settings.options, metrics: settings.metrics };
    this.hooks = hooks;
    this.ledger = new TradeLedger(broker, store.journal, bus, hooks, run, log);
  }

  /** Builds an engine without a container (tests, benchmarks). */
  static of(d: EngineDeps): Engine {
    return new Engine(d.hooks, d.clock, d.data, d.broker, d.store, d.log, d.run, d.tradingState, d.bus, { symbols: d.symbols, options: d.options, metrics: d.metrics });
  }

  get cycles(): number {
    return this.seq;
  }

  setSignal(signal: AbortSignal): void {
    this.signal = signal;
  }

  // ------------------------------------------------------------------ startup is recovery

  /**
   * Brings the journal in line with the broker before the first cycle: orders whose outcome was not
   * recorded are looked up by client id (never resent), positions closed while we were down get their
   * exits, our positions missing from the journal are adopted, pending orders are tracked again.
   */
  async recover(): Promise<{ resolved: number; adopted: number; closed: number }> {
    const { broker, store, run, clock, log } = this.d;
    const journal = store.journal;
    const out = { resolved: 0, adopted: 0, closed: 0 };
    const cursor = await store.get<number>(DEAL_CURSOR_KEY);
    this.ledger.cursor = cursor ?? clock.now();

    for (const rec of await journal.listOrders({ status: ['pending', 'unknown', 'placed'] })) {
      const found = await broker.lookup(rec.clientId);
      const fill = found.deals.find((x) => x.entry === 'in');
      const now = clock.now();
      if (found.orders.length) {
        await journal.saveOrder({ ...rec, status: 'placed', brokerOrderId: found.orders[0]!.id, updatedAt: now });
        this.ledger.pending.set(rec.clientId, { ...rec, status: 'placed', brokerOrderId: found.orders[0]!.id });
      } else if (fill) {
        await journal.saveOrder({ ...rec, status: 'filled', positionId: fill.positionId, updatedAt: now });
        await journal.openTrade({ positionId: fill.positionId, clientId: rec.clientId, symbol: fill.symbol, side: fill.side, volume: fill.volume, entryTime: fill.time, entryPrice: fill.price, sl: rec.sl, tp: rec.tp, agent: rec.agent, commission: fill.commission });
      } else if (rec.status === 'placed') {
        await journal.saveOrder({ ...rec, status: 'cancelled', reason: 'not at the broker on restart (expired or cancelled)', updatedAt: now });
      } else {
        await journal.saveOrder({ ...rec, status: 'failed', reason: 'not found at the broker: it never reached it', updatedAt: now });
      }
      if (rec.status !== 'placed') out.resolved++;
    }

    const positions = await broker.positions({ magic: run.magic });
    const open = await journal.listTrades({ status: 'open' });
    const byId = new Map(positions.map((p) => [p.id, p]));
    for (const p of positions) {
      if (open.some((t) => t.positionId === p.id)) continue;
      await journal.openTrade({ positionId: p.id, clientId: p.clientId, symbol: p.symbol, side: p.side, volume: p.volume, entryTime: p.openTime, entryPrice: p.openPrice, sl: p.sl, tp: p.tp, details: { adopted: true } });
      out.adopted++;
    }
    for (const t of open) {
      if (byId.has(t.positionId)) continue;
      const deals = (await broker.history({ from: t.entryTime, to: clock.now() })).filter((x) => x.positionId === t.positionId && x.entry === 'out');
      if (deals.length) {
        let left = t.openVolume;
        for (const x of deals.sort((a, b) => a.time - b.time)) {
          left -= x.volume;
          await journal.recordExit({
            positionId: t.positionId,
            dealId: x.id,
            clientId: t.clientId,
            symbol: t.symbol,
            side: t.side,
            volume: x.volume,
            partial: left > 1e-9,
            openPrice: t.entryPrice,
            openTime: t.entryTime,
            closePrice: x.price,
            closeTime: x.time,
            reason: x.reason,
            profit: Math.round((x.profit + x.commission + x.swap) * 100) / 100,
            commission: x.commission,
            swap: x.swap,
          });
        }
      } else {
        // The broker has neither the position nor its exit (e.g. a paper account that was reset).
        await journal.recordExit({
          positionId: t.positionId,
          clientId: t.clientId,
          symbol: t.symbol,
          side: t.side,
          volume: t.openVolume,
          partial: false,
          openPrice: t.entryPrice,
          openTime: t.entryTime,
          closePrice: t.entryPrice,
          closeTime: clock.now(),
          reason: 'missing',
          profit: 0,
          commission: 0,
          swap: 0,
        });
        log.warn({ positionId: t.positionId, symbol: t.symbol }, 'journal had an open trade the broker does not know; marked closed (reason: missing)');
      }
      out.closed++;
    }
    if (out.resolved || out.adopted || out.closed) log.info(out, 'recovered state from the broker');
    return out;
  }

  // ------------------------------------------------------------------ the cycle

  /** Runs one cycle. Synchronous (returns the summary) when every step answered synchronously. */
  runCycle(): CycleSummary | Promise<CycleSummary> {
    if (this.cycling) throw new TradekitError('TK_ERR_ENGINE_STATE', 'a cycle is already running');
    this.cycling = true;
    let r: CycleSummary | Promise<CycleSummary>;
    try {
      r = runFlow(this.cycle());
    } catch (e) {
      this.cycling = false;
      throw e;
    }
    if (isPromiseLike(r)) {
      return (r as Promise<CycleSummary>).finally(() => {
        this.cycling = false;
      });
    }
    this.cycling = false;
    return r;
  }

  private *cycle(): Flow<CycleSummary> {
    const t0 = performance.now();
    const { hooks, clock, data, broker, store, log, run, bus, symbols, options } = this.d;
    const ctx = new CycleContextImpl(++this.seq, clock.now(), run, clock, data, broker, store, log, this.signal, symbols, this.d.tradingState.state);
    const emitting = bus.hasConsumers;

    if (hooks.cycleStart.taps.length) yield callHook(hooks.cycleStart, [ctx]);
    if (emitting) bus.emit('cycle.start', { cycle: ctx.seq, symbols: symbols.length });

    ctx.positions = yield* wait(broker.positions({ magic: run.magic }));
    if (this.ledger.hasWork) {
      ctx.orders = yield* wait(broker.orders({ magic: run.magic }));
      yield* this.ledger.process(ctx);
      ctx.positions = yield* wait(broker.positions({ magic: run.magic }));
    }

    let actions = 0;
    if (hooks.manage.taps.length && ctx.positions.length) {
      yield callHook(hooks.manage, [ctx, ctx.positions]);
      actions = yield* this.applyActions(ctx);
    }

    const gated = hooks.gate.taps.length ? ((yield callHook(hooks.gate, [ctx])) as string | undefined) : undefined;
    const executions: ExecutionRecord[] = [];
    let candidates: Candidate[] = [];
    if (gated) {
      for (const s of symbols) {
        const scan = new SymbolScanImpl(s);
        scan.skip(gated);
        scan.finish();
        ctx.scans.set(s, scan);
      }
    } else {
      const scanned = mapLimit(symbols, options.concurrency, (s) => this.scanSymbol(ctx, s));
      if (isPromiseLike(scanned)) yield scanned;
      for (const s of ctx.scans.values()) for (const c of s.candidates) candidates.push(c);
      if (candidates.length) {
        if (emitting) for (const c of candidates) bus.emit('signal', { cycle: ctx.seq, candidate: c });
        if (hooks.candidates.taps.length) candidates = ((yield callHook(hooks.candidates, [candidates, ctx])) as Candidate[] | undefined) ?? candidates;
        let entered = 0;
        for (const c of candidates) {
          if (entered >= options.maxEntriesPerCycle) break;
          const rec = yield* this.execute(ctx, c);
          executions.push(rec);
          if (rec.result && (rec.result.status === 'filled' || rec.result.status === 'placed' || rec.result.status === 'unknown')) entered++;
          const scan = ctx.scans.get(c.symbol);
          if (scan) scan.status = statusOf(rec);
        }
      }
    }

    let errors = 0;
    for (const s of ctx.scans.values()) errors += s.errors.length;
    const needAccount = emitting || hooks.cycleEnd.taps.length > 0;
    const account = needAccount ? yield* wait(broker.account()) : undefined;
    const positions = executions.length || actions ? yield* wait(broker.positions({ magic: run.magic })) : ctx.positions;
    const symbolsStatus: Record<string, string> = {};
    for (const [s, scan] of ctx.scans) symbolsStatus[s] = scan.status;
    const summary: CycleSummary = {
      seq: ctx.seq,
      startedAt: ctx.startedAt,
      endedAt: clock.now(),
      state: this.d.tradingState.state,
      gated,
      symbols: symbolsStatus,
      scanned: gated ? 0 : symbols.length,
      candidates: candidates.length,
      executions,
      actions,
      account,
      positions: positions.length,
      errors,
      durationMs: performance.now() - t0,
    };
    if (hooks.cycleEnd.taps.length) yield callHook(hooks.cycleEnd, [summary, ctx]);
    if (emitting) {
      bus.emit('scan.summary', {
        ...summary,
        executions: executions.map((e) => ({ symbol: e.candidate.symbol, side: e.candidate.side, status: e.result?.status ?? 'vetoed', reason: e.veto ?? (e.result?.status === 'rejected' ? e.result.reason : undefined) })),
      });
      const orders = ctx.orders.length || executions.length ? yield* wait(broker.orders({ magic: run.magic })) : ctx.orders;
      bus.emit('position.update', { positions, orders });
      if (account) bus.emit('account.update', { account });
      void bus.flush();
    }
    if (!broker.subscribeDeals && this.ledger.cursor !== this.savedCursor) {
      this.savedCursor = this.ledger.cursor;
      void store.set(DEAL_CURSOR_KEY, this.ledger.cursor).catch((err: unknown) => log.warn({ err }, 'could not save the deal cursor'));
    }
    summary.durationMs = performance.now() - t0;
    return summary;
  }

  private savedCursor = Number.NaN;

  private scanSymbol(ctx: CycleContext, symbol: string): void | Promise<void> {
    const scan = new SymbolScanImpl(symbol);
    ctx.scans.set(symbol, scan);
    const hooks = this.d.hooks;
    return runFlow(
      (function* (): Flow<void> {
        if (hooks.beforeScan.taps.length) {
          const reason = (yield callHook(hooks.beforeScan, [ctx, symbol])) as string | undefined;
          if (reason) {
            scan.skip(reason);
            scan.finish();
            return;
          }
        }
        if (hooks.scan.taps.length) yield callHook(hooks.scan, [ctx, scan]);
        scan.finish();
      })(),
    );
  }

  // ------------------------------------------------------------------ execution

  private *execute(ctx: CycleContext, c: Candidate): Flow<ExecutionRecord> {
    const { hooks, data, broker, store, run, bus, tradingState, clock } = this.d;
    const rec: ExecutionRecord = { candidate: c };
    if (hooks.research.taps.length) {
      const veto = (yield callHook(hooks.research, [c, ctx])) as string | undefined;
      if (veto) {
        rec.veto = veto;
        return rec;
      }
    }
    const info = yield* wait(data.symbolInfo(c.symbol));
    const tick = yield* wait(data.tick(c.symbol));
    const market = c.side === 'buy' ? tick.ask : tick.bid;
    const price = c.entry === 'limit' && c.limitPrice !== undefined ? roundTo(c.limitPrice, info.digits) : market;
    const dir = c.side === 'buy' ? 1 : -1;
    const clientId = makeClientOrderId({ run: run.id, cycleTime: ctx.startedAt, cycle: ctx.seq, symbol: c.symbol, side: c.side, agent: c.agent });
    let intent: OrderIntent | Veto = {
      clientId,
      symbol: c.symbol,
      side: c.side,
      type: c.entry === 'limit' ? 'limit' : 'market',
      volume: c.volume ?? Number.NaN,
      price,
      sl: c.slDistance ? roundTo(price - dir * c.slDistance, info.digits) : undefined,
      tp: c.tpDistance ? roundTo(price + dir * c.tpDistance, info.digits) : undefined,
      expiresAt: c.entry === 'limit' && c.expiresInMs ? clock.now() + c.expiresInMs : undefined,
      magic: run.magic,
      comment: `tk ${clientId}`,
      source: { agent: c.agent ?? 'unknown', score: c.score, probability: c.probability, details: c.details },
    };
    if (hooks.beforeExecute.taps.length) intent = ((yield callHook(hooks.beforeExecute, [intent, ctx, c])) as OrderIntent | Veto | undefined) ?? intent;
    if (isVeto(intent)) {
      rec.veto = intent.veto;
      return rec;
    }
    // The one pre-trade gate every order passes, in every mode.
    if (!tradingState.allowsEntries()) {
      rec.veto = tradingState.state === 'HALTED' ? 'Trading halted' : 'Reducing: no new entries';
      return rec;
    }
    if (!(intent.volume > 0) || !Number.isFinite(intent.volume)) {
      rec.veto = Number.isNaN(intent.volume) ? 'No size: add a risk policy or give the candidate a volume' : `Size ${intent.volume}: nothing to trade`;
      return rec;
    }
    rec.intent = intent;
    const now = clock.now();
    const orderRec = {
      clientId,
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      volume: intent.volume,
      price: intent.price,
      sl: intent.sl,
      tp: intent.tp,
      status: 'pending' as const,
      agent: c.agent,
      createdAt: now,
      updatedAt: now,
      intent,
    };
    // Write-ahead: the journal knows about the order before the broker does.
    yield* wait(store.journal.saveOrder(orderRec));
    const result = yield* this.place(intent);
    rec.result = result;
    const updated = clock.now();
    switch (result.status) {
      case 'filled':
        yield* wait(store.journal.saveOrder({ ...orderRec, status: 'filled', brokerOrderId: result.orderId, positionId: result.positionId, volume: result.volume, price: result.price, updatedAt: updated, result }));
        yield* wait(
          store.journal.openTrade({
            positionId: result.positionId,
            clientId,
            symbol: result.symbol,
            side: result.side,
            volume: result.volume,
            entryTime: result.time,
            entryPrice: result.price,
            sl: intent.sl,
            tp: intent.tp,
            agent: c.agent,
            score: c.score,
            probability: c.probability,
            details: c.details,
            commission: result.commission,
          }),
        );
        bus.emit('order.filled', { intent, result });
        break;
      case 'placed':
        yield* wait(store.journal.saveOrder({ ...orderRec, status: 'placed', brokerOrderId: result.orderId, updatedAt: updated, result }));
        this.ledger.pending.set(clientId, { ...orderRec, status: 'placed', brokerOrderId: result.orderId });
        bus.emit('order.placed', { intent, result });
        break;
      case 'rejected':
        yield* wait(store.journal.saveOrder({ ...orderRec, status: 'rejected', reason: `${result.code}: ${result.reason}`, updatedAt: updated, result }));
        bus.emit('order.rejected', { intent, result });
        break;
      case 'unknown':
        yield* wait(store.journal.saveOrder({ ...orderRec, status: 'unknown', reason: result.reason, updatedAt: updated, result }));
        this.report(new TradekitError('TK_ERR_BROKER_UNKNOWN_OUTCOME', `outcome of ${clientId} (${intent.side} ${intent.volume} ${intent.symbol}) is unknown: ${result.reason}; it will be reconciled, not resent`, { symbol: intent.symbol }));
        break;
    }
    if (hooks.afterExecute.taps.length) yield callHook(hooks.afterExecute, [result, ctx, intent]);
    return rec;
  }

  /** Places with a deadline; an unknown outcome is reconciled by client id, never blindly resent. */
  private *place(intent: OrderIntent): Flow<OrderResult> {
    const { broker, options } = this.d;
    let result: OrderResult;
    try {
      const r = broker.place(intent, this.signal);
      result = isPromiseLike(r) ? yield* wait(withDeadline(r as Promise<OrderResult>, options.brokerTimeoutMs, intent)) : (r as OrderResult);
    } catch (e) {
      result = { status: 'unknown', clientId: intent.clientId, symbol: intent.symbol, reason: e instanceof Error ? e.message : String(e) };
    }
    if (result.status !== 'unknown') return result;
    try {
      const found = yield* wait(broker.lookup(intent.clientId));
      const pos = found.positions[0];
      const fill = found.deals.find((d) => d.entry === 'in');
      if (pos || fill) {
        return {
          status: 'filled',
          clientId: intent.clientId,
          orderId: fill?.orderId ?? pos!.id,
          positionId: pos?.id ?? fill!.positionId,
          symbol: intent.symbol,
          side: intent.side,
          volume: fill?.volume ?? pos!.volume,
          requestedVolume: intent.volume,
          price: fill?.price ?? pos!.openPrice,
          time: fill?.time ?? pos!.openTime,
          commission: fill?.commission ?? pos!.commission,
        };
      }
      const order = found.orders[0];
      if (order) return { status: 'placed', clientId: intent.clientId, orderId: order.id, symbol: intent.symbol, side: intent.side, type: order.type, volume: order.volume, price: order.price, time: order.placedAt };
    } catch (e) {
      this.d.log.warn({ err: e, clientId: intent.clientId }, 'reconciliation lookup failed; the order stays unknown');
    }
    return result;
  }

  /**
   * Processes deals and vanished orders without a cycle (end of a backtest, shutdown): exits and fills
   * that happened since the last cycle reach the journal, events and hooks.
   */
  settle(): void | Promise<void> {
    const { clock, data, broker, store, log, run, symbols } = this.d;
    const ctx = new CycleContextImpl(this.seq, clock.now(), run, clock, data, broker, store, log, this.signal, symbols, this.d.tradingState.state);
    const ledger = this.ledger;
    return runFlow(
      (function* (): Flow<void> {
        ctx.orders = yield* wait(broker.orders({ magic: run.magic }));
        yield* ledger.process(ctx);
      })(),
    );
  }

  // ------------------------------------------------------------------ management

  private *applyActions(ctx: CycleContext): Flow<number> {
    const { broker, log } = this.d;
    const merged = mergeActions(ctx.actions, ctx.positions);
    let done = 0;
    for (const a of merged) {
      let r;
      try {
        if (a.type === 'close') {
          this.ledger.noteClose(a.positionId, a.reason);
          r = yield* wait(broker.close(a.positionId, a.volume, this.signal));
        } else if (a.type === 'modify') r = yield* wait(broker.modify(a.positionId, { sl: a.sl, tp: a.tp }, this.signal));
        else r = yield* wait(broker.cancel(a.orderId, this.signal));
      } catch (e) {
        this.report(new TradekitError('TK_ERR_BROKER_UNKNOWN_OUTCOME', `${describeAction(a)} failed: ${(e as Error).message}`, { cause: e }));
        continue;
      }
      if (r.status === 'done' || r.status === 'queued') done++;
      else if (r.status === 'rejected') {
        log.warn({ action: a, code: r.code }, `${describeAction(a)} rejected: ${r.reason}`);
        this.d.bus.emit('error', { code: r.code, message: `${describeAction(a)} rejected: ${r.reason}` });
      } else this.report(new TradekitError('TK_ERR_BROKER_UNKNOWN_OUTCOME', `${describeAction(a)}: outcome unknown (${r.reason}); next cycle will see the broker's state`));
    }
    if (done) yield* this.ledger.process(ctx);
    return done;
  }

  /** Errors caught by the engine: to the `error` hook, the log and the event stream. */
  report(err: TradekitError): void {
    this.d.hooks.error.call(err);
    this.d.log.warn({ code: err.code, plugin: err.plugin, hook: err.hook, symbol: err.symbol, cause: err.cause instanceof Error ? err.cause.message : undefined }, err.message);
    this.d.bus.emit('error', { code: err.code, message: err.message, plugin: err.plugin, hook: err.hook, symbol: err.symbol });
  }

  metrics(): Record<string, unknown> | undefined {
    return this.d.metrics?.snapshot();
  }
}

function describeAction(a: Action): string {
  if (a.type === 'cancel') return `cancel order ${a.orderId}`;
  if (a.type === 'close') return `${a.volume ? `partial close ${a.volume} of` : 'close'} position ${a.positionId} (${a.reason})`;
  return `modify position ${a.positionId} (${a.reason})`;
}

function statusOf(rec: ExecutionRecord): string {
  const side = rec.candidate.side.toUpperCase();
  if (rec.veto) return `Exec Block: ${rec.veto}`;
  const r = rec.result;
  if (!r) return `CANDIDATE (${side})`;
  switch (r.status) {
    case 'filled':
      return `FILLED (${side} ${r.volume} @ ${r.price})`;
    case 'placed':
      return `PLACED (${side} ${r.type.toUpperCase()} ${r.volume} @ ${r.price})`;
    case 'rejected':
      return `Rejected: ${r.reason}`;
    default:
      return `Unknown outcome (${side}): reconciling`;
  }
}

function withDeadline(p: Promise<OrderResult>, ms: number, intent: OrderIntent): Promise<OrderResult> {
  if (!ms) return p;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve({ status: 'unknown', clientId: intent.clientId, symbol: intent.symbol, reason: `no answer within ${ms} ms` }), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export type { Position };
