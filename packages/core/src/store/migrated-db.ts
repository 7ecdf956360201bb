/**
 * A migrated database: the process's shared knex for an SQLite file or a PostgreSQL URL (one per
 * database per process, shared-db.ts) with one set of migrations run once per instance, under the
 * database's migration lock (a lock file for SQLite, an advisory lock for PostgreSQL: both released
 * when their holder dies). The run's state store uses it with core's migrations; a plugin that keeps
 * a table of its own (the LLM calls table) uses it with its own set, on the same connection as the
 * run's journal when it names the same database.
 */
import type { Knex } from 'knex';
import type { Logger } from '../interfaces.js';
import { isConnectionFailure } from './io-error.js';
import { openPgDatabase, withPgMigrationLock } from './pg-pools.js';
import { parsePgUrl } from './pg-url.js';
import { openSqliteFile, withSqliteMigrationLock } from './sqlite-files.js';

/** A set of migrations with its own knex bookkeeping table (`tableName`, and `<tableName>_lock`). */
export interface MigrationSet {
  tableName: string;
  // biome-ignore lint/suspicious/noExplicitAny: knex types a migration source by its own migration shape
  source: Knex.MigrationSource<any>;
}

export interface MigratedDb {
  readonly db: Knex;
  /** Drops this user's reference to the shared instance (the last one closes it). */
  release(): Promise<void>;
}

/**
 * `sqlite3`: `connection.filename` (`:memory:` is a database of its own); `pg`: the postgres:// URL.
 * Resolves once `migrations` ran (once per instance and set); a failure releases the reference.
 */
export async function openMigratedDb(
  client: 'sqlite3' | 'pg',
  connection: { filename: string } | string,
  migrations: MigrationSet,
  log?: Logger,
): Promise<MigratedDb> {
  let db: Knex;
  let release: () => Promise<void>;
  let ready: Promise<void>;
  if (client === 'sqlite3') {
    const filename = (connection as { filename: string }).filename;
    const h = openSqliteFile(filename, log);
    db = h.db;
    release = () => h.release();
    ready = h.ready(migrations.tableName, (k) => withSqliteMigrationLock(filename, (exclusive) => migrateLatest(k, exclusive, migrations)));
  } else {
    const pg = parsePgUrl(connection as string);
    const h = openPgDatabase(pg, log);
    db = h.db;
    release = () => h.release();
    ready = h.ready(migrations.tableName, (k) => withPgMigrationLock(pg, () => migrateLatest(k, true, migrations), log));
  }
  try {
    await ready;
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }
  return { db, release };
}

/**
 * Migrates to the latest schema of `set`. Holding the database's migration lock (`exclusive`), knex's
 * own lock row can only be set by a holder that died mid-migration (a SIGKILL between knex taking and
 * releasing it): it is freed first, or every later open would fail as "MigrationLocked". A failed
 * attempt is retried a few times; a database that cannot be reached fails at once.
 */
async function migrateLatest(k: Knex, exclusive: boolean, set: MigrationSet): Promise<void> {
  const config = { migrationSource: set.source, tableName: set.tableName };
  for (let attempt = 1; ; attempt++) {
    try {
      if (exclusive) await k.migrate.forceFreeMigrationsLock(config);
      await k.migrate.latest(config);
      return;
    } catch (e) {
      if (attempt >= 20 || isConnectionFailure(e)) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}
