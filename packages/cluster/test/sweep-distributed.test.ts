/**
 * Sweeps across real `tradekit worker` processes on a real Redis: 500 combinations over three workers
 * with one of them killed in the middle of a job (stopped by a failpoint after its backtest and before
 * recording the result, then SIGKILLed), the same enqueue run again, a worker stopped by SIGTERM in
 * the middle of a job, and Ctrl-C on the sweep.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connect } from '../src/redis.js';
import { JOBS_QUEUE, QUEUE_PREFIX, sweepKeys } from '../src/jobs/names.js';
import { serviceUrl } from './services.js';
import { SMA_EURUSD, emptyJobsQueue, uniqueId } from './helpers.js';
import { isStopped, tradekit, until, worker, type Proc } from './processes.js';

const WINDOW = ['--from', '2026-06-01', '--to', '2026-06-08'];

interface Row {
  rank: number;
  index: number;
  params: Record<string, unknown>;
  ok: boolean;
  stats?: Record<string, number>;
  error?: { code: string; message: string };
}
/** What must not depend on where a combination ran (perf figures are timings, so they may). */
const view = (doc: { results: Row[] }) => doc.results.map((r) => [r.rank, r.index, r.params, r.ok, r.stats, r.error?.code, r.error?.message]);

describe('sweeps on tradekit worker processes (real Redis, real processes)', function () {
  this.timeout(300_000);
  let url: string;
  let redis: Redis;
  let bull: Queue;
  let tmp: string;
  const procs: Proc[] = [];
  const start = (p: Proc) => (procs.push(p), p);

  before(async () => {
    url = serviceUrl('redis');
    await emptyJobsQueue(url);
    redis = connect(url);
    bull = new Queue(JOBS_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-dist-'));
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    await emptyJobsQueue(url);
  });
  after(async () => {
    await bull.close();
    await redis.quit();
    rmSync(tmp, { recursive: true, force: true });
  });

  const sweepJobsWaiting = async (sweepId: string) =>
    (await bull.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.data.sweep === sweepId).length;

  it('500 combinations over three workers, one SIGKILLed mid-job: 500 results, each once, ranked exactly as a local sweep; the same enqueue again changes nothing', async () => {
    const grid = path.join(tmp, 'grid500.yaml');
    // 20 × 25 = 500 combinations; fast ≥ slow fails in the plugin's setup (3 of them): failures rank too.
    writeFileSync(grid, 'agents[0].with.fast: { from: 2, to: 21, step: 1 }\nagents[0].with.slow: { from: 20, to: 44, step: 1 }\n');
    const local = await tradekit(['sweep', SMA_EURUSD, '--grid', grid, '--workers', '2', '--json', ...WINDOW]).exited;
    assert.equal(local.code, 0, local.stderr);
    const L = JSON.parse(local.stdout);
    assert.equal(L.ran, 500);

    const sweepId = uniqueId('dist');
    const victim = start(worker(url, { TK_FAILPOINTS: 'jobs.beforeRecord@25=stop' }));
    const others = [start(worker(url)), start(worker(url))];
    const out = path.join(tmp, 'queued');
    const sweep = start(tradekit(['sweep', SMA_EURUSD, '--grid', grid, '--queue', url, '--sweep-id', sweepId, '--json', '--out', out, ...WINDOW]));

    await until(() => isStopped(victim.pid), 'the victim worker stops after its 25th backtest, before recording it');
    const held = (await bull.getJobs(['active'])).filter((j) => j.processedBy === `${hostname()}:${victim.pid}`);
    assert.equal(held.length, 1, 'the victim holds the job it was running');
    const lost = held[0]!.data.index as number;
    assert.equal(await redis.hexists(sweepKeys(sweepId).results, String(lost)), 0, 'its result is not recorded');
    victim.child.kill('SIGKILL');

    const r = await sweep.exited;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^sweep: 500 of 500 combinations on the queue \\(sweep ${sweepId}\\), ranked by sharpe$`, 'm'));
    const Q = JSON.parse(r.stdout);
    assert.equal(Q.ran, 500);
    assert.equal(Q.sweepId, sweepId);
    assert.equal(Q.results.length, 500);
    assert.equal(new Set(Q.results.map((x: Row) => x.index)).size, 500, 'each combination once');
    assert.deepEqual(view(Q), view(L), 'same ranking, parameters, statistics and errors as the local sweep');
    assert.deepEqual(
      JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')).results.map((x: Row) => x.index),
      L.results.map((x: Row) => x.index),
    );
    assert.equal(readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n').length, 501);
    assert.equal(await redis.hlen(sweepKeys(sweepId).results), 500);
    const relost = Q.results.find((x: Row) => x.index === lost);
    assert.deepEqual(
      relost && view({ results: [relost] }),
      view({ results: L.results.filter((x: Row) => x.index === lost) }),
      'the job the victim lost ran again elsewhere',
    );
    assert.ok(
      others.some((w) => /a job lost its worker and goes back to the queue/.test(w.stderr())),
      'a surviving worker put the lost job back',
    );

    // The same enqueue again: nothing is queued, nothing runs, the same results.
    const again = await tradekit(['sweep', SMA_EURUSD, '--grid', grid, '--queue', url, '--sweep-id', sweepId, '--json', ...WINDOW]).exited;
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`resumed sweep ${sweepId} on redis://[^:]+:\\d+: 0 jobs queued, 500 already done`));
    const A = JSON.parse(again.stdout);
    assert.deepEqual(view(A), view(Q));
    assert.equal(A.duplicates, Q.duplicates, 'no combination ran again');
    assert.equal(await sweepJobsWaiting(sweepId), 0);

    for (const w of others) w.child.kill('SIGTERM');
    for (const w of others) assert.equal((await w.exited).code, 0);
  });

  it('a worker stopped by SIGTERM in the middle of a job finishes it, records it, takes no other, and exits 0: nothing lost, nothing run twice', async () => {
    const grid = path.join(tmp, 'grid12.yaml');
    writeFileSync(grid, 'agents[0].with.fast: [5, 8, 10]\nagents[0].with.slow: [20, 30, 40, 50]\n');
    const sweepId = uniqueId('term');
    const w1 = start(worker(url, { TK_FAILPOINTS: 'jobs.beforeRecord@3=stop' }));
    const sweep = start(tradekit(['sweep', SMA_EURUSD, '--grid', grid, '--queue', url, '--sweep-id', sweepId, '--json', ...WINDOW]));
    await until(() => isStopped(w1.pid), 'the worker stops in its third job, before recording it');
    w1.child.kill('SIGTERM');
    w1.child.kill('SIGCONT');
    const e1 = await w1.exited;
    assert.equal(e1.code, 0, e1.stderr);
    assert.match(e1.stderr, /worker: SIGTERM: finishing the work in flight/);
    assert.match(e1.stderr, /worker: stopped/);
    const recorded = await redis.hlen(sweepKeys(sweepId).results);
    assert.ok(recorded >= 3, `the job in flight was finished and recorded (${recorded} results)`);
    assert.equal((await bull.getJobs(['active'])).length, 0, 'no job left behind as active');
    assert.equal(recorded + (await sweepJobsWaiting(sweepId)), 12, 'every other combination is still queued');

    const w2 = start(worker(url));
    const r = await sweep.exited;
    assert.equal(r.code, 0, r.stderr);
    const Q = JSON.parse(r.stdout);
    assert.equal(Q.ran, 12);
    assert.equal(Q.duplicates, 0, 'no job ran twice');
    w2.child.kill('SIGTERM');
    assert.equal((await w2.exited).code, 0);
  });

  it('Ctrl-C on a queued sweep: its waiting jobs are removed, what is done is ranked, exit 130', async () => {
    const grid = path.join(tmp, 'grid12b.yaml');
    writeFileSync(grid, 'agents[0].with.fast: [5, 8, 10]\nagents[0].with.slow: [20, 30, 40, 50]\n');
    const sweepId = uniqueId('int');
    const w = start(worker(url, { TK_FAILPOINTS: 'jobs.beforeRecord@2=stop' }));
    const sweep = start(tradekit(['sweep', SMA_EURUSD, '--grid', grid, '--queue', url, '--sweep-id', sweepId, '--json', ...WINDOW]));
    await until(() => isStopped(w.pid), 'the worker stops in its second job');
    await until(() => /12 jobs queued/.test(sweep.stderr()), 'the sweep has queued its jobs');
    sweep.child.kill('SIGINT');
    const r = await sweep.exited;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, new RegExp(`SIGINT: removing the sweep's waiting jobs, then ranking what is done \\(resume with --sweep-id ${sweepId}`));
    assert.match(r.stderr, /removed 10 waiting jobs/);
    const Q = JSON.parse(r.stdout);
    assert.equal(Q.interrupted, true);
    assert.equal(Q.ran, 1);
    assert.equal(await sweepJobsWaiting(sweepId), 0);
    // The job the worker was running finishes there.
    w.child.kill('SIGTERM');
    w.child.kill('SIGCONT');
    assert.equal((await w.exited).code, 0);
    assert.equal(await redis.hlen(sweepKeys(sweepId).results), 2);
  });
});
