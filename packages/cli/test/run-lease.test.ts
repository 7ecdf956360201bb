/**
 * One writer per run, across processes: a second `tradekit run` of a live run exits 3 with
 * TK_ERR_RUN_LOCKED having sent nothing; after the first is SIGKILLed its lease expires and a new
 * process takes the run over (a larger fencing token), reconciles, and trades on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type KnexStateStore, openStateStore } from '@tradekit/core';
import { brokerTruth, compare, failpointLog, journalOf, startChild, startSim, type CrashCase, type Sim } from './crash-kit.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Orders journaled so far, with the fencing token of the process that wrote each. */
async function ordersByToken(c: CrashCase): Promise<Map<number, number>> {
  const store = (await openStateStore({ url: `sqlite://${c.db}`, baseDir: '/', run: c.run, now: () => 0 })) as KnexStateStore;
  try {
    const rows = (await store.knex('tk_orders').where({ run: c.run }).select('fence')) as { fence: number }[];
    const out = new Map<number, number>();
    for (const r of rows) out.set(Number(r.fence), (out.get(Number(r.fence)) ?? 0) + 1);
    return out;
  } finally {
    await store.close();
  }
}

describe('run lease across processes (tradekit run)', () => {
  let sim: Sim | undefined;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tk-lease-'));
    sim = await startSim();
  });
  after(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second process is refused (exit 3, TK_ERR_RUN_LOCKED, no order); after a SIGKILL the lease expires and a new process takes over and reconciles', async function () {
    this.timeout(120_000);
    const c: CrashCase = { kind: 'paper', run: 'lease-paper', db: path.join(dir, 'lease.db'), port: sim!.port };
    const first = startChild(c, '', path.join(dir, 'first.log'));
    // Let the first one trade for a while.
    for (let i = 0; i < 150 && ((await ordersByToken(c).catch(() => new Map())).get(1) ?? 0) < 4; i++) await sleep(100);
    assert.ok(((await ordersByToken(c)).get(1) ?? 0) >= 4, `the first process trades:\n${first.output()}`);

    const second = startChild(c, '', path.join(dir, 'second.log'));
    const refused = await second.exited;
    assert.equal(refused.code, 3, second.output());
    assert.match(second.output(), /TK_ERR_RUN_LOCKED/);
    assert.match(second.output(), / is held by \S+:\d+:\w+ on \S+ \(pid \d+\)/);
    assert.deepEqual([...(await ordersByToken(c)).keys()], [1], 'every order was written by the first holder (token 1)');

    first.proc.kill('SIGKILL');
    await first.exited;
    // Started while the dead holder's lease is still valid, a process is refused too; once it expired, one takes over.
    const killedAt = Date.now();
    let third = startChild(c, 'run.recovered=stop', path.join(dir, 'third.log'));
    for (let attempt = 0; ; attempt++) {
      let ended: { code: number | null } | undefined;
      void third.exited.then((e) => (ended = e));
      while (!ended && !failpointLog(path.join(dir, 'third.log')).some((l) => l.name === 'run.recovered')) await sleep(50);
      if (!ended) break;
      assert.equal(ended.code, 3, third.output());
      assert.ok(attempt < 20 && Date.now() - killedAt < 5000, 'the lease (1 s) expired long ago');
      await sleep(150);
      third = startChild(c, 'run.recovered=stop', path.join(dir, 'third.log'));
    }
    // Recovered: journal == broker while the new holder is stopped before its first cycle.
    assert.deepEqual(
      compare(await brokerTruth(c), await journalOf(c), failpointLog(path.join(dir, 'third.log')).find((l) => l.name === 'recovery.settle')!.at),
      [],
    );
    assert.match(third.output(), /took the run over from a process that stopped without releasing it/);
    third.proc.kill('SIGCONT');
    for (let i = 0; i < 100 && ((await ordersByToken(c)).get(2) ?? 0) < 2; i++) await sleep(100);
    assert.ok(((await ordersByToken(c)).get(2) ?? 0) >= 2, 'the new holder (token 2) trades');
    third.proc.kill('SIGTERM');
    assert.equal((await third.exited).code, 0, third.output());
  });
});
