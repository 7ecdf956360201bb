/**
 * `state.url` → a StateStore: `sqlite://./tradekit.db` (relative to the config file),
 * `sqlite:///abs/path.db`, `sqlite::memory:`, `memory:` (no persistence), or `postgres://…`
 * (needs the `pg` package installed next to tradekit).
 */
import path from 'node:path';
import { TradekitError } from '../errors.js';
import type { Logger, StateStore } from '../interfaces.js';
import { KnexStateStore } from './knex-store.js';
import { MemoryStateStore } from './memory-store.js';
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
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      await import('pg' as string);
    } catch {
      throw new TradekitError('TK_ERR_STATE_DRIVER_MISSING', `state.url is PostgreSQL but the "pg" package is not installed: npm install pg`);
    }
    return KnexStateStore.open({ url: redactUrl(url), client: 'pg', connection: url, run: o.run, redact: o.redact, now: o.now, log: o.log });
  }
  throw new TradekitError('TK_ERR_STATE_URL', `unsupported state.url "${url}": use sqlite://./file.db, sqlite::memory:, memory: or postgres://…`);
}
