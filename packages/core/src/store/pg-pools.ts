/**
 * One knex instance (one connection pool) per PostgreSQL URL per process, shared by every run and
 * store that opens the URL: an orchestrator hosting many runs, and reading the journals of others,
 * holds at most `pool_max` connections to a database (default 10), and migrations are checked once
 * per pool. Unlike SQLite, statements of different runs do run at the same time (one connection each);
 * a run's own writes are ordered by the lock on its lease row (knex-store.ts, migration 003).
 */
import type { Knex } from 'knex';
import { loadKnex } from './load-knex.js';
import { SharedDbs, type DbHandle } from './shared-db.js';
import type { Logger } from '../interfaces.js';
import { knexLog } from './knex-log.js';
import type { PgUrl } from './pg-url.js';

/** How long a statement waits for a free connection, or a new connection for the server (ms). */
export const PG_CONNECT_TIMEOUT_MS = 10_000;

const pools = new SharedDbs();

export type PgHandle = DbHandle;

export function openPgDatabase(url: PgUrl, log?: Logger): PgHandle {
  return pools.handle(url.connectionString, () => createKnex(url, log));
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
