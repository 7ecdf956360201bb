/**
 * Backtest speed of the stat-arb agent (EURUSD/GBPUSD on the sample data, a cycle per M5 bar, the
 * Engle-Granger test over the last 200 H1 bars, whose inputs change every 12th cycle: the case of the
 * issue; bench/fixtures/stat-arb.yaml) in bars/s of the
 * cycle loop — median and min–max of TK_BENCH_RUNS (≥ 5) runs, each paired with the hand-written SMA
 * reference over the same H1 closes, and the per-pair ratio (see backtest-figure.ts). Target
 * (issue 12): ≥ 30k bars/s.
 * Run: node bench/run.mjs stat-arb-speed
 */
import path from 'node:path';
import { ROOT, stats } from './core-bench.js';
import { backtestFigure } from './backtest-figure.js';

export default async function bench() {
  const runs = stats.benchRuns();
  const statArb = await backtestFigure(path.join(ROOT, 'packages', 'agents', 'bench', 'fixtures', 'stat-arb.yaml'), {
    dir: path.join(ROOT, 'examples', 'data'),
    symbols: ['EURUSD', 'GBPUSD'],
    timeframe: 'M5',
    serverTime: { utcOffsetHours: 2, dst: 'us' },
    warmupBars: 2500,
  });
  return {
    name: `stat-arb backtest (EURUSD/GBPUSD, M5 cycles, H1 inputs), bars/s of the cycle loop — median and min–max of ${runs} runs, each paired with the hand-written reference`,
    results: { runs, statArb },
    targets: { 'statArb.barsPerSec': '≥ 30k' },
    notes:
      "runBacktest of packages/agents/bench/fixtures/stat-arb.yaml (lotSize 0.1: with the default 0.01 the hedge leg rounds below the minimum volume and nothing trades; `trades` = both legs of every spread). barsPerSec = M5 bars of both legs cycled over ÷ perf.engineMs. ratioToReference = bars/s ÷ the reference's bars/s in the same pair (the hand-written SMA 10/30 loop over both symbols' M5 closes).",
  };
}
