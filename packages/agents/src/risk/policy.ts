/**
 * The seed's RiskManager as a RiskPolicy plus a cycle gate:
 *   gate (whole cycle): circuit breaker (KV flag), daily trade limit, daily loss limit, max open positions;
 *   preScan (per symbol): session filter, min interval between fills, kill switch, payoff mandate,
 *     positions per symbol;
 *   preTrade (per order): trade mode, news, live spread, R:R, cost, max concurrent, correlation,
 *     sizing (Kelly / tiers, scaling, caps, tail clamp, step rounding), currency exposure;
 *   size: the volume preTrade computed.
 * Only fills count as trades (limit orders that expire never do); counters are persisted.
 */
import { canonicalSymbol, floorToStep, runFlow, wait, type Candidate, type CycleContext, type Flow, type KeyValueStore, type Logger, type MaybePromise, type OrderIntent, type Position, type RiskPolicy, type RiskVerdict, type SymbolInfo } from '@tradekit/core';
import { maxSpreadPipsFor, pipSize } from '../market/pips.js';
import { valuePerPriceUnit, type Quote } from '../market/money.js';
import { sessionAt, utcHour } from '../market/sessions.js';
import { symbolCurrencies, type NewsCalendar } from '../news/calendar.js';
import type { RiskConfig } from './config.js';
import { conflicts, groupConflict, returnCorrelation } from './correlation.js';
import { DealStats, payoff } from './deal-stats.js';
import { exposureBreach, type ExposureLeg } from './exposure.js';
import { plannedRisk, volumeFor } from './sizing.js';
import { RiskReason } from './status.js';

export interface RiskCounters {
  day: string;
  fills: number;
  lastFill: Record<string, number>;
}

export interface CircuitBreakerState {
  open: boolean;
  reason?: string;
}

const OK: RiskVerdict = { ok: true };
const block = (reason: string): RiskVerdict => ({ ok: false, reason });
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

export class RiskManager implements RiskPolicy {
  readonly name: string;
  counters: RiskCounters = { day: '', fills: 0, lastFill: {} };
  breaker: CircuitBreakerState = { open: false };
  readonly stats: DealStats;
  private readonly infos = new Map<string, SymbolInfo>();
  private readonly planned = new WeakMap<Candidate, number>();
  private breakerReadAt = Number.NEGATIVE_INFINITY;
  private readonly base: (s: string) => string;

  constructor(
    readonly cfg: RiskConfig,
    private readonly d: { store: KeyValueStore; log: Logger; instance: string; news?: NewsCalendar; breakerPollMs?: number },
  ) {
    this.name = d.instance;
    this.base = (s) => canonicalSymbol(s);
    this.stats = new DealStats({ windowMs: cfg.statsWindowDays * 86_400_000, refreshMs: cfg.statsRefreshSeconds * 1000, dailyScope: cfg.dailyLossScope });
  }

  get countersKey(): string {
    return `${this.d.instance}:counters`;
  }

  /** KV key of the shared circuit breaker: `{ open: true, reason }` blocks every entry of the run. */
  get breakerKey(): string {
    return `${this.d.instance}:circuitBreaker`;
  }

  async load(): Promise<void> {
    this.counters = { day: '', fills: 0, lastFill: {}, ...((await this.d.store.get<RiskCounters>(this.countersKey)) ?? {}) };
    this.breaker = (await this.d.store.get<CircuitBreakerState>(this.breakerKey)) ?? { open: false };
  }

  private *info(cycle: CycleContext, symbol: string): Flow<SymbolInfo> {
    let i = this.infos.get(symbol);
    if (!i) {
      i = yield* wait(cycle.data.symbolInfo(symbol));
      this.infos.set(symbol, i);
    }
    return i;
  }

  // ---------------------------------------------------------------- cycle gate

  gate(cycle: CycleContext): MaybePromise<string | undefined> {
    return runFlow(this.gateFlow(cycle));
  }

