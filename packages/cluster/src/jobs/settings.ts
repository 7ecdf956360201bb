/**
 * How the jobs queue survives a worker that dies mid-job (BullMQ's stalled-job handling), and what
 * each job is added with. Jobs here last seconds to minutes.
 *
 * - `lockDurationMs` 30 s: a worker holds a lock on each job it runs and renews it every 15 s (half
 *   the duration) from its main thread, which backtests never block (they run in threads). The lock
 *   lapses only when the process is gone or frozen for 15 s or more (SIGKILL, OOM, a VM pause, a cut to
 *   Redis). Shorter makes false stalls under load more likely (the job then runs twice: harmless, the
 *   second result is ignored, but wasted); longer makes a dead worker's jobs wait longer.
 * - `stalledIntervalMs` 10 s (a third of the lock, as `tradekit worker --lock-seconds` sets it): every
 *   worker checks the active jobs this often; a job whose lock has lapsed goes back to the waiting list
 *   and another worker runs it. A dead worker's job thus runs again within about lockDuration +
 *   stalledInterval (≈ 40 s), at most lockDuration + 2 × stalledInterval (50 s).
 * - `maxStalledCount` 2: a job may be put back twice (two workers lost under it, e.g. a rolling
 *   restart); the third time it fails, recorded as TK_ERR_CLUSTER_JOB, so a job that kills every
 *   process that runs it costs three processes, not all of them.
 */
import type { JobsOptions } from 'bullmq';

export interface StallSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

export const STALL_DEFAULTS: Readonly<StallSettings> = Object.freeze({ lockDurationMs: 30_000, stalledIntervalMs: 10_000, maxStalledCount: 2 });

/** Sweep results (and failed jobs, for the record) stay this long after the last write. */
export const RESULTS_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Each job: completed jobs are removed at once (the result lives in the sweep's results hash), failed
 * ones are kept as long as the results; a processor error (Redis failed while recording) is retried
 * twice with backoff. A backtest's own failure is a result, not a job failure.
 */
export function jobOptions(jobId: string, ttlSeconds: number): JobsOptions {
  return {
    jobId,
    attempts: 3,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: true,
    removeOnFail: { age: ttlSeconds, count: 100_000 },
  };
}
