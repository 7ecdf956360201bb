/**
 * `tradekit worker --queue redis://…`: takes work off the queues until SIGINT/SIGTERM. Today one part,
 * the jobs (sweep combinations on `tk-jobs`); each part is started here and closed in reverse order on
 * the first signal, after the work in flight has finished (a second signal exits at once: what was
 * running goes back to the queue when its lock lapses, nothing is lost).
 */
import os from 'node:os';
import { createLogger } from '@tradekit/core';
import { redactUrl, redactorFor, startJobsWorker, type StallSettings, type WorkerPart } from '@tradekit/cluster';
import { EXIT } from '../exit-codes.js';
import { exitCodeFor } from '../exit-for.js';
import { parseCount } from '../options.js';
import { printError } from '../report-errors.js';
import { searchPaths } from '../search-paths.js';
import { parseQueueUrl } from '../sweep/queue-options.js';

export interface WorkerFlags {
  queue: string;
  /** Work items at once for every part (default: the cores). */
  concurrency?: string;
  /** Sweep combinations at once (default --concurrency). */
  jobsConcurrency?: string;
  /** A job's lock, seconds (checked every half of it): a dead worker's jobs run elsewhere within about twice this. */
  lockSeconds?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export async function workerCommand(flags: WorkerFlags): Promise<number> {
  let url: string;
  let jobs: number;
  let stall: Partial<StallSettings> = {};
  try {
    url = parseQueueUrl(flags.queue);
    const all = parseCount('--concurrency', flags.concurrency) ?? os.availableParallelism();
    jobs = parseCount('--jobs-concurrency', flags.jobsConcurrency) ?? all;
    const lock = parseCount('--lock-seconds', flags.lockSeconds);
    if (lock !== undefined) stall = { lockDurationMs: lock * 1000, stalledIntervalMs: lock * 500 };
  } catch (e) {
    printError(e);
    return exitCodeFor(e);
  }
  const log = createLogger({ level: flags.logLevel ?? 'info', redact: redactorFor(url) });
  const parts: WorkerPart[] = [];
  const closeAll = async () => {
    for (const p of parts.splice(0).reverse()) {
      try {
        await p.close();
      } catch (e) {
        printError(e);
      }
    }
  };
  try {
    parts.push(await startJobsWorker({ url, concurrency: jobs, searchPaths: searchPaths(), log, stall }));
    // Further parts (runs on `tk-runs`) start here; they close before the jobs.
  } catch (e) {
    await closeAll();
    printError(e);
    return EXIT.FAILURE;
  }
  process.stderr.write(`worker: ${parts.map((p) => p.name).join(', ')} on ${redactUrl(url)} (${jobs} job${jobs > 1 ? 's' : ''} at once); SIGINT/SIGTERM finishes the work in flight, then exits\n`);

  const signal = await new Promise<string>((resolve) => {
    let seen = 0;
    const on = (sig: string) => {
      if (++seen > 1) {
        process.stderr.write(`worker: ${sig} again: exiting now (jobs in flight go back to the queue when their locks lapse)\n`);
        process.exit(EXIT.INTERRUPTED);
      }
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  process.stderr.write(`worker: ${signal}: finishing the work in flight (press again to exit at once)\n`);
  await closeAll();
  process.stderr.write('worker: stopped\n');
  return EXIT.OK;
}
