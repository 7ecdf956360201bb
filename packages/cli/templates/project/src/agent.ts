/**
 * A channel-breakout agent as a tradekit plugin: buys when a bar closes above the highest high of the
 * `lookback` bars before it, sells when it closes below their lowest low. Stop and target are
 * multiples of the channel's height. One position per symbol at a time, one proposal per bar.
 *
 * Change it, then `npm test` (builds and tests) and `npx tradekit backtest tradekit.yaml`.
 * The plugin context and interfaces: docs/plugins.md in the tradekit repository.
 */
import { definePlugin, type Agent, type ScanContext, type ScanResult, type Timeframe } from '@tradekit/core';

export interface BreakoutConfig {
  lookback: number;
  timeframe: Timeframe;
  volume: number;
  /** Stop distance as a multiple of the channel's height. */
  stopRange: number;
  /** Target distance as a multiple of the channel's height. */
  targetRange: number;
}

export class BreakoutAgent implements Agent {
  /** The time of the last bar an entry was proposed on, per symbol. */
  private readonly acted = new Map<string, number>();

  constructor(private readonly cfg: BreakoutConfig) {}

  async scan({ cycle, symbol }: ScanContext): Promise<ScanResult> {
    // The last `lookback + 1` closed bars: never a bar that has not closed yet.
    const bars = await cycle.data.bars(symbol, this.cfg.timeframe, this.cfg.lookback + 1);
    if (bars.length <= this.cfg.lookback) return { skip: 'Insufficient Data' };
    const last = bars.length - 1;
    const time = bars.time[last]!;
    if (this.acted.get(symbol) === time) return { skip: 'Acted on this bar' };
    if (cycle.positions.some((p) => p.symbol === symbol)) return { skip: 'Position open' };
    let high = -Infinity;
    let low = Infinity;
    for (let i = 0; i < last; i++) {
      high = Math.max(high, bars.high[i]!);
      low = Math.min(low, bars.low[i]!);
    }
    const close = bars.close[last]!;
    const side = close > high ? 'buy' : close < low ? 'sell' : undefined;
    if (!side) return { skip: 'No Breakout' };
    this.acted.set(symbol, time);
    const height = high - low;
    return {
      symbol,
      side,
      score: 1,
      probability: 0.5,
      entry: 'market',
      volume: this.cfg.volume,
      slDistance: height * this.cfg.stopRange,
      tpDistance: height * this.cfg.targetRange,
      reason: `closed ${side === 'buy' ? 'above' : 'below'} the ${this.cfg.lookback}-bar channel`,
    };
  }
}

export default definePlugin<BreakoutConfig>({
  name: 'breakout-agent',
  version: '0.1.0',
  description: 'channel breakout agent',
  requires: { '@tradekit/core': '{{coreRange}}' },
  provides: ['agent'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lookback: { type: 'integer', minimum: 2, default: 24 },
      timeframe: { type: 'string', pattern: '^(M1|M5|M15|M30|H1|H4|D1)$', default: 'M5' },
      volume: { type: 'number', exclusiveMinimum: 0, default: 0.1 },
      stopRange: { type: 'number', exclusiveMinimum: 0, default: 0.5 },
      targetRange: { type: 'number', exclusiveMinimum: 0, default: 1 },
    },
  },
  setup(ctx, config) {
    ctx.addAgent(new BreakoutAgent(config));
  },
});
