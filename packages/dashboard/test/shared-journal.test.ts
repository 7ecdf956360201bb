/**
 * Runs started through the API that share one SQLite journal file (the state.url of the quickstart):
 * ten at once all finish with complete journals; a live run another process holds is a 409
 * (TK_ERR_RUN_LOCKED); a run whose process died reads `crashed` in the registry, not `running`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LiveClock, openStateStore } from '@tradekit/core';
import { QUICKSTART, ROOT, testHost, type TestHost } from './helpers.js';

describe('one journal file shared by runs in one server', () => {
  let h: TestHost;
  before(async () => {
    h = await testHost();
  });
  after(async () => {
    await h.dispose();
  });

  const yaml = (name: string, db: string, extra = '') =>
    readFileSync(QUICKSTART, 'utf8')
      .replace('name: quickstart', `name: ${name}`)
      .replace('./data', './examples/data')
      .replace('./sma-crossover', './examples/sma-crossover')
      .replace('fast: 10, slow: 30', 'fast: 4, slow: 9')
      .replace('sqlite://./quickstart.db', `'sqlite://${db}'`) + extra;

  it('ten runs on one SQLite file at once: all finish, every journal complete', async function () {
    this.timeout(120_000);
    const db = path.join(h.dir, 'shared.db');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await h.post('/runs', { yaml: yaml(`shared${i}`, db), baseDir: ROOT, overrides: { cycles: 400, pace: 'max', logLevel: 'silent' } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    await Promise.all(ids.map((id) => h.orch.settled(id)));
    let trades = 0;
    let compared = 0;
    for (const id of ids) {
      // The oldest finished runs leave the hosted list (runs.keepFinished): the registry and the journal remain.
      assert.equal((await h.db.run(id))?.status, 'finished', id);
      const journal = await h.orch.journal(id);
      const rows = await journal.listTrades({});
      assert.equal((await journal.listOrders({ status: ['pending', 'unknown'] })).length, 0);
      assert.equal((await journal.listOrders({ status: ['filled'] })).length, rows.length, `${id}: one trade per filled order`);
      const events = await journal.events(0, 100_000);
      assert.equal(events.at(-1)?.seq, events.length, `${id}: events persisted without a gap`);
      trades += rows.length;
      if (!h.orch.has(id)) continue;
      const deals = await h.orch.get(id).parts.broker!.history({ from: 0, to: Infinity });
      assert.equal(rows.length, deals.filter((d) => d.entry === 'in').length, `${id}: one trade per entry deal`);
      const exits = deals.filter((d) => d.entry === 'out').reduce((s, d) => s + d.volume, 0);
      const closed = rows.reduce((s, t) => s + (t.volume - t.openVolume), 0);
      assert.ok(Math.abs(exits - closed) < 1e-9, `${id}: every exit journaled`);
      compared++;
    }
    assert.ok(compared >= 8, `journals compared with their brokers: ${compared}`);
    assert.ok(trades > 20, `the runs traded (${trades})`);
  });

  it('refuses an API-started config whose journal is a database server of its choosing (403), naming no password', async () => {
    const r = await h.post('/runs', {
      yaml: yaml('pgsneak', '/x.db').replace("'sqlite:///x.db'", "'postgres://admin:hunter2secret@10.0.0.9:5432/internal'"),
      baseDir: ROOT,
    });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'TK_ERR_API_PATH_FORBIDDEN');
    assert.ok(!JSON.stringify(r.body).includes('hunter2secret'));
  });

  it('a live run held by another process is a 409 with TK_ERR_RUN_LOCKED, and nothing of it runs here', async () => {
    const db = path.join(h.dir, 'held.db');
    // Another process holds live run "held" in that file (its lease is valid for a minute).
    const other = await openStateStore({ url: `sqlite://${db}`, baseDir: '/', run: 'held', now: () => 0 });
    try {
      await other.lease({ holder: { id: 'elsewhere:1:abc', host: 'elsewhere', pid: 1 }, ttlMs: 60_000, clock: new LiveClock() }).acquire();
      const r = await h.post('/runs', { yaml: yaml('held', db).replace('pace: 1200x', 'pace: live'), baseDir: ROOT, overrides: { logLevel: 'silent' } });
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'TK_ERR_RUN_LOCKED');
      assert.match(r.body.error.message, /held by elsewhere:1:abc/);
      assert.equal(h.orch.has('held'), false);
      assert.deepEqual(await other.journal.listOrders({}), []);
    } finally {
      await other.close();
    }
  });

  it('a run whose process died reads crashed in the registry (its lease expired), not running', async () => {
    const db = path.join(h.dir, 'dead.db');
    const store = await openStateStore({ url: `sqlite://${db}`, baseDir: '/', run: 'dead@1', now: () => 1 });
    try {
      const clock = new LiveClock();
      // A process that registered the run, then died: its lease ran out 1 s ago.
      const lease = store.lease({ holder: { id: 'gone:2:def', host: 'gone', pid: 2 }, ttlMs: 1, clock });
      await lease.acquire();
      await store.registerRun({ id: 'dead@1', name: 'dead', mode: 'paper', startedAt: 1, status: 'running' });
      await h.db.saveRun({
        id: 'dead@1',
        name: 'dead',
        mode: 'paper',
        configFile: 'x.yaml',
        baseDir: h.dir,
        stateUrl: `sqlite://${db}`,
        startedAt: 1,
        status: 'running',
        source: 'path',
      });
      await new Promise((r) => setTimeout(r, 20));
      const row = (await h.get('/runs')).body.items.find((x: { id: string }) => x.id === 'dead@1');
      assert.equal(row.status, 'crashed');
      assert.equal((await h.db.run('dead@1'))?.status, 'crashed', 'the registry is corrected');
    } finally {
      await store.close();
    }
  });
});
