/**
 * A run whose PostgreSQL journal stops taking writes — the server turned read-only, as after a
 * failover to a standby (every session of the database is cut, new ones are read-only): the run is
 * HALTED when the first write fails, with a coded event and the reason in words; it ends with
 * TK_ERR_STATE_IO while the database stays read-only, and resumes — journal reconciled with the
 * broker — once it takes writes again. (The pool drops the cut connections and opens new ones.)
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { openStateStore, Run, silentLogger, type StateStore, type TradekitEvent } from '../src/index.js';
import { EXAMPLES, tempDir } from './helpers/fs.js';
import { createPgDatabase, type TestPgDatabase } from './helpers/pg-database.js';
import { baseConfig } from './helpers/run.js';
import { pgTestUrl } from './helpers/services.js';

const config = (url: string) =>
  baseConfig(
    `agents:
  - use: ${path.join(EXAMPLES, 'sma-crossover')}
    with: { fast: 3, slow: 8, timeframe: M5, volume: 0.1 }`,
    '[EURUSD, GBPUSD]',
  )
    .replace('warmupBars: 50', 'warmupBars: 50\n  to: 2026-05-22')
    .replace('state:\n  url: memory', `state:\n  url: '${url}'\n  failureGraceSeconds: 1`);

/** Makes the database read-only (or writable again) for every session, and cuts the sessions it has. */
async function setReadOnly(db: TestPgDatabase, on: boolean): Promise<void> {
  const k = knexFactory({ client: 'pg', connection: pgTestUrl(), pool: { min: 0, max: 1 } });
  try {
    await k.raw(`ALTER DATABASE ${db.name} SET default_transaction_read_only = ${on ? 'on' : 'off'}`);
    await k.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()', [db.name]);
  } finally {
    await k.destroy();
  }
}

describe('state store on PostgreSQL that stops taking writes (failover to a read-only standby)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: TestPgDatabase;
  beforeEach(async () => {
    tmp = tempDir('tk-pgdown-');
    db = await createPgDatabase();
  });
  afterEach(async () => {
    await db.drop();
    tmp.cleanup();
  });

  async function start(): Promise<{ run: Run; events: TradekitEvent[] }> {
    const file = path.join(tmp.dir, 'config.yaml');
    writeFileSync(file, config(db.url()).replaceAll('$DATA', path.join(EXAMPLES, 'data')));
    const run = await Run.load({ configFile: file, logger: silentLogger() });
    await run.start();
    const events: TradekitEvent[] = [];
    run.bus.subscribe((e) => events.push(e));
    for (let i = 0; i < 200; i++) await run.cycle();
    return { run, events };
  }

  /** Every entry at the broker has its order row in the journal (read by `store`, or the run's own). */
  async function noOrderWithoutJournal(run: Run, store: StateStore = run.store): Promise<void> {
    const deals = (await run.broker.history({ from: 0, to: Infinity })).filter((d) => d.entry === 'in');
    const orders = new Set((await store.journal.listOrders({})).map((o) => o.clientId));
    for (const d of deals) assert.ok(orders.has(d.clientId!), `broker entry ${d.clientId} has its journal row`);
  }

  it('halts when the first write fails and ends with TK_ERR_STATE_IO, in words, while it stays read-only', async function () {
    this.timeout(60_000);
    const { run, events } = await start();
    try {
      assert.ok(
        (await run.broker.history({ from: 0, to: Infinity })).some((d) => d.entry === 'in'),
        'traded before',
      );
      await setReadOnly(db, true);
      await assert.rejects(run.loop(), (e: { code?: string; message?: string }) => {
        assert.equal(e.code, 'TK_ERR_STATE_IO');
        // The first failure, in words: a cut session (a statement in flight) or a write refused by a read-only one.
        assert.match(
          e.message!,
          /the database server is read-only.*\(25006\)|the database server is shutting down.*\(57P01\)|connection to the database server was lost \(CONNECTION_LOST\)/,
        );
        assert.doesNotMatch(e.message!, /insert into|update "|select /i, 'no SQL in the message');
        return true;
      });
      assert.ok(
        events.some((e) => e.type === 'state.changed' && (e.data as { to: string }).to === 'HALTED'),
        'HALTED',
      );
      assert.ok(
        events.some((e) => e.type === 'error' && (e.data as { code: string }).code === 'TK_ERR_STATE_IO'),
        'with a coded event',
      );
      assert.equal(run.tradingState.state, 'HALTED');
      // Read back through a store of its own: the run's pooled sessions were cut once more just now.
      await setReadOnly(db, false);
      const reader = await openStateStore({ url: db.url({ application_name: 'tk-reader' }), baseDir: tmp.dir, run: run.info.id, now: () => 0 });
      try {
        await noOrderWithoutJournal(run, reader);
      } finally {
        await reader.close();
      }
    } finally {
      await run.close().catch(() => undefined);
    }
  });

  it('resumes once the database takes writes again: reconciles, returns to ACTIVE, journal == broker', async function () {
    this.timeout(60_000);
    const { run, events } = await start();
    try {
      (run.config.state as { failureGraceSeconds: number }).failureGraceSeconds = 30;
      await setReadOnly(db, true);
      const done = run.loop();
      for (let i = 0; i < 400 && run.tradingState.state !== 'HALTED'; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(run.tradingState.state, 'HALTED');
      await setReadOnly(db, false);
      for (let i = 0; i < 400 && (run.tradingState.state as string) !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(run.tradingState.state, 'ACTIVE', 'resumed once the store works');
      assert.equal((await done).reason, 'endOfData');
      const released = events.find((e) => e.type === 'state.changed' && (e.data as { to: string; by?: string }).to === 'ACTIVE');
      assert.equal((released?.data as { by?: string } | undefined)?.by, 'system');
      await noOrderWithoutJournal(run);
      const deals = await run.broker.history({ from: 0, to: Infinity });
      const trades = await run.store.journal.listTrades({});
      assert.equal(trades.length, deals.filter((d) => d.entry === 'in').length);
      assert.equal(trades.filter((t) => t.status === 'open').length, (await run.broker.positions()).length);
      assert.equal((await run.store.journal.listOrders({ status: ['pending', 'unknown'] })).length, 0);
    } finally {
      await run.close().catch(() => undefined);
    }
  });
});