  private *gateFlow(cycle: CycleContext): Flow<string | undefined> {
    const c = this.cfg;
    const now = cycle.clock.now();
    if (now - this.breakerReadAt >= (this.d.breakerPollMs ?? 60_000)) {
      this.breakerReadAt = now;
      this.breaker = (yield* wait(this.d.store.get<CircuitBreakerState>(this.breakerKey))) ?? { open: false };
    }
    if (this.breaker.open) return RiskReason.circuitBreaker(this.breaker.reason ?? 'open');
    const fills = this.counters.day === dayOf(now) ? this.counters.fills : 0;
    if (c.maxDailyTrades > 0 && fills >= c.maxDailyTrades) return RiskReason.dailyTrades(fills, c.maxDailyTrades);
    if (c.maxDailyLoss > 0) {
      yield* wait(this.stats.refresh(cycle));
      if (this.stats.dayNet < -c.maxDailyLoss) {
        const acct = yield* wait(cycle.broker.account());
        return RiskReason.dailyLoss(this.stats.dayNet, c.maxDailyLoss, acct.currency);
      }
    }
    if (c.maxOpenPositions > 0) {
      const all = yield* wait(cycle.broker.positions());
      if (all.length >= c.maxOpenPositions) return RiskReason.maxOpen(all.length, c.maxOpenPositions);
    }
    return undefined;
  }

  // ---------------------------------------------------------------- per symbol

  preScan(cycle: CycleContext, symbol: string): MaybePromise<RiskVerdict> {
    return runFlow(this.preScanFlow(cycle, symbol));
  }

  private *preScanFlow(cycle: CycleContext, symbol: string): Flow<RiskVerdict> {
    const c = this.cfg;
    const now = cycle.clock.now();
    if (c.sessionFilter) {
      const info = yield* this.info(cycle, symbol);
      if (!c.sessionExemptClasses.includes(info.assetClass) && !sessionAt(now, c.tradeSessions)) {
        const h = utcHour(now);
        return block(RiskReason.session(`${String(Math.floor(h)).padStart(2, '0')}:${String(Math.floor((h % 1) * 60)).padStart(2, '0')}`));
      }
    }
    const last = this.counters.lastFill[symbol];
    if (last !== undefined && c.minTradeIntervalMinutes > 0 && now - last < c.minTradeIntervalMinutes * 60_000) {
      return block(RiskReason.interval((now - last) / 60_000, c.minTradeIntervalMinutes));
    }
    const overridden = c.riskOverrideSymbols.includes(this.base(symbol));
    if (!overridden) {
      yield* wait(this.stats.refresh(cycle));
      const nets = this.stats.bySymbol.get(symbol)?.nets ?? [];
      if (nets.length >= c.killSwitchMinDeals) {
        const lastN = nets.slice(-c.killSwitchLookbackTrades);
        const sum = lastN.reduce((a, b) => a + b, 0);
        if (sum < c.killSwitchLossThreshold) return block(RiskReason.killSwitch(lastN.length, sum, c.killSwitchLossThreshold));
      }
      if (c.mandateMinRr && nets.length >= c.payoffMinDeals) {
        const p = payoff(nets);
        if (p.avgWin > 0 && p.avgLoss / p.avgWin > c.avgLossRatioThreshold) return block(RiskReason.payoff(p.avgLoss / p.avgWin, c.avgLossRatioThreshold));
        if (p.avgWin === 0 && p.losses > 0) return block(RiskReason.payoff(Number.POSITIVE_INFINITY, c.avgLossRatioThreshold));
      }
    }
    if (c.maxPositionsPerSymbol > 0) {
      const n = cycle.positions.filter((p) => p.symbol === symbol).length;
      if (n >= c.maxPositionsPerSymbol) return block(RiskReason.perSymbol(n, c.maxPositionsPerSymbol));
    }
    return OK;
  }

  // ---------------------------------------------------------------- per order

  preTrade(cycle: CycleContext, candidate: Candidate, intent: OrderIntent): MaybePromise<RiskVerdict> {
    return runFlow(this.preTradeFlow(cycle, candidate, intent));
  }

