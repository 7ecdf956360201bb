/**
 * The original's RiskManager as a RiskPolicy plus a cycle gate:
 *   gate (whole cycle): circuit breaker (KV flag), daily trade limit, daily loss limit, max open positions;
 *   preScan (per symbol): session filter, min interval between fills, kill switch, payoff mandate,
 *     positions per symbol;
 *   preTrade (per order): trade mode, news, live spread, R:R, cost, max concurrent, correlation,
 *     sizing (Kelly / tiers, scaling, caps, tail clamp, step rounding), currency exposure;
 *   size: the volume preTrade computed.
 * Only fills count as trades (limit orders that expire never do); counters are persisted.
 */
import {
  andThen,
  canonicalSymbol,
  floorToStep,
  isPromiseLike,
  runFlow,
  wait,
  type Candidate,
  type CycleContext,
  type Flow,
  type KeyValueStore,
  type Logger,
  type MaybePromise,
  type OrderIntent,
  type Position,
  type RiskPolicy,
  type RiskVerdict,
  type SymbolInfo,
  type Tick,
  type Account,
  type BarSeries,
} from '@tradekit/core';
import { maxSpreadPipsFor, pipSize } from '../market/pips.js';
import { valuePerPriceUnit, type Quote } from '../market/money.js';
import { sessionAt } from '../market/sessions.js';
import { symbolCurrencies, type NewsCalendar } from '../news/calendar.js';
import type { RiskConfig } from './config.js';
import { ReturnCorrelation, conflicts, groupConflict } from './correlation.js';
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
const NO_NETS: readonly number[] = Object.freeze([]);
/** The breaker when the store has none (read every cycle of a 5-minute replay: no object per read). */
const CLOSED: CircuitBreakerState = Object.freeze({ open: false });

/** UTC `yyyy-mm-dd` of a time, rebuilt only when the day changes. */
class DayLabel {
  private day = Number.NaN;
  private label = '';

  of(t: number): string {
    const d = Math.floor(t / 86_400_000);
    if (d !== this.day) {
      this.day = d;
      this.label = new Date(t).toISOString().slice(0, 10);
    }
    return this.label;
  }
}

/** What the policy derives once per symbol. */
interface SymbolFacts {
  /** Kill switch and payoff mandate do not apply (riskOverrideSymbols). */
  overridden: boolean;
  /** A tail-risk symbol (tailRiskSymbols). */
  tail: boolean;
  base: string;
  /** Its currencies (for the news check), on first use. */
  currencies?: string[];
}

export class RiskManager implements RiskPolicy {
  readonly name: string;
  counters: RiskCounters = { day: '', fills: 0, lastFill: {} };
  breaker: Readonly<CircuitBreakerState> = CLOSED;
  readonly stats: DealStats;
  private readonly infos = new Map<string, SymbolInfo>();
  private readonly planned = new WeakMap<Candidate, number>();
  private breakerReadAt = Number.NEGATIVE_INFINITY;
  private readonly base: (s: string) => string;
  private readonly days = new DayLabel();
  private readonly facts = new Map<string, SymbolFacts>();
  /** The session verdict of one clock time (every symbol of a cycle asks at the same time). */
  private sessionAt = Number.NaN;
  private sessionVerdict: RiskVerdict | undefined;
  /** The symbol's own quote (reused: valuePerPriceUnit only reads it). */
  private readonly ownQuote: [Quote] = [{ info: undefined as unknown as SymbolInfo, mid: Number.NaN }];
  private readonly correlation = new ReturnCorrelation();

