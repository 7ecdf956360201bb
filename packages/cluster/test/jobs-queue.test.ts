/**
 * The jobs queue against a real Redis, in one process: results recorded once per combination, an
 * idempotent enqueue, a worker running backtests (numbers equal to runBacktest's) and recording what it
 * cannot run, the repairs of a long wait, Ctrl-C's removal of waiting jobs, and a backtest thread that
 * dies.
 */
import assert from 'node:assert/strict';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { runBacktest, silentLogger } from '@tradekit/core';
import { connect } from '../src/redis.js';
import { JOBS_QUEUE, QUEUE_PREFIX, combinationJobId, sweepKeys } from '../src/jobs/names.js';
import { recordResult } from '../src/jobs/record.js';
import { encodeResult } from '../src/jobs/result-codec.js';
import { startJobsWorker, type JobsWorker } from '../src/jobs/jobs-worker.js';
import { BacktestThreads } from '../src/jobs/thread-pool.js';
import type { CombinationResult, JobData, NoopJobData } from '../src/jobs/types.js';
import { SweepQueue } from '../src/sweep/sweep-queue.js';
import { backtestJobs } from '../src/sweep/plan.js';
import { waitForSweep } from '../src/sweep/wait.js';
import { serviceUrl } from './services.js';
import { SEARCH_PATHS, SMA_EURUSD, emptyJobsQueue, uniqueId } from './helpers.js';

const noops = (sweep: string, n: number): NoopJobData[] => Array.from({ length: n }, (_, index) => ({ kind: 'noop', sweep, index, ttlSeconds: 600 }));
const failure = (index: number, message: string): CombinationResult => ({ index, ok: false, error: { code: 'TK_ERR_X', message }, wallMs: 0, worker: 'test' });

