/**
 * Local sweep throughput (issue 12): the same 12 backtests (the SMA example's fast × slow over the
 * quickstart's three symbols, M5) through `tradekit sweep`'s worker_threads pool (runPool, what the
 * command runs) with 2 workers and with 1, alternating (2, 1, 2, 1, …) so a change in the machine's
 * load weighs on both; TK_BENCH_RUNS (≥ 5, default 5) pairs after one warm-up pair. Each sweep starts
 * its workers afresh, as the command does. Reports the wall time and backtests/s of each (median,
 * min–max), the per-pair speed-up (wall with 1 ÷ wall with 2) and the cores the process kept busy
 * (its CPU time ÷ wall: V8 compiles and collects on background threads, so even 1 worker keeps more
 * than one core partly busy, which bounds the speed-up on 2 cores). Results are checked identical.
 * Run: node bench/run.mjs sweep-local
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { combinationAt, parseGrid } from '../src/sweep/grid.js';
import { runPool } from '../src/sweep/pool.js';
import type { SweepBase } from '../src/sweep/messages.js';
import { ROOT, stats, type Sample } from './core-bench.js';

export default async function bench() {
  const runs = stats.benchRuns();
  const grid = parseGrid('agents[0].with.fast: [5, 8, 10, 12]\nagents[0].with.slow: [30, 40, 50]\n', 'bench-grid.yaml');
  const jobs = Array.from({ length: grid.size }, (_, index) => ({ index, params: combinationAt(grid, index) }));
  const base: SweepBase = {
    configFile: path.join(ROOT, 'examples', 'quickstart.yaml'),
    searchPaths: [path.join(ROOT, 'packages', 'cli', 'dist', 'src', 'main.js')],
    set: { 'logging.level': 'silent' },
  };
  let expected: string | undefined;
  const sweep = (workers: number) => async (): Promise<Sample> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await runPool(jobs, { workers, base });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const bad = r.find((x) => !x.ok);
    if (bad || r.length !== jobs.length) throw new Error(`sweep failed: ${JSON.stringify(bad ?? r.length)}`);
    const sharpe = JSON.stringify(r.sort((a, b) => a.index - b.index).map((x) => (x.ok ? x.stats.sharpe : NaN)));
    if ((expected ??= sharpe) !== sharpe) throw new Error(`results differ with ${workers} worker(s)`);
    return {
      ms,
      units: jobs.length,
      extra: {
        coresBusy: (cpu.user + cpu.system) / 1000 / ms,
        perCpuSec: (jobs.length * 1e6) / (cpu.user + cpu.system),
        backtestMs: r.reduce((s, x) => s + x.wallMs, 0) / r.length,
      },
    };
  };
  const p = await stats.paired(sweep(2), sweep(1));
  const side = (perSec: typeof p.perSec, ms: typeof p.ms, samples: Sample[]) => ({
    ms,
    backtestsPerSec: perSec,
    meanBacktestMs: stats.summarizeExtra(samples, 'backtestMs'),
    coresBusy: stats.summarizeExtra(samples, 'coresBusy'),
    backtestsPerCpuSec: stats.summarizeExtra(samples, 'perCpuSec'),
  });
  return {
    name: `local sweep (tradekit sweep's worker_threads pool): ${jobs.length} backtests with 1 vs 2 workers — median and min–max of ${runs} alternating pairs`,
    results: {
      runs,
      combinations: jobs.length,
      cores: os.availableParallelism(),
      oneWorker: side(p.reference.perSec, p.reference.ms, p.referenceSamples),
      twoWorkers: side(p.perSec, p.ms, p.samples),
      speedUp: p.ratio,
    },
    targets: { speedUp: '≥ 1.8 (2 workers on 2 cores)' },
    notes:
      'speedUp = backtests/s with 2 workers ÷ backtests/s with 1 worker of the same pair (= wall with 1 ÷ wall with 2). Each combination is a full backtest (config, CSV, plugin setup, cycles) in a worker thread; meanBacktestMs is measured inside the workers (it grows with 2 workers when they compete for the cores). coresBusy = process CPU time ÷ wall: with 2 workers it should approach 2; well below that, other processes had the cores and the speed-up says more about the machine than about tradekit (backtestsPerCpuSec, backtests per CPU-second of this process, does not depend on what else runs).',
  };
}