  constructor(
    readonly cfg: RiskConfig,
    private readonly d: { store: KeyValueStore; log: Logger; instance: string; news?: NewsCalendar; breakerPollMs?: number },
  ) {
    this.name = d.instance;
    this.base = (s) => canonicalSymbol(s);
    this.stats = new DealStats({
      windowMs: cfg.statsWindowDays * 86_400_000,
      refreshMs: cfg.statsRefreshSeconds * 1000,
      dailyScope: cfg.dailyLossScope,
      kellyTrades: cfg.kellyWindowTrades,
    });
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
    this.breaker = (await this.d.store.get<CircuitBreakerState>(this.breakerKey)) ?? CLOSED;
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
    const now = cycle.clock.now();
    if (now - this.breakerReadAt >= (this.d.breakerPollMs ?? 60_000)) {
      this.breakerReadAt = now;
      const store = this.d.store;
      if (store.peek) {
        this.breaker = store.peek<CircuitBreakerState>(this.breakerKey) ?? CLOSED;
        return this.gateAfterBreaker(cycle, now);
      }
      return store.get<CircuitBreakerState>(this.breakerKey).then((b) => {
        this.breaker = b ?? CLOSED;
        return this.gateAfterBreaker(cycle, now);
      });
    }
    return this.gateAfterBreaker(cycle, now);
  }

  private gateAfterBreaker(cycle: CycleContext, now: number): MaybePromise<string | undefined> {
    const c = this.cfg;
    if (this.breaker.open) return RiskReason.circuitBreaker(this.breaker.reason ?? 'open');
    const fills = this.counters.day === this.days.of(now) ? this.counters.fills : 0;
    if (c.maxDailyTrades > 0 && fills >= c.maxDailyTrades) return RiskReason.dailyTrades(fills, c.maxDailyTrades);
    if (c.maxDailyLoss > 0) {
      const r = this.stats.refresh(cycle);
      if (isPromiseLike(r)) return r.then(() => this.gateAfterStats(cycle));
    }
    return this.gateAfterStats(cycle);
  }

  private gateAfterStats(cycle: CycleContext): MaybePromise<string | undefined> {
    const c = this.cfg;
    if (c.maxDailyLoss > 0 && this.stats.dayNet < -c.maxDailyLoss) {
      return andThen(cycle.broker.account(), (acct) => RiskReason.dailyLoss(this.stats.dayNet, c.maxDailyLoss, acct.currency));
    }
    if (c.maxOpenPositions > 0) {
      const all = cycle.broker.positions();
      if (isPromiseLike(all)) return all.then((a) => this.maxOpenCheck(a));
      return this.maxOpenCheck(all);
    }
    return undefined;
  }

  private maxOpenCheck(all: readonly Position[]): string | undefined {
    const max = this.cfg.maxOpenPositions;
    return all.length >= max ? RiskReason.maxOpen(all.length, max) : undefined;
  }

  // ---------------------------------------------------------------- per symbol

  /**
   * Synchronous while the broker and the source are: the session verdict is worked out once per clock
   * time, the per-symbol facts once per symbol, and the kill switch sums the last deals in place.
   */
  preScan(cycle: CycleContext, symbol: string): MaybePromise<RiskVerdict> {
    const c = this.cfg;
    const now = cycle.clock.now();
    if (c.sessionFilter) {
      const info = this.infos.get(symbol);
      if (!info) return andThen(runFlow(this.info(cycle, symbol)), () => this.preScan(cycle, symbol));
      if (!c.sessionExemptClasses.includes(info.assetClass)) {
        const v = this.sessionCheck(now);
        if (v) return v;
      }
    }
    const last = this.counters.lastFill[symbol];
    if (last !== undefined && c.minTradeIntervalMinutes > 0 && now - last < c.minTradeIntervalMinutes * 60_000) {
      return block(RiskReason.interval((now - last) / 60_000, c.minTradeIntervalMinutes));
    }
    if (!this.factsOf(symbol).overridden) {
      const r = this.stats.refresh(cycle);
      if (isPromiseLike(r)) return r.then(() => this.preScanAfterStats(cycle, symbol));
      const v = this.dealChecks(symbol);
      if (v) return v;
    }
    return this.positionsCheck(cycle, symbol);
  }

