/**
 * Framework overhead per symbol scan: an agent that does nothing, every hook tapped once (sync taps),
 * events published to one sink. Cycles over 28 symbols; cost per symbol = cycle time / 28.
 * Target: ≤ 10 µs per symbol scan.
 */
import { performance } from 'node:perf_hooks';
import { TIMEFRAME_MS } from '../src/index.js';
import { wireAgent } from '../src/engine/wiring.js';
import { bareEngine } from './harness.js';
import { BENCH_START, SimClock, SyntheticSource, symbolsN } from './synthetic-source.js';

export default async function bench() {
  const symbols = symbolsN(28);
  const results: Record<string, number> = {};
  for (const [label, timings] of [
    ['timings off', false],
    ['timings on', true],
  ] as const) {
    const clock = new SimClock(BENCH_START + 100 * TIMEFRAME_MS.M5);
    const data = new SyntheticSource(clock, symbols, 20_000, BENCH_START);
    let events = 0;
    const { engine, hooks } = bareEngine(clock, data, symbols, { hookTimings: timings }, [{ publish: () => void events++ }]);
    const noop = () => undefined;
    hooks.cycleStart.tap('t', noop);
    hooks.manage.tap('t', noop);
    hooks.gate.tap('t', noop);
    hooks.beforeScan.tap('t', noop);
    hooks.candidates.tap('t', (c) => c);
    hooks.research.tap('t', noop);
    hooks.beforeExecute.tap('t', (i) => i);
    hooks.afterExecute.tap('t', noop);
    hooks.positionClosed.tap('t', noop);
    hooks.cycleEnd.tap('t', noop);
    hooks.error.tap('t', noop);
    wireAgent(hooks, 'empty-agent', { scan: () => ({ skip: 'nothing' }) });
    const cycles = 20_000;
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = engine.runCycle();
        if (r instanceof Promise) throw new Error('expected a synchronous cycle');
        clock.advance(TIMEFRAME_MS.M5);
      }
    };
    run(2000); // warm-up (JIT)
    const t0 = performance.now();
    run(cycles);
    const ms = performance.now() - t0;
    results[`usPerSymbolScan (${label})`] = Number(((ms * 1000) / cycles / symbols.length).toFixed(3));
    results[`usPerCycle28 (${label})`] = Number(((ms * 1000) / cycles).toFixed(1));
    results[`eventsPerCycle (${label})`] = events / (cycles + 2000);
  }
  return {
    name: 'engine overhead per symbol scan (28 symbols, empty agent, all hooks tapped once, events to one sink)',
    results,
    targets: { usPerSymbolScan: '≤ 10 µs' },
  };
}