  private *preTradeFlow(cycle: CycleContext, cand: Candidate, intent: OrderIntent): Flow<RiskVerdict> {
    const c = this.cfg;
    const symbol = intent.symbol;
    const info = yield* this.info(cycle, symbol);
    if (info.tradeMode === 'disabled' || info.tradeMode === 'closeonly') return block(RiskReason.tradeMode(info.tradeMode));
    if ((info.tradeMode === 'longonly' && intent.side === 'sell') || (info.tradeMode === 'shortonly' && intent.side === 'buy')) return block(RiskReason.tradeMode(info.tradeMode));
    const now = cycle.clock.now();
    if (c.newsFilter && this.d.news) {
      const ev = this.d.news.blackout(symbolCurrencies(info), now);
      if (ev) return block(RiskReason.news(ev.currency, ev.title));
    }
    let tick;
    try {
      tick = yield* wait(cycle.data.tick(symbol));
    } catch {
      return block(RiskReason.noTick());
    }
    if (!(tick.bid > 0) || !(tick.ask > 0)) return block(RiskReason.noTick());
    const spread = tick.ask - tick.bid;
    const spreadPips = spread / pipSize(info);
    const maxSpread = maxSpreadPipsFor(info.assetClass, c);
    if (spreadPips > maxSpread) return block(RiskReason.spread(spreadPips, maxSpread));
    const price = intent.price ?? (intent.side === 'buy' ? tick.ask : tick.bid);
    const sl = intent.sl !== undefined ? Math.abs(price - intent.sl) : 0;
    const tp = intent.tp !== undefined ? Math.abs(intent.tp - price) : 0;
    if (c.mandateMinRr && sl > 0 && tp > 0 && tp / sl < c.minRiskReward) return block(RiskReason.lowRr(tp / sl, c.minRiskReward));

    const acct = yield* wait(cycle.broker.account());
    let vpu: number;
    try {
      vpu = valuePerPriceUnit(info, acct.currency, yield* this.quotes(cycle, symbol, tick, acct.currency));
    } catch (e) {
      return block(RiskReason.cannotSize((e as Error).message));
    }
    if (tp > 0) {
      const cost = spread + (c.commissionPerLot > 0 ? c.commissionPerLot / vpu : 0);
      if (cost / tp > c.maxCostToTpRatio) return block(RiskReason.cost(cost / tp, c.maxCostToTpRatio));
      if ((tp - cost) / cost < c.minNetProfitRatio) return block(RiskReason.netProfit((tp - cost) / cost, c.minNetProfitRatio));
    }
    const all: Position[] = yield* wait(cycle.broker.positions());
    if (c.maxConcurrentTrades > 0 && all.length >= c.maxConcurrentTrades) return block(RiskReason.maxConcurrent(all.length, c.maxConcurrentTrades));
    const corr = yield* this.correlationFlow(cycle, symbol, intent.side, all);
    if (corr) return block(corr);

    // Sizing.
    let volume: number;
    if (c.fixedLots > 0) volume = c.fixedLots;
    else if (!(sl > 0) && cand.volume !== undefined && cand.volume > 0) {
      // A candidate that brings its own volume and no stop (a hedge leg): keep it, checked against the limits.
      volume = Math.min(floorToStep(cand.volume, info.volumeStep), info.volumeMax);
      if (volume < info.volumeMin - 1e-9) return block(RiskReason.cannotSize(`volume ${cand.volume} is below the minimum ${info.volumeMin}`));
    } else {
      if (!(sl > 0)) return block(RiskReason.noStops());
      yield* wait(this.stats.refresh(cycle));
      const neutral = cand.details?.probabilitySource === undefined ? cand.probability === 0.5 : String(cand.details.probabilitySource).startsWith('neutral');
      const plan = plannedRisk(c, acct.balance, cand.score, cand.probability, neutral, cand.scaling ?? 1, this.stats.trades, c.tailRiskSymbols.includes(this.base(symbol)));
      if ('skip' in plan) return block(plan.skip);
      const v = volumeFor(info, plan.riskMoney, sl, vpu);
      if ('skip' in v) return block(v.skip);
      volume = v.volume;
      cycle.log.debug({ symbol, volume, ...plan }, 'sized');
    }
    // Margin: the notional's margin (price × value per price unit / leverage per lot) must fit.
    const leverage = c.leverageBy[symbol] ?? c.leverageBy[info.assetClass] ?? acct.leverage;
    if (leverage > 0) {
      const perLot = (price * vpu) / leverage;
      const allowed = (acct.freeMargin * c.maxMarginUsePercent) / 100;
      if (volume * perLot > allowed) {
        const fit = floorToStep(allowed / perLot, info.volumeStep);
        if (fit < info.volumeMin - 1e-9) return block(RiskReason.margin(perLot, allowed, info.volumeMin));
        volume = fit;
      }
    }
    if (c.maxCurrencyExposureLots > 0) {
      const legs = yield* this.legsFlow(cycle, all);
      const breach = exposureBreach(legs, { side: intent.side, volume, baseCurrency: info.baseCurrency, profitCurrency: info.profitCurrency }, c.maxCurrencyExposureLots);
      if (breach) return block(RiskReason.exposure(breach.currency, breach.after, c.maxCurrencyExposureLots));
    }
    this.planned.set(cand, volume);
    return OK;
  }

