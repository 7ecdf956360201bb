/**
 * An SMA-crossover agent as a third-party plugin, written only against @tradekit/core's public API.
 * Buys when the fast SMA of closes crosses above the slow one, sells when it crosses below; with
 * `alwaysInMarket` the opposite position is closed on the cross, so there is one position at a time.
 */
import {
  definePlugin,
  timeframePattern,
  type Agent,
  type Action,
  type BarFeed,
  type BarSeries,
  type ClosedBar,
  type CycleContext,
  type Position,
  type ScanContext,
  type ScanResult,
  type SymbolInfo,
  type Timeframe,
} from '@tradekit/core';

type Stops = { slDistance?: number; tpDistance?: number };
import { crossSignal, crossStep } from './signal.js';

export interface SmaConfig {
  fast: number;
  slow: number;
  timeframe: Timeframe;
  volume: number;
  alwaysInMarket: boolean;
  /** Optional protective distances in points (0 = none). */
  slPoints: number;
  tpPoints: number;
}

interface BarState {
  /** The last closed bar: its position in the history when the source tells (`end`), else its time. */
  key: number;
  /** +1/−1 on the bar where fast crossed slow, else 0. */
  cross: -1 | 0 | 1;
  /** Sign of fast − slow on this bar. */
  trend: -1 | 0 | 1;
  /** An entry was proposed for this bar already (act once per bar, however many cycles see it). */
  proposed: boolean;
  window: BarSeries | undefined;
  /**
   * Fed bar by bar (`onBar`): the last `slow + 1` closes in a ring written twice (at `i` and `i + slow
   * + 1`), so the last `slow + 1`, oldest first, always lie side by side before `head + slow + 1`.
   */
  closes: Float64Array | undefined;
  head: number;
  count: number;
  /** The fed closes' window sums of the last bar (`crossStep`). */
  fSum: number;
  sSum: number;
}

const NO_CROSS = Object.freeze({ skip: 'No Cross' });
const NO_DATA = Object.freeze({ skip: 'Insufficient Data' });
const ACTED = Object.freeze({ skip: 'Acted on this bar' });
const NOTHING: Action[] = Object.freeze([]) as unknown as Action[];

export class SmaCrossoverAgent implements Agent {
  readonly name = 'sma-crossover';
  private readonly last = new Map<string, BarState>();
  /** The engine hands over each closed bar (`onBar`): the state is kept per bar, no window is read. */
  readonly barFeeds: readonly BarFeed[];
  private fed = false;

  constructor(
    readonly symbols: readonly string[],
    private readonly cfg: SmaConfig,
  ) {
    this.barFeeds = [{ timeframe: cfg.timeframe, history: cfg.slow + 1 }];
  }

  /**
   * One closed bar: its close joins the last `slow + 1` and the averages are taken over them exactly
   * as over a window (same values, same order of additions: the same decisions as `compute`).
   */
  onBar(bar: ClosedBar): void {
    this.fed = true;
    const n = this.cfg.slow + 1;
    let st = this.last.get(bar.symbol);
    if (!st) this.last.set(bar.symbol, (st = newState(0, undefined)));
    const closes = (st.closes ??= new Float64Array(2 * n));
    const h = st.head;
    closes[h] = closes[h + n] = bar.close;
    st.head = h + 1 === n ? 0 : h + 1;
    st.count++;
    if (st.count >= n) crossStep(closes, this.cfg.fast, this.cfg.slow, st, st.head + n);
    else if (st.count >= this.cfg.slow) crossStep(closes, this.cfg.fast, this.cfg.slow, st, st.count);
    st.key = bar.index ?? bar.time;
    st.proposed = false;
  }

  /** The state of the last closed bar (computed once per bar, reused by manage and scan). */
  private state(cycle: CycleContext, symbol: string): BarState | undefined | Promise<BarState | undefined> {
    if (this.fed) {
      const st = this.last.get(symbol);
      return st && st.count > this.cfg.slow ? st : undefined;
    }
    const bars = cycle.data.bars(symbol, this.cfg.timeframe, this.cfg.slow + 1);
    return bars instanceof Promise ? this.computeLater(bars, symbol) : this.compute(symbol, bars);
  }

  // Continuations in methods of their own: a closure inside `state`, `scan`, `decide` or `manage`
  // would make each call (every bar) allocate a context for what it captures, even when nothing waits.
  private computeLater(bars: Promise<BarSeries>, symbol: string): Promise<BarState | undefined> {
    return bars.then((b) => this.compute(symbol, b));
  }

  private decideLater(st: Promise<BarState | undefined>, ctx: ScanContext): Promise<ScanResult> {
    return st.then((s) => this.decide(ctx, s));
  }

