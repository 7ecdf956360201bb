/**
 * One knex instance (one connection pool) per PostgreSQL URL per process, shared by every run and
 * store that opens the URL: an orchestrator hosting many runs, and reading the journals of others,
 * holds at most `pool_max` connections to a database (default 10), and migrations are checked once
 * per pool. Unlike SQLite, statements of different runs do run at the same time (one connection each);
 * a run's own writes are ordered by the lock on its lease row (knex-store.ts, migration 003).
 */
import type { Knex } from 'knex';
import { loadKnex } from './load-knex.js';
import type { Logger } from '../interfaces.js';
import { knexLog } from './knex-log.js';
import type { PgUrl } from './pg-url.js';

/** How long a statement waits for a free connection, or a new connection for the server (ms). */
export const PG_CONNECT_TIMEOUT_MS = 10_000;

interface Shared {
  db: Knex;
  refs: number;
  ready?: Promise<void>;
}

const pools = new Map<string, Shared>();

export interface PgHandle {
  readonly db: Knex;
  /** Runs `prepare` (the migrations) once per pool, however many stores open the URL. */
  ready(prepare: (db: Knex) => Promise<void>): Promise<void>;
  /** Drops this user's reference; the last one closes the pool. */
  release(): Promise<void>;
}

export function openPgDatabase(url: PgUrl, log?: Logger): PgHandle {
  const key = url.connectionString;
  let s = pools.get(key);
  if (!s) {
    s = { db: createKnex(url, log), refs: 0 };
    pools.set(key, s);
  }
  s.refs++;
  const shared = s;
  let released = false;
  return {
    db: shared.db,
    ready(prepare) {
      shared.ready ??= prepare(shared.db);
      shared.ready.catch(() => {
        if (shared.ready) shared.ready = undefined;
      });
      return shared.ready;
    },
    async release() {
      if (released) return;
      released = true;
      if (--shared.refs > 0) return;
      if (pools.get(key) === shared) pools.delete(key);
      await shared.db.destroy();
    },
  };
}

/** The advisory lock every tradekit process migrating a PostgreSQL database takes (an arbitrary, fixed number). */
const MIGRATION_LOCK = 7_402_164_051;

/**
 * Runs `fn` (the migrations) while holding a database-wide advisory lock, on a connection of its own:
 * knex's migration lock is a row it creates on first use, and two processes creating it at once can
 * leave two rows, after which every migration (every open) fails as "locked". Here the second
 * process waits, then finds the schema up to date. A process that dies releases the lock with its session.
 */
export async function withPgMigrationLock<T>(url: PgUrl, fn: () => Promise<T>, log?: Logger): Promise<T> {
  const lock = createKnex({ ...url, poolMax: 1 }, log);
  try {
    return await lock.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
      return fn();
    });
  } finally {
    await lock.destroy();
  }
}

function createKnex(url: PgUrl, log?: Logger): Knex {
  return loadKnex()({
    client: 'pg',
    // keepAlive: a server that vanished (failover, cable) is noticed on idle connections too.
    connection: { connectionString: url.connectionString, keepAlive: true, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS },
    pool: { min: 0, max: url.poolMax },
    acquireConnectionTimeout: PG_CONNECT_TIMEOUT_MS,
    // knex writes its warnings with console.*; a run's output (--json) must stay clean.
    log: knexLog(log ? (line) => log.warn({ component: 'knex' }, line) : undefined),
  });
}
