/**
 * One cycle over 28 symbols whose data source answers after 50 ms (a network bridge): with true
 * concurrency the cycle takes about one round trip, not 28. Target: ≤ 1.2 × 50 ms = 60 ms.
 */
import { performance } from 'node:perf_hooks';
import { TIMEFRAME_MS, type ScanContext } from '../src/index.js';
import { wireAgent } from '../src/engine/wiring.js';
import { bareEngine } from './harness.js';
import { BENCH_START, SimClock, SyntheticSource, symbolsN } from './synthetic-source.js';

export default async function bench() {
  const symbols = symbolsN(28);
  const clock = new SimClock(BENCH_START + 300 * TIMEFRAME_MS.M5);
  const data = new SyntheticSource(clock, symbols, 5_000, BENCH_START, 50);
  const { engine, hooks } = bareEngine(clock, data, symbols, { concurrency: 32 });
  // The agent reads 250 bars (one 50 ms round trip), then decides.
  wireAgent(hooks, 'reader', {
    scan: async (ctx: ScanContext) => {
      const b = await ctx.cycle.data.bars(ctx.symbol, 'M5', 250);
      return b.length ? { skip: 'read' } : { skip: 'empty' };
    },
  });
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    await engine.runCycle();
    times.push(performance.now() - t0);
    clock.advance(TIMEFRAME_MS.M5);
  }
  const warm = times.slice(2).sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)]!;
  return {
    name: 'one cycle, 28 symbols, data source answering after 50 ms',
    results: {
      medianCycleMs: Number(median.toFixed(1)),
      maxCycleMs: Number(warm[warm.length - 1]!.toFixed(1)),
      ratioTo50ms: Number((median / 50).toFixed(3)),
      serialWouldBeMs: 28 * 50,
    },
    targets: { medianCycleMs: '≤ 60 ms (1.2 × 50 ms)' },
  };
}
