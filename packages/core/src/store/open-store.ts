/**
 * `state.url` → a StateStore: `sqlite://./tradekit.db` (relative to the config file),
 * `sqlite:///abs/path.db`, `sqlite::memory:`, `memory:` (no persistence), or
 * `postgres://user:password@host:5432/db` (the `pg` driver is a dependency of @tradekit/core;
 * `?pool_max=N` bounds this process's connections to that database, default 10).
 */
import path from 'node:path';
import { TradekitError } from '../errors.js';
import type { Logger, StateStore } from '../interfaces.js';
import { KnexStateStore } from './knex-store.js';
import { MemoryStateStore } from './memory-store.js';
import { isPgUrl, parsePgUrl } from './pg-url.js';
import { redactUrl } from '../util/redact-url.js';

export interface OpenStoreOptions {
  url: string;
  /** Relative sqlite paths are taken from here (the config file's directory). */
  baseDir: string;
  run: string;
  now: () => number;
  redact?: (s: string) => string;
  /** Where the database driver's own warnings go (never stdout). */
  log?: Logger;
}

/** The SQLite file a state URL names, resolved against `baseDir` (`:memory:` as is), or undefined for other stores. */
export function sqliteFileOf(stateUrl: string, baseDir: string): string | undefined {
  const url = stateUrl.trim();
  if (!url.startsWith('sqlite:')) return undefined;
  let file = url.slice('sqlite:'.length);
  if (file.startsWith('//')) file = file.slice(2);
  return file === ':memory:' ? file : path.resolve(baseDir, file);
}

export async function openStateStore(o: OpenStoreOptions): Promise<StateStore> {
  const url = o.url.trim();
  if (url === 'memory' || url === 'memory:' || url === 'memory://') return new MemoryStateStore(o.now);
  if (url === 'memory:compact') return new MemoryStateStore(o.now, { compact: true });
  const filename = sqliteFileOf(url, o.baseDir);
  if (filename !== undefined) {
    return KnexStateStore.open({ url, client: 'sqlite3', connection: { filename }, run: o.run, redact: o.redact, now: o.now, log: o.log });
  }
  if (isPgUrl(url)) {
    const pg = parsePgUrl(url);
    try {
      // A dependency of @tradekit/core: missing only from a broken or pruned install.
      await import('pg' as string);
    } catch {
      throw new TradekitError(
        'TK_ERR_STATE_DRIVER_MISSING',
        `state.url ${pg.display} is PostgreSQL but its driver, the "pg" package (a dependency of @tradekit/core), cannot be loaded: reinstall tradekit (npm install)`,
      );
    }
    return KnexStateStore.open({ url: pg.display, client: 'pg', connection: url, run: o.run, redact: o.redact, now: o.now, log: o.log });
  }
  throw new TradekitError('TK_ERR_STATE_URL', `unsupported state.url "${redactUrl(url)}": use sqlite://./file.db, sqlite::memory:, memory: or postgres://…`);
}