describe('jobs queue (real Redis)', function () {
  this.timeout(60_000);
  let url: string;
  let redis: Redis;
  let q: SweepQueue;
  let bull: Queue;
  before(async () => {
    url = serviceUrl('redis');
    await emptyJobsQueue(url);
    redis = connect(url);
    q = await SweepQueue.open(url);
    bull = new Queue(JOBS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  });
  afterEach(() => emptyJobsQueue(url));
  after(async () => {
    await bull.close();
    await q.close();
    await redis.quit();
  });

  it('records the first result of a combination; a second one is counted as a duplicate and ignored', async () => {
    const sweep = uniqueId('rec');
    assert.equal(await recordResult(redis, sweep, 4, encodeResult(failure(4, 'first')), 600), true);
    assert.equal(await recordResult(redis, sweep, 4, encodeResult(failure(4, 'second')), 600), false);
    assert.equal(await recordResult(redis, sweep, 5, encodeResult(failure(5, 'other')), 600), true);
    const rs = (await q.results(sweep)).sort((a, b) => a.index - b.index);
    assert.deepEqual(
      rs.map((r) => [r.index, !r.ok && r.error.message]),
      [
        [4, 'first'],
        [5, 'other'],
      ],
    );
    assert.equal(await q.duplicates(sweep), 1);
    assert.equal(await q.recorded(sweep), 2);
    const ttl = await redis.ttl(sweepKeys(sweep).results);
    assert.ok(ttl > 0 && ttl <= 600, `results expire (ttl ${ttl})`);
  });

  it('enqueueing a sweep again adds no job twice and skips combinations that have a result; another grid under the same id is refused', async () => {
    const sweep = uniqueId('idem');
    const jobs = noops(sweep, 10);
    const meta = { fingerprint: 'fp-a', total: 10, ttlSeconds: 600 };
    assert.deepEqual(await q.begin(sweep, meta), { resumed: false });
    await q.enqueue(jobs);
    await q.enqueue(jobs);
    assert.equal((await bull.getJobCounts('waiting')).waiting, 10, 'each job once');
    const ids = (await bull.getJobs(['waiting'])).map((j) => j.id).sort();
    assert.deepEqual(ids, jobs.map((j) => combinationJobId(sweep, j.index)).sort());
    for (const i of [0, 3, 7]) await recordResult(redis, sweep, i, encodeResult(failure(i, 'done')), 600);
    assert.deepEqual(await q.begin(sweep, meta), { resumed: true });
    // The three with a result are done; the seven others are the same jobs as before.
    assert.deepEqual(await q.enqueue(jobs), { added: 7, done: 3 });
    assert.equal((await bull.getJobCounts('waiting')).waiting, 10);
    await assert.rejects(q.begin(sweep, { ...meta, fingerprint: 'fp-b' }), { code: 'TK_ERR_CLUSTER_SWEEP' });
    // Ctrl-C: the waiting jobs of combinations without a result go.
    assert.equal(await q.removeWaiting(jobs), 7);
    assert.deepEqual((await bull.getJobs(['waiting'])).map((j) => j.id).sort(), [0, 3, 7].map((i) => combinationJobId(sweep, i)).sort());
  });

  describe('with a worker', () => {
    let worker: JobsWorker | undefined;
    afterEach(async () => {
      await worker?.close();
      worker = undefined;
    });

    it('runs each combination once with the numbers of runBacktest, failures with their code, and a job it cannot run as TK_ERR_CLUSTER_JOB', async () => {
      worker = await startJobsWorker({ url, concurrency: 2, searchPaths: SEARCH_PATHS, log: silentLogger() });
      const sweep = uniqueId('run');
      const base = { configFile: SMA_EURUSD, from: '2026-06-01', to: '2026-06-04', set: {} };
      const combos = [
        { index: 0, params: { 'agents[0].with.fast': 5, 'agents[0].with.slow': 20 } },
        { index: 1, params: { 'agents[0].with.fast': 40, 'agents[0].with.slow': 20 } },
        { index: 2, params: { 'agents[0].with.fast': 8, 'agents[0].with.slow': 30 } },
      ];
      const jobs: JobData[] = [...backtestJobs(sweep, base, combos, 600), { kind: 'bogus', sweep, index: 3, ttlSeconds: 600 } as unknown as JobData];
      await q.begin(sweep, { fingerprint: 'f', total: jobs.length, ttlSeconds: 600 });
      await q.enqueue(jobs);
      const seen: number[] = [];
      const w = await waitForSweep(q, jobs, { onProgress: (d) => seen.push(d) });
      assert.deepEqual(w, { done: 4, interrupted: false });
      assert.equal(seen[seen.length - 1], 4);
      const rs = new Map((await q.results(sweep)).map((r) => [r.index, r]));
      assert.equal(rs.size, 4);
      const direct = await runBacktest(
        { configFile: SMA_EURUSD, searchPaths: SEARCH_PATHS, from: base.from, to: base.to, set: combos[2]!.params },
        { logger: silentLogger() },
      );
      const r2 = rs.get(2)!;
      assert.ok(r2.ok);
      assert.deepEqual(r2.stats, direct.stats, 'same numbers as a single backtest');
      assert.match(r2.worker, /^.+:\d+\/\d+$/);
      const r1 = rs.get(1)!;
      assert.ok(!r1.ok && r1.error.code === 'TK_ERR_PLUGIN_SETUP' && /fast \(40\) must be shorter/.test(r1.error.message));
      const r3 = rs.get(3)!;
      assert.ok(!r3.ok && r3.error.code === 'TK_ERR_CLUSTER_JOB' && /unknown job kind "bogus"/.test(r3.error.message));
      assert.equal(await q.duplicates(sweep), 0);
      assert.deepEqual(worker.stats(), { done: 3, duplicates: 0, failed: 1 });
    });
  });

  it('the repairs of a long wait: a job that vanished is queued again, a job that failed without a result gets its failure recorded', async () => {
    const sweep = uniqueId('fix');
    const jobs = noops(sweep, 2);
    await q.begin(sweep, { fingerprint: 'f', total: 2, ttlSeconds: 600 });
    await q.enqueue(jobs);
    await (await bull.getJob(combinationJobId(sweep, 0)))!.remove();
    // A bare BullMQ worker fails job 1 for good without recording anything (as a worker that died
    // between failing the job and recording it would leave it).
    const failing = new Worker(
      JOBS_QUEUE,
      async () => {
        throw new UnrecoverableError('boom');
      },
      { connection: redis, prefix: QUEUE_PREFIX },
    );
    await new Promise<void>((resolve) => failing.once('failed', () => resolve()));
    await failing.close();
    assert.equal(await q.recorded(sweep), 0);
    const r = await q.reconcile(jobs);
    assert.deepEqual([r.readded, r.failed], [1, 1]);
    const [only] = await q.results(sweep);
    assert.ok(only && !only.ok && only.index === 1 && only.error.code === 'TK_ERR_CLUSTER_JOB' && /boom/.test(only.error.message));
    assert.equal((await bull.getJob(combinationJobId(sweep, 0)))?.data.index, 0, 'job 0 is back');
    // Nothing left to repair.
    assert.deepEqual(await q.reconcile(jobs).then((x) => [x.readded, x.failed]), [0, 0]);
  });

  it('waiting stops at abort (Ctrl-C) with the results missing', async () => {
    const sweep = uniqueId('abort');
    const jobs = noops(sweep, 3);
    await q.enqueue(jobs);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    assert.deepEqual(await waitForSweep(q, jobs, { signal: ac.signal, pollMs: 50 }), { done: 0, interrupted: true });
  });

  it('a backtest thread that dies costs only its combination; the next one gets a fresh thread', async () => {
    const threads = new BacktestThreads(1, SEARCH_PATHS, new URL('./fixtures/dying-thread.js', import.meta.url));
    try {
      const base = { configFile: 'x', set: {} };
      const rs = await Promise.all([0, 1, 2].map((i) => threads.run(base, i, {})));
      assert.deepEqual(
        rs.map((r) => [r.index, r.ok]),
        [
          [0, true],
          [1, false],
          [2, true],
        ],
      );
      const dead = rs[1]!;
      assert.ok(!dead.ok && dead.error.code === 'TK_ERR_CLUSTER_JOB' && /died: exit code 7/.test(dead.error.message));
      assert.notEqual(rs[0]!.worker, rs[2]!.worker, 'a new thread ran the last one');
    } finally {
      await threads.close();
    }
  });
});
