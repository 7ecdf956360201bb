/**
 * {{name}}: a tradekit agent plugin. It follows streaks: after `streak` closes in a row above the one
 * before, it buys; after as many below, it sells; stop and target are percentages of the price. One
 * position per symbol at a time, one proposal per bar.
 *
 * In a tradekit config:  agents: [{ use: {{name}}, with: { streak: 4 } }]
 */
import { definePlugin, type Agent, type ScanContext, type ScanResult } from '@tradekit/core';
import { configSchema, type StreakConfig } from './config.js';

export { configSchema, type StreakConfig } from './config.js';

export class StreakAgent implements Agent {
  /** The time of the last bar an entry was proposed on, per symbol. */
  private readonly acted = new Map<string, number>();

  constructor(private readonly cfg: StreakConfig) {}

  async scan({ cycle, symbol }: ScanContext): Promise<ScanResult> {
    // The last `streak + 1` closed bars: never a bar that has not closed yet.
    const bars = await cycle.data.bars(symbol, this.cfg.timeframe, this.cfg.streak + 1);
    if (bars.length <= this.cfg.streak) return { skip: 'Insufficient Data' };
    const last = bars.length - 1;
    const time = bars.time[last]!;
    if (this.acted.get(symbol) === time) return { skip: 'Acted on this bar' };
    if (cycle.positions.some((p) => p.symbol === symbol)) return { skip: 'Position open' };
    let ups = 0;
    let downs = 0;
    for (let i = 1; i <= last; i++) {
      if (bars.close[i]! > bars.close[i - 1]!) ups++;
      else if (bars.close[i]! < bars.close[i - 1]!) downs++;
    }
    const side = ups === this.cfg.streak ? 'buy' : downs === this.cfg.streak ? 'sell' : undefined;
    if (!side) return { skip: 'No Streak' };
    this.acted.set(symbol, time);
    const price = bars.close[last]!;
    return {
      symbol,
      side,
      score: 1,
      probability: 0.5,
      entry: 'market',
      volume: this.cfg.volume,
      slDistance: (price * this.cfg.stopPct) / 100,
      tpDistance: (price * this.cfg.targetPct) / 100,
      reason: `${this.cfg.streak} closes in a row ${side === 'buy' ? 'up' : 'down'}`,
    };
  }
}

export default definePlugin<StreakConfig>({
  // The package's name and version: `tradekit validate` shows them, `requires` of other plugins checks them.
  name: '{{name}}',
  version: '0.1.0',
  description: 'streak-following agent',
  requires: { '@tradekit/core': '{{coreRange}}' },
  provides: ['agent'],
  configSchema,
  setup(ctx, config) {
    ctx.addAgent(new StreakAgent(config));
  },
});