  private preScanAfterStats(cycle: CycleContext, symbol: string): RiskVerdict {
    return this.dealChecks(symbol) ?? this.positionsCheck(cycle, symbol);
  }

  /** Outside every trading session: the block (one verdict per clock time), else undefined. */
  private sessionCheck(now: number): RiskVerdict | undefined {
    if (now !== this.sessionAt) {
      this.sessionAt = now;
      if (sessionAt(now, this.cfg.tradeSessions)) this.sessionVerdict = undefined;
      else {
        // Integer minutes of the UTC day: the fractional hour (4.333…) times 60 floors to 04:19 at 04:20.
        const minute = Math.floor((((now % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
        this.sessionVerdict = block(RiskReason.session(`${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`));
      }
    }
    return this.sessionVerdict;
  }

  /** Kill switch and payoff mandate on the symbol's recent closing deals. */
  private dealChecks(symbol: string): RiskVerdict | undefined {
    const c = this.cfg;
    const nets = this.stats.bySymbol.get(symbol)?.nets ?? NO_NETS;
    if (nets.length >= c.killSwitchMinDeals) {
      const from = Math.max(0, nets.length - c.killSwitchLookbackTrades);
      let sum = 0;
      for (let i = from; i < nets.length; i++) sum += nets[i]!;
      if (sum < c.killSwitchLossThreshold) return block(RiskReason.killSwitch(nets.length - from, sum, c.killSwitchLossThreshold));
    }
    if (c.mandateMinRr && nets.length >= c.payoffMinDeals) {
      const p = payoff(nets);
      if (p.avgWin > 0 && p.avgLoss / p.avgWin > c.avgLossRatioThreshold) return block(RiskReason.payoff(p.avgLoss / p.avgWin, c.avgLossRatioThreshold));
      if (p.avgWin === 0 && p.losses > 0) return block(RiskReason.payoff(Number.POSITIVE_INFINITY, c.avgLossRatioThreshold));
    }
    return undefined;
  }

  private positionsCheck(cycle: CycleContext, symbol: string): RiskVerdict {
    const c = this.cfg;
    if (c.maxPositionsPerSymbol > 0) {
      let n = 0;
      const positions = cycle.positions;
      for (let i = 0; i < positions.length; i++) if (positions[i]!.symbol === symbol) n++;
      if (n >= c.maxPositionsPerSymbol) return block(RiskReason.perSymbol(n, c.maxPositionsPerSymbol));
    }
    return OK;
  }

  private factsOf(symbol: string): SymbolFacts {
    let f = this.facts.get(symbol);
    if (!f) {
      const base = this.base(symbol);
      f = { base, overridden: this.cfg.riskOverrideSymbols.includes(base), tail: this.cfg.tailRiskSymbols.includes(base) };
      this.facts.set(symbol, f);
    }
    return f;
  }

  // ---------------------------------------------------------------- per order

  preTrade(cycle: CycleContext, candidate: Candidate, intent: OrderIntent): MaybePromise<RiskVerdict> {
    return runFlow(this.preTradeFlow(cycle, candidate, intent));
  }

  private *preTradeFlow(cycle: CycleContext, cand: Candidate, intent: OrderIntent): Flow<RiskVerdict> {
    const c = this.cfg;
    const symbol = intent.symbol;
    const info = this.infos.get(symbol) ?? (yield* this.info(cycle, symbol));
    const facts = this.factsOf(symbol);
    if (info.tradeMode === 'disabled' || info.tradeMode === 'closeonly') return block(RiskReason.tradeMode(info.tradeMode));
    if ((info.tradeMode === 'longonly' && intent.side === 'sell') || (info.tradeMode === 'shortonly' && intent.side === 'buy'))
      return block(RiskReason.tradeMode(info.tradeMode));
    const now = cycle.clock.now();
    if (c.newsFilter && this.d.news) {
      const ev = this.d.news.blackout((facts.currencies ??= symbolCurrencies(info)), now);
      if (ev) return block(RiskReason.news(ev.currency, ev.title));
    }
    let tick: Tick;
    try {
      const t = cycle.data.tick(symbol);
      tick = isPromiseLike(t) ? ((yield t) as Tick) : t;
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

    const a = cycle.broker.account();
    const acct = isPromiseLike(a) ? ((yield a) as Account) : a;
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
    const ps = cycle.broker.positions();
    const all = isPromiseLike(ps) ? ((yield ps) as Position[]) : ps;
    if (c.maxConcurrentTrades > 0 && all.length >= c.maxConcurrentTrades) return block(RiskReason.maxConcurrent(all.length, c.maxConcurrentTrades));
    if (all.length) {
      const corr = yield* this.correlationFlow(cycle, symbol, intent.side, all);
      if (corr) return block(corr);
    }

    // Sizing.
    let volume: number;
    if (c.fixedLots > 0) volume = c.fixedLots;
    else if (!(sl > 0) && cand.volume !== undefined && cand.volume > 0) {
      // A candidate that brings its own volume and no stop (a hedge leg): keep it, checked against the limits.
      volume = Math.min(floorToStep(cand.volume, info.volumeStep), info.volumeMax);
      if (volume < info.volumeMin - 1e-9) return block(RiskReason.cannotSize(`volume ${cand.volume} is below the minimum ${info.volumeMin}`));
    } else {
      if (!(sl > 0)) return block(RiskReason.noStops());
      const r = this.stats.refresh(cycle);
      if (isPromiseLike(r)) yield r;
      const neutral = cand.details?.probabilitySource === undefined ? cand.probability === 0.5 : String(cand.details.probabilitySource).startsWith('neutral');
      const plan = plannedRisk(c, acct.balance, cand.score, cand.probability, neutral, cand.scaling ?? 1, this.stats.trades, facts.tail);
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
      const breach = exposureBreach(
        legs,
        { side: intent.side, volume, baseCurrency: info.baseCurrency, profitCurrency: info.profitCurrency },
        c.maxCurrencyExposureLots,
      );
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
    const own = this.infos.get(symbol) ?? (yield* this.info(cycle, symbol));
    const q = this.ownQuote;
    q[0]!.info = own;
    q[0]!.mid = (tick.bid + tick.ask) / 2;
    if (own.tickValue !== undefined || own.profitCurrency === account || (own.assetClass === 'forex' && own.baseCurrency === account)) return q;
    const out: Quote[] = [{ info: own, mid: q[0]!.mid }];
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
    const mine = this.factsOf(symbol).base;
    let own: BarSeries | undefined;
    for (const p of positions) {
      const theirs = this.factsOf(p.symbol).base;
      if (p.symbol === symbol || theirs === mine) continue; // the same instrument is not a correlation
      let rho: number | undefined;
      try {
        if (!own) {
          const o = cycle.data.bars(symbol, c.correlationTimeframe, c.correlationBars + 1);
          own = isPromiseLike(o) ? ((yield o) as BarSeries) : o;
        }
        const b = cycle.data.bars(p.symbol, c.correlationTimeframe, c.correlationBars + 1);
        const other = isPromiseLike(b) ? ((yield b) as BarSeries) : b;
        rho = this.correlation.of(own, other, Math.min(20, c.correlationBars - 1));
      } catch {
        rho = undefined;
      }
      if (rho !== undefined) {
        if (conflicts(rho, c.maxCorrelation, side, p.side)) return RiskReason.correlation(rho, p.symbol, p.side.toUpperCase());
        continue;
      }
      const g = groupConflict(c.correlationGroups, mine, side, theirs, p.side);
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
    const day = this.days.of(time);
    if (this.counters.day !== day) this.counters = { ...this.counters, day, fills: 0 };
    this.counters.fills++;
    this.counters.lastFill[symbol] = time;
    return this.d.store.set(this.countersKey, this.counters);
  }

  onClose(): void {
    this.stats.invalidate();
  }
}
