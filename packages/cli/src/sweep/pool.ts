/**
 * A fixed pool of worker_threads that takes combinations off a shared queue (the next job goes to
 * whichever worker is free, so slow and fast combinations balance out). A worker that dies costs only
 * the combination it was running (reported as TK_ERR_SWEEP_WORKER) and is replaced.
 */
import { Worker } from 'node:worker_threads';
import type { SweepBase, SweepJob, SweepJobResult } from './messages.js';

export interface PoolOptions {
  workers: number;
  base: SweepBase;
  /** After each combination (in completion order). */
  onResult?(r: SweepJobResult, done: number, total: number): void;
  /** Stop handing out new combinations; those in flight finish. */
  signal?: AbortSignal;
  /** Worker entry (tests may point this elsewhere). */
  workerUrl?: URL;
}

export function runPool(jobs: readonly SweepJob[], o: PoolOptions): Promise<SweepJobResult[]> {
  const results: SweepJobResult[] = [];
  if (!jobs.length) return Promise.resolve(results);
  const url = o.workerUrl ?? new URL('./worker.js', import.meta.url);
  return new Promise((resolve) => {
    let next = 0;
    let alive = 0;
    const record = (r: SweepJobResult) => {
      results.push(r);
      o.onResult?.(r, results.length, jobs.length);
    };
    const more = () => !o.signal?.aborted && next < jobs.length;
    const spawn = () => {
      const w = new Worker(url, { workerData: o.base });
      alive++;
      let current: SweepJob | undefined;
      const feed = () => {
        if (!more()) {
          current = undefined;
          void w.terminate();
          return;
        }
        current = jobs[next++]!;
        w.postMessage(current);
      };
      const lost = (why: string) => {
        if (!current) return;
        record({
          index: current.index,
          ok: false,
          error: { code: 'TK_ERR_SWEEP_WORKER', message: `worker ${w.threadId} died: ${why}` },
          wallMs: 0,
          worker: w.threadId,
        });
        current = undefined;
      };
      w.on('message', (r: SweepJobResult) => {
        current = undefined;
        record(r);
        feed();
      });
      w.on('error', (err) => lost(err.message));
      w.on('exit', (code) => {
        lost(`exit code ${code}`);
        alive--;
        if (more()) spawn();
        else if (alive === 0) resolve(results);
      });
      feed();
    };
    const n = Math.max(1, Math.min(o.workers, jobs.length));
    for (let i = 0; i < n; i++) spawn();
  });
}
