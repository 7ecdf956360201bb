/**
 * The jobs part of `tradekit worker`: a BullMQ worker on `tk-jobs` that runs sweep combinations (full
 * backtests, in threads so the main thread keeps renewing the job locks) and records each result once
 * in its sweep's results hash. A worker that dies mid-job loses nothing: its lock lapses, BullMQ puts
 * the job back (settings.ts), another worker runs it; a second result for the same combination is
 * counted and ignored.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { failpoint, type Logger } from '@tradekit/core';
import type { WorkerPart } from '../part.js';
import { throttled } from '../log-throttle.js';
import { connect, ensureReachable, redactUrl, redactorFor } from '../redis.js';
import { JOBS_QUEUE, QUEUE_PREFIX } from './names.js';
import { recordResult } from './record.js';
import { encodeResult } from './result-codec.js';
import { STALL_DEFAULTS, type StallSettings } from './settings.js';
import { BacktestThreads } from './thread-pool.js';
import type { CombinationResult, JobData } from './types.js';

export interface JobsWorkerOptions {
  /** redis:// or rediss:// */
  url: string;
  /** Jobs run at once in this process (one backtest thread each). */
  concurrency: number;
  /** Where plugins named by the configs resolve from (the CLI passes its own install). */
  searchPaths: readonly string[];
  log: Logger;
  /** Stalled-job handling; the defaults suit jobs of seconds to minutes (settings.ts). */
  stall?: Partial<StallSettings>;
}

export interface JobsWorker extends WorkerPart {
  /** `host:pid`: names this process in results and logs. */
  readonly id: string;
  /** Jobs finished by this process since it started, and how many of them were duplicates. */
  stats(): { done: number; duplicates: number; failed: number };
}

export async function startJobsWorker(o: JobsWorkerOptions): Promise<JobsWorker> {
  const redis = connect(o.url);
  const where = redactUrl(o.url);
  try {
    await ensureReachable(redis, o.url);
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  const redact = redactorFor(o.url);
  const once = throttled(10_000);
  const id = `${hostname()}:${process.pid}`;
  const stall = { ...STALL_DEFAULTS, ...o.stall };
  const threads = new BacktestThreads(o.concurrency, o.searchPaths);
  const counts = { done: 0, duplicates: 0, failed: 0 };
  const log = o.log.child({ part: 'jobs' });

  const record = async (d: JobData, r: CombinationResult | { index: number; noop: true; worker: string }) => {
    const first = await recordResult(redis, d.sweep, d.index, encodeResult(r), d.ttlSeconds);
    counts.done++;
    if (!first) {
      counts.duplicates++;
      log.info({ sweep: d.sweep, index: d.index }, 'jobs: a result for this combination was already recorded (the job ran twice): ignored');
    }
    return first;
  };

  const processor = async (job: Job<JobData>) => {
    const d = job.data;
    if (d.kind === 'noop') return { first: await record(d, { index: d.index, noop: true, worker: id }) };
    if (d.kind === 'backtest') {
      const r = await threads.run(d.base, d.index, d.params);
      // The worst moment to die: the work is done, the result not yet recorded (crash tests stop here).
      failpoint('jobs.beforeRecord');
      return { first: await record(d, r) };
    }
    throw new UnrecoverableError(`unknown job kind ${JSON.stringify((d as { kind?: unknown }).kind)} (a newer tradekit enqueued it?)`);
  };

  const worker = new Worker<JobData>(JOBS_QUEUE, processor, {
    connection: redis,
    prefix: QUEUE_PREFIX,
    // Shown as the job's `processedBy`: which process holds it.
    name: id,
    concurrency: o.concurrency,
    lockDuration: stall.lockDurationMs,
    stalledInterval: stall.stalledIntervalMs,
    maxStalledCount: stall.maxStalledCount,
    autorun: true,
  });
  worker.on('error', (err) => {
    const msg = redact(err.message);
    if (once(msg)) log.warn({ queue: where }, `jobs: Redis error (retrying): ${msg}`);
  });
  worker.on('stalled', (jobId) => log.warn({ job: jobId }, 'jobs: a job lost its worker and goes back to the queue'));
  worker.on('failed', (job, err) => {
    // `finishedOn` is set only when the job will not be retried: record the failure as its result
    // (unless a real result came first), so a sweep waiting for it is not left waiting.
    if (!job?.finishedOn) return;
    const d = job.data;
    counts.failed++;
    const message = redact(`job ${job.id} failed after ${job.attemptsMade} attempt(s): ${err.message}`);
    log.warn({ job: job.id }, `jobs: ${message}`);
    if (typeof d?.sweep !== 'string' || typeof d.index !== 'number') return;
    const r: CombinationResult = { index: d.index, ok: false, error: { code: 'TK_ERR_CLUSTER_JOB', message }, wallMs: 0, worker: id };
    recordResult(redis, d.sweep, d.index, encodeResult(r), d.ttlSeconds || 3600).catch((e: Error) =>
      log.warn({ job: job.id }, `jobs: cannot record the failure: ${redact(e.message)}`),
    );
  });
  await worker.waitUntilReady();
  log.info({ queue: where, concurrency: o.concurrency, ...stall }, `jobs: waiting for jobs on ${JOBS_QUEUE}`);

  let closing: Promise<void> | undefined;
  return {
    name: 'jobs',
    id,
    stats: () => ({ ...counts }),
    close() {
      closing ??= (async () => {
        // Stops taking jobs and waits for those in flight (their results are recorded first).
        await worker.close();
        await threads.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
