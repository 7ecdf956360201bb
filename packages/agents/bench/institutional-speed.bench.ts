/**
 * Backtest speed of the institutional example (examples/institutional.yaml: six symbols, M5 cycles
 * with H1 and H4 filters, trade manager, risk manager; ~65k M5 bars) in bars/s of the cycle loop —
 * median and min–max of TK_BENCH_RUNS (≥ 5) runs, each paired with the hand-written SMA reference over
 * the same symbols' M5 closes, and the per-pair ratio (see backtest-figure.ts). Target (issue 12):
 * ≥ 300k bars/s.
 * Run: node bench/run.mjs institutional-speed
 */
import path from 'node:path';
import { ROOT, stats } from './core-bench.js';
import { backtestFigure } from './backtest-figure.js';

export default async function bench() {
  const runs = stats.benchRuns();
  const institutional = await backtestFigure(path.join(ROOT, 'examples', 'institutional.yaml'), {
    dir: path.join(ROOT, 'examples', 'data'),
    symbols: ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'NAS100', 'US30'],
    timeframe: 'M5',
    serverTime: { utcOffsetHours: 2, dst: 'us' },
    warmupBars: 300,
  });
  return {
    name: `institutional example backtest (six symbols, M5 + H1 + H4), bars/s of the cycle loop — median and min–max of ${runs} runs, each paired with the hand-written reference`,
    results: { runs, institutional },
    targets: { 'institutional.barsPerSec': '≥ 300k' },
    notes:
      "runBacktest of examples/institutional.yaml as written (a backtest: memory state, pace max). barsPerSec = M5 bars cycled over ÷ perf.engineMs (config, data load and plugin setup are setupMs). ratioToReference = bars/s ÷ the reference's bars/s in the same pair (the hand-written SMA 10/30 loop over these symbols' M5 closes).",
  };
}
