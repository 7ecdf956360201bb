/**
 * The enqueuing side of a sweep on the queue: one BullMQ job per combination (job id
 * `<sweepId>-<index>`, so adding it again while it exists is a no-op, and combinations that already
 * have a result are not added at all), the results read back from the sweep's results hash (one per
 * combination, the first recorded), and the two repairs a long wait may need: a job that vanished
 * (Redis restarted without persistence, the queue was obliterated) is added again, a job that failed
 * for good without its failure being recorded gets it recorded.
 */
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { clusterError } from '../errors.js';
import { connect, ensureReachable, redactUrl, redactorFor } from '../redis.js';
import { JOBS_QUEUE, QUEUE_PREFIX, combinationJobId, sweepKeys } from '../jobs/names.js';
import { recordResult } from '../jobs/record.js';
import { decodeResult, encodeResult } from '../jobs/result-codec.js';
import { jobOptions } from '../jobs/settings.js';
import type { CombinationResult, JobData } from '../jobs/types.js';

const CHUNK = 500;

export interface SweepMeta {
  /** Identifies the config, grid and options; resuming a sweep with other ones is refused. */
  fingerprint: string;
  /** Combinations the sweep runs. */
  total: number;
  ttlSeconds: number;
}

export class SweepQueue {
  private subscriber?: Redis;

  private constructor(
    readonly url: string,
    private readonly redis: Redis,
    private readonly queue: Queue<JobData>,
  ) {}

