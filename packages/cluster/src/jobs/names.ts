/**
 * Names in Redis for the jobs queue and the sweeps' results. BullMQ refuses `:` in a queue name and in
 * a custom job id (unless it has exactly three parts, a legacy carve-out): the job id of a sweep
 * combination is `<sweepId>-<index>`. The sweep's own keys carry the id in a hash tag, so a sweep's
 * results and meta live in one slot on a Redis Cluster too.
 */
export const JOBS_QUEUE = 'tk-jobs';
export const QUEUE_PREFIX = 'tradekit';

/** The BullMQ job id of a combination: re-adding it while the job exists is a no-op. */
export function combinationJobId(sweepId: string, index: number): string {
  return `${sweepId}-${index}`;
}

export interface SweepKeys {
  /** Hash: combination index → encoded result (first write wins). */
  results: string;
  /** Hash: fingerprint, total, created, duplicates. */
  meta: string;
  /** Pub/sub channel: a combination index each time a result is recorded. */
  done: string;
}

export function sweepKeys(sweepId: string): SweepKeys {
  const base = `${QUEUE_PREFIX}:sweep:{${sweepId}}`;
  return { results: `${base}:results`, meta: `${base}:meta`, done: `${base}:done` };
}
