/**
 * The state store: the conformance suite on SQLite and on PostgreSQL (a fresh database per test),
 * then what only a URL decides — unknown schemes, PostgreSQL URLs and the failures of reaching a server.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import knexFactory, { type Knex } from 'knex';
import { openStateStore } from '../src/index.js';
import { ManualClock } from './helpers/manual-clock.js';
import { createPgDatabase } from './helpers/pg-database.js';
import { pgTestUrl } from './helpers/services.js';
import { pgBackend, sqliteBackend } from './helpers/store-backends.js';
import { defineStoreConformance } from './helpers/store-conformance.js';
import { rejectsWith } from './helpers/conformance/assert-code.js';

defineStoreConformance('SQLite', sqliteBackend);
defineStoreConformance('PostgreSQL', pgBackend);

describe('fencing on PostgreSQL: a write and a take-over at the same time', () => {
  it('a write checked while a take-over is uncommitted waits for it, then is refused (the stale row never lands behind the new holder)', async function () {
    this.timeout(30_000);
    const db = await createPgDatabase();
    const clock = new ManualClock(1_000_000);
    const stale = await openStateStore({ url: db.url({ application_name: 'tk-stale-writer' }), baseDir: '.', run: 'live-a', now: () => clock.now() });
    const k = knexFactory({ client: 'pg', connection: db.url(), pool: { min: 0, max: 2 } });
    let takeover: Knex.Transaction | undefined;
    try {
      await stale.lease({ holder: { id: 'h1', host: 'h', pid: 1 }, ttlMs: 10_000, clock }).acquire();
      // Another process takes the run over: its transaction holds the lease row, not committed yet.
      takeover = await k.transaction();
      await takeover('tk_leases').where({ run: 'live-a' }).update({ holder: 'h2', token: 2 });
      const write = Promise.resolve(
        stale.journal.saveOrder({
          clientId: 'tk-late',
          symbol: 'EURUSD',
          side: 'buy',
          type: 'market',
          volume: 0.1,
          status: 'pending',
          createdAt: 1,
          updatedAt: 1,
        }),
      ).then(
        () => 'written',
        (e: { code?: string }) => e.code,
      );
      // The stale write's fence check must wait on the lease row (it would pass against the old token otherwise).
      const waiting = async () =>
        Number(
          (
            (await k.raw(`select count(*) as n from pg_stat_activity where application_name = 'tk-stale-writer' and wait_event_type = 'Lock'`)) as {
              rows: { n: string }[];
            }
          ).rows[0]!.n,
        );
      for (let i = 0; (await waiting()) === 0; i++) {
        if (i > 500) assert.fail(`the stale write did not wait for the take-over (it ended: ${await Promise.race([write, 'still running'])})`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await takeover.commit();
      assert.equal(await write, 'TK_ERR_RUN_FENCED');
      assert.equal((await k('tk_orders').where({ client_id: 'tk-late' })).length, 0);
    } finally {
      if (takeover && !takeover.isCompleted()) await takeover.rollback().catch(() => undefined);
      await stale.close();
      await k.destroy();
      await db.drop();
    }
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('state URLs and failures to reach the store', () => {
  const open = (url: string) => openStateStore({ url, baseDir: '.', run: 'r', now: () => 0 });

  it('refuses unknown URLs with a code', async () => {
    await rejectsWith(open('mysql://x'), 'TK_ERR_STATE_URL');
    await rejectsWith(open(`postgres://u:p@127.0.0.1:5432/x?pool_max=0`), 'TK_ERR_STATE_URL');
  });

  it('a PostgreSQL server that refuses the connection is TK_ERR_STATE_IO naming host:port, never the password', async () => {
    const port = await closedPort();
    const err = await rejectsWith(open(`postgres://trader:s3cret-pw@127.0.0.1:${port}/journal`), 'TK_ERR_STATE_IO');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(err.message, /refused the connection/);
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(!err.message.includes('s3cret-pw'), err.message);
    assert.ok(!JSON.stringify(err.details).includes('s3cret-pw'));
    assert.equal(err.classification, 'retryable');
    const viaParam = await rejectsWith(open(`postgresql://trader@127.0.0.1:${port}/journal?password=s3cret-pw`), 'TK_ERR_STATE_IO');
    assert.ok(!viaParam.message.includes('s3cret-pw'), viaParam.message);
  });

  it('a database that does not exist is TK_ERR_STATE_IO in words, without the SQL', async () => {
    const url = new URL(pgTestUrl());
    url.pathname = '/tk_no_such_database';
    const err = await rejectsWith(open(url.toString()), 'TK_ERR_STATE_IO');
    assert.match(err.message, /the database does not exist.*\(3D000\)/);
    assert.equal(err.classification, 'fatal');
  });

  it('a statement PostgreSQL refuses is TK_ERR_STATE_IO without the SQL or its values', async () => {
    const db = await createPgDatabase();
    const store = await open(db.url());
    try {
      const err = await rejectsWith(
        store.journal.openTrade({
          positionId: 'p-secret-value',
          symbol: 'EURUSD',
          side: 'buy',
          volume: 1,
          entryTime: 1,
          entryPrice: undefined as unknown as number,
        }),
        'TK_ERR_STATE_IO',
      );
      assert.match(err.message, /journaling trade p-secret-value failed: a required value is missing \(23502\)/);
      assert.ok(!/insert|tk_trades|\$1/i.test(err.message), err.message);
      assert.ok(!String((err.cause as Error).message).includes('insert'));
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
