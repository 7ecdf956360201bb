/**
 * Sweep throughput on the queue: the same 24 combinations (examples/institutional.yaml, six symbols,
 * M5 + H1 + H4, ~65k bars: about a second per backtest, so the queue's cost per job is noise) enqueued
 * and waited for with 1 and with 2 `tradekit worker` processes (one backtest at a time each). The two
 * alternate run by run (the second worker is started, warmed up by a sweep of its own, measured, and
 * stopped again), so a change in the machine's load weighs on both. Reports the wall time per sweep
 * (median, min–max over the runs), the speed-up (median with 1 / median with 2, same invocation), the
 * mean backtest inside the workers, and the cores the workers kept busy (their CPU time / wall time:
 * below 1 per worker means the machine was busy with something else) and the backtests per worker
 * CPU-second (what a backtest costs, whatever else runs). Results are checked identical between 1
 * and 2 workers.
 * Run: node bench/run.mjs sweep-throughput   (REPS=5 for more runs; TK_BENCH_WORKER_NODE_FLAGS=--single-threaded-gc
 * starts the workers with that V8 flag: each then keeps exactly one core busy)
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SweepQueue } from '../src/sweep/sweep-queue.js';
import { backtestJobs, newSweepId } from '../src/sweep/plan.js';
import { waitForSweep } from '../src/sweep/wait.js';
import type { BacktestBase } from '../src/jobs/types.js';
import { benchRedis } from './redis-server.js';
import { cpuMs } from './cpu.js';
import { ROOT, startWorker, type BenchWorker } from './workers.js';

const CONFIG = path.join(ROOT, 'examples', 'institutional.yaml');
const REPS = Number(process.env.REPS ?? 3);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r0 = (x: number) => Math.round(x);
const r2 = (x: number) => Math.round(x * 100) / 100;

export default async function bench() {
  const redis = await benchRedis();
  const q = await SweepQueue.open(redis.url);
  const workers: BenchWorker[] = [];
  try {
    const combos: { index: number; params: Record<string, unknown> }[] = [];
    for (const risk of [0.5, 0.75, 1, 1.25, 1.5, 2])
      for (const max of [3, 5, 10, 20])
        combos.push({ index: combos.length, params: { 'risk[0].with.riskPercent': risk, 'risk[0].with.maxConcurrentTrades': max } });
    const base: BacktestBase = { configFile: CONFIG, set: { 'logging.level': 'silent' } };
    const sweep = async () => {
      const id = newSweepId();
      const jobs = backtestJobs(id, base, combos, 3600);
      const pids = workers.map((w) => w.child.pid!);
      const c0 = pids.map(cpuMs);
      const t0 = performance.now();
      await q.enqueue(jobs);
      await waitForSweep(q, jobs, { pollMs: 100 });
      const ms = performance.now() - t0;
      const cpu = pids.reduce((s, p, i) => s + cpuMs(p) - c0[i]!, 0);
      const rs = (await q.results(id)).sort((a, b) => a.index - b.index);
      const bad = rs.find((r) => !r.ok);
      if (bad || rs.length !== combos.length) throw new Error(`sweep failed: ${JSON.stringify(bad ?? rs.length)}`);
      return {
        ms,
        cpu,
        coresBusy: cpu / ms,
        backtestMs: rs.reduce((s, r) => s + r.wallMs, 0) / rs.length,
        sharpe: rs.map((r) => (r.ok ? r.stats.sharpe : NaN)),
      };
    };
    const one: Awaited<ReturnType<typeof sweep>>[] = [];
    const two: Awaited<ReturnType<typeof sweep>>[] = [];
    workers.push(await startWorker(redis.url));
    await sweep(); // warm-up: the worker compiles the code paths once
    for (let i = 0; i < REPS; i++) {
      one.push(await sweep());
      workers.push(await startWorker(redis.url));
      await sweep(); // warm-up of the second worker (half of it runs there)
      two.push(await sweep());
      await workers.pop()!.stop();
    }
    if (JSON.stringify(one[0]!.sharpe) !== JSON.stringify(two[0]!.sharpe)) throw new Error('results differ between 1 and 2 workers');
    const m1 = median(one.map((r) => r.ms));
    const m2 = median(two.map((r) => r.ms));
    return {
      name: `tradekit sweep on the queue: ${combos.length} backtests, 1 vs 2 worker processes (${REPS} runs each)`,
      results: {
        combinations: combos.length,
        runs: REPS,
        'wall ms, 1 worker (median)': r0(m1),
        'wall ms, 1 worker (min–max)': `${r0(Math.min(...one.map((r) => r.ms)))}–${r0(Math.max(...one.map((r) => r.ms)))}`,
        'wall ms, 2 workers (median)': r0(m2),
        'wall ms, 2 workers (min–max)': `${r0(Math.min(...two.map((r) => r.ms)))}–${r0(Math.max(...two.map((r) => r.ms)))}`,
        'speed-up (median 1 / median 2)': r2(m1 / m2),
        'backtests per second, 1 worker': r2((combos.length * 1000) / m1),
        'backtests per second, 2 workers': r2((combos.length * 1000) / m2),
        'mean backtest ms inside a worker, 1 worker': r0(median(one.map((r) => r.backtestMs))),
        'mean backtest ms inside a worker, 2 workers': r0(median(two.map((r) => r.backtestMs))),
        'cores busy, 1 worker (worker CPU / wall)': r2(median(one.map((r) => r.coresBusy))),
        'cores busy, 2 workers': r2(median(two.map((r) => r.coresBusy))),
        // Independent of what else the machine runs: how much CPU a backtest costs with 1 and 2 workers.
        'backtests per worker CPU-second, 1 worker': r2(median(one.map((r) => (combos.length * 1000) / r.cpu))),
        'backtests per worker CPU-second, 2 workers': r2(median(two.map((r) => (combos.length * 1000) / r.cpu))),
      },
      targets: { 'speed-up (median 1 / median 2)': '≥ 1.8 on 2 cores' },
      notes:
        "Each combination is a full backtest (config, CSV, plugin setup, cycles) in a worker process's backtest thread, recorded in Redis; the sweep is timed from enqueue to the last result seen. Results are checked identical for 1 and 2 workers.",
    };
  } finally {
    for (const w of workers.reverse()) await w.stop();
    await q.close();
    await redis.stop();
  }
}