  /** Connects (TK_ERR_CLUSTER_URL for a bad URL, TK_ERR_CLUSTER_REDIS when Redis does not answer). */
  static async open(url: string): Promise<SweepQueue> {
    const redis = connect(url);
    try {
      await ensureReachable(redis, url);
    } catch (e) {
      redis.disconnect();
      throw e;
    }
    const queue = new Queue<JobData>(JOBS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
    queue.on('error', () => undefined);
    return new SweepQueue(url, redis, queue);
  }

  /** Driver errors (Redis unreachable…), messages with the password redacted; returns an unsubscribe. */
  onError(fn: (message: string) => void): () => void {
    const redact = redactorFor(this.url);
    const h = (e: Error) => fn(redact(e.message));
    this.redis.on('error', h);
    return () => this.redis.off('error', h);
  }

  /** The URL for messages (password replaced). */
  get where(): string {
    return redactUrl(this.url);
  }

  /**
   * Starts or resumes a sweep: the first call stores the meta; a later one with the same id must carry
   * the same fingerprint (TK_ERR_CLUSTER_SWEEP otherwise: results of another grid would mix in).
   * Returns whether the sweep existed.
   */
  async begin(sweepId: string, meta: SweepMeta): Promise<{ resumed: boolean }> {
    const k = sweepKeys(sweepId);
    const created = await this.redis.hsetnx(k.meta, 'fingerprint', meta.fingerprint);
    if (!created) {
      const fp = await this.redis.hget(k.meta, 'fingerprint');
      if (fp !== meta.fingerprint) {
        throw clusterError(
          'TK_ERR_CLUSTER_SWEEP',
          `sweep ${sweepId} on ${this.where} was started with another config, grid or options: resume it with the same ones, or start a new sweep without --sweep-id`,
        );
      }
    }
    await this.redis.multi().hset(k.meta, 'total', String(meta.total)).expire(k.meta, meta.ttlSeconds).exec();
    return { resumed: !created };
  }

  /**
   * Adds the jobs whose combination has no result yet. Idempotent: a job still in the queue is not
   * added twice (same job id), a combination with a result is skipped.
   */
  async enqueue(jobs: readonly JobData[]): Promise<{ added: number; done: number }> {
    if (!jobs.length) return { added: 0, done: 0 };
    const sweep = jobs[0]!.sweep;
    const have = await this.recordedIndices(sweep);
    const todo = jobs.filter((j) => !have.has(j.index));
    for (let i = 0; i < todo.length; i += CHUNK) {
      await this.queue.addBulk(
        todo.slice(i, i + CHUNK).map((d) => ({ name: d.kind, data: d, opts: jobOptions(combinationJobId(d.sweep, d.index), d.ttlSeconds) })),
      );
    }
    return { added: todo.length, done: jobs.length - todo.length };
  }

  /** How many combinations have a result. */
  recorded(sweepId: string): Promise<number> {
    return this.redis.hlen(sweepKeys(sweepId).results);
  }

  /** Results recorded twice or more (jobs that ran again after a stall): ignored, counted. */
  async duplicates(sweepId: string): Promise<number> {
    return Number((await this.redis.hget(sweepKeys(sweepId).meta, 'duplicates')) ?? 0);
  }

  /** Every recorded result (first wins), read in batches so a large sweep does not block Redis. */
  async results(sweepId: string): Promise<CombinationResult[]> {
    const out: CombinationResult[] = [];
    const key = sweepKeys(sweepId).results;
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', 1000);
      for (let i = 0; i < flat.length; i += 2) out.push(decodeResult<CombinationResult>(flat[i + 1]!));
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  /** Calls `fn` with the combination index of each result as it is recorded (best effort: pub/sub). */
  async onRecorded(sweepId: string, fn: (index: number) => void): Promise<() => Promise<void>> {
    const sub = (this.subscriber ??= this.redis.duplicate());
    sub.on('error', () => undefined);
    const channel = sweepKeys(sweepId).done;
    const onMessage = (ch: string, msg: string) => {
      if (ch === channel) fn(Number(msg));
    };
    sub.on('message', onMessage);
    await sub.subscribe(channel);
    return async () => {
      sub.off('message', onMessage);
      await sub.unsubscribe(channel).catch(() => undefined);
    };
  }

  /**
   * The repairs of a long wait, over at most `limit` combinations without a result (starting at
   * `from` in `jobs`, so successive calls walk the whole list): a job that is gone is added again; a
   * job that failed for good has its failure recorded (TK_ERR_CLUSTER_JOB) unless a result came first.
   */
  async reconcile(jobs: readonly JobData[], from = 0, limit = 1000): Promise<{ readded: number; failed: number; next: number }> {
    if (!jobs.length) return { readded: 0, failed: 0, next: 0 };
    const sweep = jobs[0]!.sweep;
    const have = await this.recordedIndices(sweep);
    const missing: JobData[] = [];
    let i = from % jobs.length;
    let seen = 0;
    for (; seen < jobs.length && missing.length < limit; seen++, i = (i + 1) % jobs.length) {
      if (!have.has(jobs[i]!.index)) missing.push(jobs[i]!);
    }
    let readded = 0;
    let failed = 0;
    for (let c = 0; c < missing.length; c += 100) {
      const chunk = missing.slice(c, c + 100);
      const found = await Promise.all(chunk.map((d) => this.queue.getJob(combinationJobId(d.sweep, d.index)) as Promise<Job<JobData> | undefined>));
      const gone: JobData[] = [];
      for (let k = 0; k < chunk.length; k++) {
        const d = chunk[k]!;
        const job = found[k];
        if (!job) {
          // Removed on completion after its result was written? Then the result is there now.
          if (!(await this.redis.hexists(sweepKeys(sweep).results, String(d.index)))) gone.push(d);
          continue;
        }
        if ((await job.getState()) === 'failed') {
          const r: CombinationResult = {
            index: d.index,
            ok: false,
            error: { code: 'TK_ERR_CLUSTER_JOB', message: `job ${job.id} failed after ${job.attemptsMade} attempt(s): ${job.failedReason}` },
            wallMs: 0,
            worker: 'queue',
          };
          if (await recordResult(this.redis, sweep, d.index, encodeResult(r), d.ttlSeconds)) failed++;
        }
      }
      if (gone.length) {
        await this.queue.addBulk(gone.map((d) => ({ name: d.kind, data: d, opts: jobOptions(combinationJobId(d.sweep, d.index), d.ttlSeconds) })));
        readded += gone.length;
      }
    }
    return { readded, failed, next: i };
  }

  /** Removes the sweep's jobs that no worker has started (Ctrl-C); those running finish. */
  async removeWaiting(jobs: readonly JobData[]): Promise<number> {
    if (!jobs.length) return 0;
    const have = await this.recordedIndices(jobs[0]!.sweep);
    const missing = jobs.filter((j) => !have.has(j.index));
    let removed = 0;
    for (let c = 0; c < missing.length; c += 100) {
      const found = await Promise.all(
        missing.slice(c, c + 100).map((d) => this.queue.getJob(combinationJobId(d.sweep, d.index)) as Promise<Job<JobData> | undefined>),
      );
      await Promise.all(
        found.map(async (job) => {
          if (!job) return;
          const state = await job.getState();
          if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized' && state !== 'waiting-children') return;
          try {
            await job.remove();
            removed++;
          } catch {
            /* a worker took it meanwhile: it finishes */
          }
        }),
      );
    }
    return removed;
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    if (this.subscriber) await this.subscriber.quit().catch(() => this.subscriber?.disconnect());
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async recordedIndices(sweepId: string): Promise<Set<number>> {
    const keys = await this.redis.hkeys(sweepKeys(sweepId).results);
    return new Set(keys.map(Number));
  }
}
