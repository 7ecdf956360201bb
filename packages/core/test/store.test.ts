/**
 * The state store: the conformance suite on SQLite and on PostgreSQL (a fresh database per test),
 * then what only a URL decides — unknown schemes, PostgreSQL URLs and the failures of reaching a server.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { openStateStore, TradekitError } from '../src/index.js';
import { createPgDatabase } from './helpers/pg-database.js';
import { pgTestUrl } from './helpers/services.js';
import { pgBackend, sqliteBackend } from './helpers/store-backends.js';
import { defineStoreConformance } from './helpers/store-conformance.js';
import { rejectsWith } from './helpers/conformance/assert-code.js';

defineStoreConformance('SQLite', sqliteBackend);
defineStoreConformance('PostgreSQL', pgBackend);

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
      const err = await rejectsWith(store.journal.openTrade({ positionId: 'p-secret-value', symbol: 'EURUSD', side: 'buy', volume: 1, entryTime: 1, entryPrice: undefined as unknown as number }), 'TK_ERR_STATE_IO');
      assert.match(err.message, /journaling trade p-secret-value failed: a required value is missing \(23502\)/);
      assert.ok(!/insert|tk_trades|\$1/i.test(err.message), err.message);
      assert.ok(!String((err.cause as Error).message).includes('insert'));
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
