/** Shared by the cluster's tests: paths, the test Redis, an empty jobs queue. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { connect } from '../src/redis.js';
import { JOBS_QUEUE, QUEUE_PREFIX } from '../src/jobs/names.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** EURUSD M5, the SMA example, no costs, no warm-up: a small, fast backtest config. */
export const SMA_EURUSD = path.join(ROOT, 'packages', 'cli', 'bench', 'fixtures', 'compare-sma-eurusd.yaml');
/** Plugins resolve from this package (core's built-ins; the example plugin is named by path). */
export const SEARCH_PATHS = [import.meta.url];

let n = 0;
/** A sweep id no other test uses. */
export function uniqueId(tag: string): string {
  return `t${tag}_${process.pid}_${++n}`;
}

/** Removes every job of `tk-jobs` (tests run one at a time; a job left by one must not feed the next). */
export async function emptyJobsQueue(url: string): Promise<void> {
  const redis = connect(url);
  const q = new Queue(JOBS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  try {
    await q.obliterate({ force: true });
  } finally {
    await q.close();
    await redis.quit();
  }
}
