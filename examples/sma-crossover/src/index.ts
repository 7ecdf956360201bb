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

export class SmaCrossoverAgent implements Agent {
  readonly name = 'sma-crossover';
  private readonly last = new Map<string, { time: number; signal: -1 | 0 | 1 }>();

  constructor(
    readonly symbols: readonly string[],
    private readonly cfg: SmaConfig,
  ) {}

  /** +1 fast crossed above slow on the last closed bar, −1 below, 0 neither (memoized per bar). */
  private signal(cycle: CycleContext, symbol: string): -1 | 0 | 1 | Promise<-1 | 0 | 1> {
    const bars = cycle.data.bars(symbol, this.cfg.timeframe, this.cfg.slow + 1);
    const compute = (b: { length: number; time: Float64Array; close: Float64Array }): -1 | 0 | 1 => {
      if (b.length < this.cfg.slow + 1) return 0;
      const t = b.time[b.length - 1]!;
      const memo = this.last.get(symbol);
      if (memo && memo.time === t) return memo.signal;
      const s = crossSignal(b.close, this.cfg.fast, this.cfg.slow);
      this.last.set(symbol, { time: t, signal: s });
      return s;
    };
    return bars instanceof Promise ? bars.then(compute) : compute(bars);
  }

  scan(ctx: ScanContext): ScanResult | Promise<ScanResult> {
    const decide = (s: -1 | 0 | 1): ScanResult => {
      if (s === 0) return { skip: 'No Cross' };
      const side = s > 0 ? 'buy' : 'sell';
      const open = ctx.cycle.positions.filter((p) => p.symbol === ctx.symbol);
      if (open.some((p) => p.side === side)) return { skip: `Already ${side === 'buy' ? 'long' : 'short'}` };
      if (!this.cfg.alwaysInMarket && open.length) return { skip: 'Position open' };
      return {
        symbol: ctx.symbol,
        side,
        score: 1,
        probability: 0.5,
        entry: 'market',
        volume: this.cfg.volume,
        reason: `SMA${this.cfg.fast} crossed ${s > 0 ? 'above' : 'below'} SMA${this.cfg.slow}`,
        ...this.stops(ctx),
      };
    };
    const s = this.signal(ctx.cycle, ctx.symbol);
    return s instanceof Promise ? s.then(decide) : decide(s);
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

  manage(cycle: CycleContext, position: Position): Action[] | Promise<Action[]> {
    if (!this.cfg.alwaysInMarket) return [];
    const decide = (s: -1 | 0 | 1): Action[] =>
      (s > 0 && position.side === 'sell') || (s < 0 && position.side === 'buy') ? [{ type: 'close', positionId: position.id, reason: 'opposite cross' }] : [];
    const s = this.signal(cycle, position.symbol);
    return s instanceof Promise ? s.then(decide) : decide(s);
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
