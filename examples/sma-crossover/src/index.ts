/**
 * An SMA-crossover agent as a third-party plugin, written only against @tradekit/core's public API.
 * Buys when the fast SMA of closes crosses above the slow one, sells when it crosses below; with
 * `alwaysInMarket` the opposite position is closed on the cross, so there is one position at a time.
 */
import { definePlugin, type Agent, type Action, type CycleContext, type Position, type ScanContext, type ScanResult, type Timeframe } from '@tradekit/core';
import { crossSignal } from './signal.js';

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
  time: number;
  /** +1/−1 on the bar where fast crossed slow, else 0. */
  cross: -1 | 0 | 1;
  /** Sign of fast − slow on this bar. */
  trend: -1 | 0 | 1;
  /** An entry was proposed for this bar already (act once per bar, however many cycles see it). */
  proposed: boolean;
}

export class SmaCrossoverAgent implements Agent {
  readonly name = 'sma-crossover';
  private readonly last = new Map<string, BarState>();

  constructor(
    readonly symbols: readonly string[],
    private readonly cfg: SmaConfig,
  ) {}

  /** The state of the last closed bar (computed once per bar). */
  private state(cycle: CycleContext, symbol: string): BarState | undefined | Promise<BarState | undefined> {
    const bars = cycle.data.bars(symbol, this.cfg.timeframe, this.cfg.slow + 1);
    const compute = (b: { length: number; time: Float64Array; close: Float64Array }): BarState | undefined => {
      if (b.length < this.cfg.slow + 1) return undefined;
      const t = b.time[b.length - 1]!;
      const memo = this.last.get(symbol);
      if (memo && memo.time === t) return memo;
      const { cross, trend } = crossSignal(b.close, this.cfg.fast, this.cfg.slow);
      const st: BarState = { time: t, cross, trend, proposed: false };
      this.last.set(symbol, st);
      return st;
    };
    return bars instanceof Promise ? bars.then(compute) : compute(bars);
  }

  scan(ctx: ScanContext): ScanResult | Promise<ScanResult> {
    const decide = (st: BarState | undefined): ScanResult => {
      if (!st) return { skip: 'Insufficient Data' };
      if (st.cross === 0) return { skip: 'No Cross' };
      if (st.proposed) return { skip: 'Acted on this bar' };
      const side = st.cross > 0 ? 'buy' : 'sell';
      const open = ctx.cycle.positions.filter((p) => p.symbol === ctx.symbol);
      if (open.some((p) => p.side === side)) return { skip: `Already ${side === 'buy' ? 'long' : 'short'}` };
      if (!this.cfg.alwaysInMarket && open.length) return { skip: 'Position open' };
      st.proposed = true;
      return {
        symbol: ctx.symbol,
        side,
        score: 1,
        probability: 0.5,
        entry: 'market',
        volume: this.cfg.volume,
        reason: `SMA${this.cfg.fast} crossed ${st.cross > 0 ? 'above' : 'below'} SMA${this.cfg.slow}`,
        ...this.stops(ctx),
      };
    };
    const st = this.state(ctx.cycle, ctx.symbol);
    return st instanceof Promise ? st.then(decide) : decide(st);
  }

  private stops(ctx: ScanContext): { slDistance?: number; tpDistance?: number } {
    if (!this.cfg.slPoints && !this.cfg.tpPoints) return {};
    const info = ctx.cycle.data.symbolInfo(ctx.symbol);
    if (info instanceof Promise) return {};
    return {
      slDistance: this.cfg.slPoints ? this.cfg.slPoints * info.point : undefined,
      tpDistance: this.cfg.tpPoints ? this.cfg.tpPoints * info.point : undefined,
    };
  }

  /** Always in the market: a position against the current trend (fast vs slow) is closed. */
  manage(cycle: CycleContext, position: Position): Action[] | Promise<Action[]> {
    if (!this.cfg.alwaysInMarket) return [];
    const decide = (st: BarState | undefined): Action[] =>
      st && ((st.trend > 0 && position.side === 'sell') || (st.trend < 0 && position.side === 'buy')) ? [{ type: 'close', positionId: position.id, reason: 'opposite cross' }] : [];
    const st = this.state(cycle, position.symbol);
    return st instanceof Promise ? st.then(decide) : decide(st);
  }
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
      timeframe: { type: 'string', pattern: '^(M1|M5|M15|M30|H1|H4|D1)$', default: 'M5' },
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
