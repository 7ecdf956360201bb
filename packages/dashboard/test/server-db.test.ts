/**
 * The server db (tokens, audit log, run registry) on SQLite and on PostgreSQL (`server.db`), where
 * several orchestrator replicas share it: a token added or revoked through one counts at once in the
 * others, every replica sees every audit and registry row, replicas starting at once migrate once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { TradekitError } from '@tradekit/core';
import { ServerDb, TokenAuthority, serverConfig, startOrchestrator, type RunRegistryRow } from '../src/index.js';
import { createPgDatabase } from './pg.js';

const row = (id: string, startedAt: number): RunRegistryRow => ({
  id,
  name: id,
  mode: 'paper',
  configFile: '/c.yaml',
  baseDir: '/',
  stateUrl: 'memory:',
  startedAt,
  status: 'running',
  source: 'path',
});

async function rejectsWith(p: Promise<unknown>, code: string): Promise<TradekitError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TradekitError, `expected a TradekitError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('server db on PostgreSQL: replicas share tokens, audit log and run registry', function () {
  this.timeout(30_000);
  let pg: { url: string; drop(): Promise<void> };
  let dir: string;
  const dbs: ServerDb[] = [];
  const open = async () => {
    const db = await ServerDb.open({ dataDir: path.join(dir, `replica${dbs.length}`), db: pg.url });
    dbs.push(db);
    return db;
  };
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tk-srvdb-'));
    pg = await createPgDatabase();
  });
  afterEach(async () => {
    for (const d of dbs.splice(0)) await d.close();
    await pg.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a token added through one replica is accepted by the other at once; revoked through one, refused by the other', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const authA = await TokenAuthority.open({ db: a, tokens: [] });
    const authB = await TokenAuthority.open({ db: b, tokens: [] });
    assert.equal(authB.size, 0);
    const issued = await authA.issue('ops', ['read', 'trade'], 'cli', 1);
    assert.deepEqual(await authB.verify(issued.token), { name: 'ops', scopes: ['read', 'trade'] });
    const revoked: string[][] = [];
    authB.onRevoked((d) => revoked.push([...d]));
    assert.equal(await a.revokeTokens('ops'), 1);
    await rejectsWith(authB.verify(issued.token), 'TK_ERR_AUTH_INVALID');
    assert.equal(revoked.length, 1, 'the other replica was told (its sockets of that token are dropped)');
    // A change made by hand in SQL (an admin) counts too: the counter is bumped by a trigger.
    const again = await authA.issue('late', ['read'], 'cli', 2);
    const k = knexFactory({ client: 'pg', connection: pg.url, pool: { min: 0, max: 1 } });
    try {
      await k('tk_srv_tokens').where({ name: 'late' }).delete();
    } finally {
      await k.destroy();
    }
    await rejectsWith(authB.verify(again.token), 'TK_ERR_AUTH_INVALID');
  });

  it('every replica sees every audit and registry row', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    await a.audit({ time: 1, actor: 'admin', action: 'run.start', run: 'r1', params: { config: 'x.yaml' }, outcome: 'ok', ip: '127.0.0.1' });
    await b.audit({ time: 2, actor: 'viewer', action: 'run.pause', run: 'r2', outcome: 'error', code: 'TK_ERR_AUTH_SCOPE' });
    for (const db of [a, b]) {
      const log = await db.auditLog({ limit: 10 });
      assert.deepEqual(
        log.map((e) => [e.action, e.actor, e.outcome]),
        [
          ['run.pause', 'viewer', 'error'],
          ['run.start', 'admin', 'ok'],
        ],
      );
      assert.deepEqual((await db.auditLog({ limit: 10, run: 'r1' }))[0]?.params, { config: 'x.yaml' });
      assert.deepEqual(
        (await db.auditLog({ limit: 10, before: log[0]!.id })).map((e) => e.action),
        ['run.start'],
      );
    }
    await a.saveRun(row('r1', 10));
    await b.saveRun(row('r2', 20));
    await b.saveRun({ ...row('r1', 10), status: 'finished', endedAt: 30 });
    for (const db of [a, b]) {
      assert.deepEqual(
        (await db.runs()).map((r) => [r.id, r.status, r.endedAt]),
        [
          ['r2', 'running', undefined],
          ['r1', 'finished', 30],
        ],
      );
      assert.equal((await db.run('r2'))?.startedAt, 20);
      assert.equal(await db.run('nope'), undefined);
    }
  });

  it('replicas starting at once on a new database migrate once', async () => {
    await Promise.all([open(), open(), open(), open()]);
    const k = knexFactory({ client: 'pg', connection: pg.url, pool: { min: 0, max: 1 } });
    try {
      const applied = (await k('tk_srv_migrations').select('name').orderBy('name')) as { name: string }[];
      assert.deepEqual(
        applied.map((m) => m.name),
        ['001_server_tables', '002_tokens_version'],
      );
      assert.equal((await k('tk_srv_migrations_lock').select()).length, 1);
    } finally {
      await k.destroy();
    }
  });

  it('two orchestrators with the same server.db: the token the first generated opens the second, whose audit rows the first lists', async () => {
    const cfg = (n: number) => serverConfig({ server: { port: 0, dataDir: path.join(dir, `srv${n}`), db: pg.url }, runs: { roots: [dir] } }, dir);
    const first = await startOrchestrator({ config: cfg(1) });
    try {
      assert.ok(first.generated, 'the first start generates a token');
      const second = await startOrchestrator({ config: cfg(2) });
      try {
        assert.equal(second.generated, undefined, 'one exists already: none generated');
        const me = await fetch(`${second.url}/api/me`, { headers: { authorization: `Bearer ${first.generated.token}` } });
        assert.equal(me.status, 200);
        assert.equal(((await me.json()) as { name: string }).name, 'admin');
        await fetch(`${second.url}/api/runs/nope/pause`, { method: 'POST', headers: { authorization: `Bearer ${first.generated.token}` } });
        const audit = await fetch(`${first.url}/api/audit?limit=10`, { headers: { authorization: `Bearer ${first.generated.token}` } });
        const items = ((await audit.json()) as { items: { action: string; run?: string }[] }).items;
        assert.ok(
          items.some((e) => e.run === 'nope'),
          `the second's audit row is listed by the first: ${JSON.stringify(items)}`,
        );
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
});

describe('server db: where it is, and failures', function () {
  this.timeout(30_000);

  it('a server db that cannot be reached is TK_ERR_STATE_IO naming host:port, never the password', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const { port } = s.address() as net.AddressInfo;
    await new Promise((r) => s.close(r));
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-srvdb-'));
    try {
      const err = await rejectsWith(ServerDb.open({ dataDir: dir, db: `postgres://srv:pw-s3cret@127.0.0.1:${port}/server` }), 'TK_ERR_STATE_IO');
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(err.message, /refused the connection/);
      assert.ok(!err.message.includes('pw-s3cret'), err.message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('server.db takes only a PostgreSQL URL; without it the db stays <dataDir>/server.db, and a file made before migrations keeps its tokens', async () => {
    assert.throws(
      () => serverConfig({ server: { db: 'sqlite://./x.db' } }),
      (e: Error & { errors?: { code: string }[] }) => /server\.db|\/server\/db/.test(JSON.stringify(e.errors ?? e.message)),
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-srvdb-'));
    try {
      // A server.db as the first versions wrote it (tables, no migrations table).
      const old = knexFactory({ client: 'sqlite3', connection: { filename: path.join(dir, 'server.db') }, useNullAsDefault: true });
      await old.schema.createTable('tk_srv_tokens', (t) => {
        t.string('id').primary();
        t.string('name').notNullable();
        t.string('scopes').notNullable();
        t.string('sha256').notNullable().unique();
        t.string('source').notNullable();
        t.bigInteger('created_at').notNullable();
      });
      await old('tk_srv_tokens').insert({ id: 'x', name: 'kept', scopes: 'read', sha256: 'a'.repeat(64), source: 'cli', created_at: 1 });
      await old.destroy();
      const db = await ServerDb.open(dir);
      try {
        assert.deepEqual(
          (await db.tokens()).map((t) => t.name),
          ['kept'],
        );
        await db.audit({ time: 1, actor: 'a', action: 'x', outcome: 'ok' });
        assert.equal((await db.auditLog({ limit: 5 })).length, 1, 'the tables it lacked were created');
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