  size(_cycle: CycleContext, candidate: Candidate): number | undefined {
    return this.planned.get(candidate);
  }

  /** Quotes that can convert `symbol`'s profit currency: its own, and other run symbols' only when needed. */
  private *quotes(cycle: CycleContext, symbol: string, tick: { bid: number; ask: number }, account: string): Flow<Quote[]> {
    const own = yield* this.info(cycle, symbol);
    const out: Quote[] = [{ info: own, mid: (tick.bid + tick.ask) / 2 }];
    if (own.tickValue !== undefined || own.profitCurrency === account || (own.assetClass === 'forex' && own.baseCurrency === account)) return out;
    for (const s of cycle.symbols) {
      if (s === symbol) continue;
      try {
        const i = yield* this.info(cycle, s);
        const t = yield* wait(cycle.data.tick(s));
        out.push({ info: i, mid: (t.bid + t.ask) / 2 });
      } catch {
        /* a symbol without a quote just cannot help converting */
      }
    }
    return out;
  }

  private *correlationFlow(cycle: CycleContext, symbol: string, side: 'buy' | 'sell', positions: readonly Position[]): Flow<string | undefined> {
    const c = this.cfg;
    if (!(c.maxCorrelation > 0 && c.maxCorrelation < 1)) return undefined;
    const mine = this.base(symbol);
    let own;
    for (const p of positions) {
      if (p.symbol === symbol || this.base(p.symbol) === mine) continue; // the same instrument is not a correlation
      let rho: number | undefined;
      try {
        own ??= yield* wait(cycle.data.bars(symbol, c.correlationTimeframe, c.correlationBars + 1));
        const other = yield* wait(cycle.data.bars(p.symbol, c.correlationTimeframe, c.correlationBars + 1));
        rho = returnCorrelation(own, other, Math.min(20, c.correlationBars - 1));
      } catch {
        rho = undefined;
      }
      if (rho !== undefined) {
        if (conflicts(rho, c.maxCorrelation, side, p.side)) return RiskReason.correlation(rho, p.symbol, p.side.toUpperCase());
        continue;
      }
      const g = groupConflict(c.correlationGroups, mine, side, this.base(p.symbol), p.side);
      if (g) return RiskReason.correlationGroup(g, p.symbol, p.side.toUpperCase());
    }
    return undefined;
  }

  private *legsFlow(cycle: CycleContext, positions: readonly Position[]): Flow<ExposureLeg[]> {
    const legs: ExposureLeg[] = [];
    for (const p of positions) {
      let base: string;
      let profit: string;
      try {
        const i = yield* this.info(cycle, p.symbol);
        base = i.baseCurrency;
        profit = i.profitCurrency;
      } catch {
        const b = this.base(p.symbol);
        if (!/^[A-Z]{6}$/.test(b)) continue;
        base = b.slice(0, 3);
        profit = b.slice(3);
      }
      legs.push({ side: p.side, volume: p.volume, baseCurrency: base, profitCurrency: profit });
    }
    return legs;
  }

  // ---------------------------------------------------------------- outcomes

  /** A fill of this run (market now, or a limit when it filled): the only thing that counts as a trade. */
  onFill(symbol: string, time: number): Promise<void> {
    const day = dayOf(time);
    if (this.counters.day !== day) this.counters = { ...this.counters, day, fills: 0 };
    this.counters.fills++;
    this.counters.lastFill[symbol] = time;
    return this.d.store.set(this.countersKey, this.counters);
  }

  onClose(): void {
    this.stats.invalidate();
  }
}
