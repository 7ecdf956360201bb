/**
 * Waiting for a sweep's results: woken by each recorded result (pub/sub) and by a poll as a fallback,
 * it reports progress, and after `idleMs` without a new result runs the repairs (`reconcile`) on the
 * next slice of the combinations still missing. It returns when every combination has a result or
 * when `signal` aborts (Ctrl-C), even while Redis is unreachable.
 */
import { performance } from 'node:perf_hooks';
import type { JobData } from '../jobs/types.js';
import type { SweepQueue } from './sweep-queue.js';

export interface WaitOptions {
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
  /** Re-count at least this often, ms (default 1000). */
  pollMs?: number;
  /** Repair after this long without a new result, ms (default 15 000). */
  idleMs?: number;
  /** What the repairs did. */
  onRepair?(r: { readded: number; failed: number }): void;
}

export async function waitForSweep(q: SweepQueue, jobs: readonly JobData[], o: WaitOptions = {}): Promise<{ done: number; interrupted: boolean }> {
  const total = jobs.length;
  if (!total) return { done: 0, interrupted: false };
  const sweep = jobs[0]!.sweep;
  const pollMs = o.pollMs ?? 1_000;
  const idleMs = o.idleMs ?? 15_000;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const stopListening = await q.onRecorded(sweep, poke);
  o.signal?.addEventListener('abort', poke, { once: true });
  const aborted = () => o.signal?.aborted === true;
  // A Redis call that waits for a reconnection must not hold Ctrl-C up.
  const abortedP = new Promise<undefined>((r) => {
    if (aborted()) r(undefined);
    else o.signal?.addEventListener('abort', () => r(undefined), { once: true });
  });
  const orAbort = <T>(p: Promise<T>): Promise<T | undefined> => (aborted() ? Promise.resolve(undefined) : Promise.race([p, abortedP]));
  let done = 0;
  let cursor = 0;
  let lastNew = performance.now();
  try {
    for (;;) {
      const n = await orAbort(q.recorded(sweep));
      if (n === undefined) break;
      if (n > done) lastNew = performance.now();
      done = n;
      o.onProgress?.(Math.min(done, total), total);
      if (done >= total || aborted()) break;
      if (performance.now() - lastNew >= idleMs) {
        const r = await orAbort(q.reconcile(jobs, cursor));
        if (!r) break;
        cursor = r.next;
        lastNew = performance.now();
        if (r.readded || r.failed) o.onRepair?.(r);
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    o.signal?.removeEventListener('abort', poke);
    await stopListening().catch(() => undefined);
  }
  return { done: Math.min(done, total), interrupted: aborted() && done < total };
}
