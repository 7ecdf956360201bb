/**
 * Sweep scaling: the same 12 combinations (the SMA example's fast × slow over the quickstart's three
 * symbols, M5, ~32k bars each) run by `tradekit sweep`'s worker pool with 1 worker and with every
 * core; speed-up = wall(1) / wall(N). Also reports the cores actually busy (process CPU time / wall
 * time): V8 compiles and collects garbage on background threads, so even 1 worker keeps more than
 * one core busy, which bounds the speed-up on a 2-core machine.
 * Run: node bench/run.mjs sweep-scaling
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseGrid, combinationAt } from '../src/sweep/grid.js';
import { runPool } from '../src/sweep/pool.js';
import type { SweepBase } from '../src/sweep/messages.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const CONFIG = path.join(ROOT, 'examples', 'quickstart.yaml');

export default async function bench() {
  const grid = parseGrid('agents[0].with.fast: [5, 8, 10, 12]\nagents[0].with.slow: [30, 40, 50]\n', 'bench-grid.yaml');
  const jobs = Array.from({ length: grid.size }, (_, index) => ({ index, params: combinationAt(grid, index) }));
  const base: SweepBase = {
    configFile: CONFIG,
    searchPaths: [path.join(ROOT, 'packages', 'cli', 'dist', 'src', 'main.js')],
    set: { 'logging.level': 'silent' },
  };
  const cores = os.availableParallelism();
  const timeWith = async (workers: number) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await runPool(jobs, { workers, base });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const coresBusy = (cpu.user + cpu.system) / 1000 / ms;
    const failed = r.filter((x) => !x.ok);
    if (failed.length) throw new Error(`sweep failed: ${JSON.stringify(failed[0])}`);
    return { ms, coresBusy, busy: r.reduce((s, x) => s + x.wallMs, 0), sharpe: r.sort((a, b) => a.index - b.index).map((x) => (x.ok ? x.stats.sharpe : NaN)) };
  };
  await timeWith(cores); // warm the disk cache and the compile cache
  const one = await timeWith(1);
  const all = await timeWith(cores);
  if (JSON.stringify(one.sharpe) !== JSON.stringify(all.sharpe)) throw new Error('results differ between 1 and N workers');
  return {
    name: `tradekit sweep: ${jobs.length} backtests, 1 worker vs ${cores}`,
    results: {
      combinations: jobs.length,
      cores,
      'wall ms, 1 worker': Math.round(one.ms),
      [`wall ms, ${cores} workers`]: Math.round(all.ms),
      'speed-up': Math.round((one.ms / all.ms) * 100) / 100,
      'efficiency %': Math.round((one.ms / all.ms / cores) * 1000) / 10,
      [`mean backtest ms, ${cores} workers (inside the workers)`]: Math.round(all.busy / jobs.length),
      'mean backtest ms, 1 worker': Math.round(one.busy / jobs.length),
      'cores busy, 1 worker (CPU time / wall)': Math.round(one.coresBusy * 100) / 100,
      [`cores busy, ${cores} workers`]: Math.round(all.coresBusy * 100) / 100,
    },
    targets: { 'speed-up': `close to ${cores} (cores)` },
    notes:
      'Each combination is a full backtest (config load, CSV load, plugin setup, cycles) in a worker_threads worker; results are checked identical for 1 and N workers.',
  };
}