  private compute(symbol: string, b: BarSeries): BarState | undefined {
    if (b.length < this.cfg.slow + 1) return undefined;
    let st = this.last.get(symbol);
    // A source may hand back the very same window for the same bar: nothing new to compute.
    if (st && st.window === b) return st;
    const key = b.end ?? b.time[b.length - 1]!;
    if (st && st.key === key) {
      st.window = b;
      return st;
    }
    if (!st) this.last.set(symbol, (st = newState(key, b)));
    crossSignal(b.close, this.cfg.fast, this.cfg.slow, st);
    st.key = key;
    st.proposed = false;
    st.window = b;
    return st;
  }

  scan(ctx: ScanContext): ScanResult | Promise<ScanResult> {
    const st = this.state(ctx.cycle, ctx.symbol);
    return st instanceof Promise ? this.decideLater(st, ctx) : this.decide(ctx, st);
  }

  /** The entry for this bar's state, if any (no closure or array per call on the common paths). */
  private decide(ctx: ScanContext, st: BarState | undefined): ScanResult | Promise<ScanResult> {
    if (!st) return NO_DATA;
    if (st.cross === 0) return NO_CROSS;
    if (st.proposed) return ACTED;
    const side = st.cross > 0 ? 'buy' : 'sell';
    let open = 0;
    for (const p of ctx.cycle.positions) {
      if (p.symbol !== ctx.symbol) continue;
      if (p.side === side) return { skip: `Already ${side === 'buy' ? 'long' : 'short'}` };
      open++;
    }
    if (!this.cfg.alwaysInMarket && open) return { skip: 'Position open' };
    st.proposed = true;
    return this.entry(ctx, side, st.cross > 0 ? 'above' : 'below');
  }

  private entry(ctx: ScanContext, side: 'buy' | 'sell', crossed: string): ScanResult | Promise<ScanResult> {
    const candidate = (stops: Stops): ScanResult => ({
      symbol: ctx.symbol,
      side,
      score: 1,
      probability: 0.5,
      entry: 'market',
      volume: this.cfg.volume,
      reason: `SMA${this.cfg.fast} crossed ${crossed} SMA${this.cfg.slow}`,
      ...stops,
    });
    const stops = this.stops(ctx);
    return stops instanceof Promise ? stops.then(candidate) : candidate(stops);
  }

  /** SL/TP distances in price units from the configured points (the point size comes from the source). */
  private stops(ctx: ScanContext): Stops | Promise<Stops> {
    if (!this.cfg.slPoints && !this.cfg.tpPoints) return {};
    const toPrice = (info: SymbolInfo): Stops => ({
      slDistance: this.cfg.slPoints ? this.cfg.slPoints * info.point : undefined,
      tpDistance: this.cfg.tpPoints ? this.cfg.tpPoints * info.point : undefined,
    });
    const info = ctx.cycle.data.symbolInfo(ctx.symbol);
    return info instanceof Promise ? info.then(toPrice) : toPrice(info);
  }

  /** Always in the market: a position against the current trend (fast vs slow) is closed. */
  manage(cycle: CycleContext, position: Position): Action[] | Promise<Action[]> {
    if (!this.cfg.alwaysInMarket) return NOTHING;
    const st = this.state(cycle, position.symbol);
    return st instanceof Promise ? exitLater(st, position) : exitFor(position, st);
  }
}

function newState(key: number, window: BarSeries | undefined): BarState {
  return { key, cross: 0, trend: 0, proposed: false, window, closes: undefined, head: 0, count: 0, fSum: Number.NaN, sSum: Number.NaN };
}

function exitLater(st: Promise<BarState | undefined>, position: Position): Promise<Action[]> {
  return st.then((s) => exitFor(position, s));
}

function exitFor(position: Position, st: BarState | undefined): Action[] {
  return st && ((st.trend > 0 && position.side === 'sell') || (st.trend < 0 && position.side === 'buy'))
    ? [{ type: 'close', positionId: position.id, reason: 'opposite cross' }]
    : NOTHING;
}

export default definePlugin<SmaConfig>({
  name: 'tradekit-plugin-sma-crossover',
  version: '1.0.0',
  description: 'SMA crossover agent (example third-party plugin)',
  requires: { '@tradekit/core': '^0.1.0' },
  provides: ['agent'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      fast: { type: 'integer', minimum: 1, default: 10 },
      slow: { type: 'integer', minimum: 2, default: 30 },
      timeframe: { type: 'string', pattern: timeframePattern(['M1', 'M5', 'M15', 'M30', 'H1', 'H4', 'D1']), default: 'M5' },
      volume: { type: 'number', exclusiveMinimum: 0, default: 0.1 },
      alwaysInMarket: { type: 'boolean', default: true },
      slPoints: { type: 'number', minimum: 0, default: 0 },
      tpPoints: { type: 'number', minimum: 0, default: 0 },
    },
  },
  setup(ctx, config) {
    if (config.fast >= config.slow) throw new Error(`fast (${config.fast}) must be shorter than slow (${config.slow})`);
    ctx.addAgent(new SmaCrossoverAgent(ctx.symbols, config));
  },
});
