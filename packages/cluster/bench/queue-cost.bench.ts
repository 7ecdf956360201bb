/**
 * What the queue costs per job: no-op jobs (they only record a result) through a real `tradekit
 * worker` process and Redis on this machine.
 * - latency: one job at a time, from `enqueue` to its result being seen by the enqueuer (pub/sub):
 *   add → the worker's blocking fetch → lock → record (Lua) → complete → publish; median and p99;
 * - throughput: a sweep of many no-op jobs enqueued at once and waited for, per job, with a worker
 *   taking 1 and 8 jobs at once.
 * Run: node bench/run.mjs queue-cost
 */
import { performance } from 'node:perf_hooks';
import { SweepQueue } from '../src/sweep/sweep-queue.js';
import { newSweepId } from '../src/sweep/plan.js';
import { waitForSweep } from '../src/sweep/wait.js';
import type { NoopJobData } from '../src/jobs/types.js';
import { benchRedis } from './redis-server.js';
import { startWorker } from './workers.js';

const LATENCY_JOBS = 1000;
const BULK_JOBS = 5000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const noops = (sweep: string, n: number): NoopJobData[] => Array.from({ length: n }, (_, index) => ({ kind: 'noop', sweep, index, ttlSeconds: 600 }));

export default async function bench() {
  const redis = await benchRedis();
  const q = await SweepQueue.open(redis.url);
  try {
    const latency = async (n: number) => {
      const out: number[] = [];
      const base = newSweepId();
      for (let i = 0; i < n; i++) {
        const sweep = `${base}_${i}`;
        let seen!: () => void;
        const got = new Promise<void>((r) => (seen = r));
        const off = await q.onRecorded(sweep, () => seen());
        const t0 = performance.now();
        await q.enqueue(noops(sweep, 1));
        await got;
        out.push(performance.now() - t0);
        await off();
      }
      return out;
    };
    const bulk = async (n: number) => {
      const sweep = newSweepId();
      const jobs = noops(sweep, n);
      const t0 = performance.now();
      await q.enqueue(jobs);
      await waitForSweep(q, jobs, { pollMs: 20 });
      return (performance.now() - t0) / n;
    };

    const w1 = await startWorker(redis.url, 1);
    await latency(100); // warm-up
    const lat = await latency(LATENCY_JOBS);
    await bulk(500);
    const perJob1 = await bulk(BULK_JOBS);
    await w1.stop();
    const w8 = await startWorker(redis.url, 8);
    await bulk(500);
    const perJob8 = await bulk(BULK_JOBS);
    await w8.stop();
    return {
      name: 'the jobs queue: cost per job (no-op jobs through a tradekit worker process and Redis)',
      results: {
        'latency ms, enqueue → result seen, one at a time (median)': r3(pct(lat, 50)),
        'latency ms (p99)': r3(pct(lat, 99)),
        'latency ms (max)': r3(Math.max(...lat)),
        [`ms per job, ${BULK_JOBS} enqueued at once, worker takes 1 at a time`]: r3(perJob1),
        [`ms per job, ${BULK_JOBS} enqueued at once, worker takes 8 at a time`]: r3(perJob8),
        'jobs per second, 8 at a time': Math.round(1000 / perJob8),
      },
      notes: `latency over ${LATENCY_JOBS} jobs after 100 warm-up ones; Redis ${redis.url.replace(/^redis:\/\/([^@]*@)?/, '')} on the same machine (loopback)`,
    };
  } finally {
    await q.close();
    await redis.stop();
  }
}
