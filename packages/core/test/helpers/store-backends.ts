/**
 * The databases the store conformance suite runs against: a fresh SQLite file, or a fresh PostgreSQL
 * database, per test. `open` gives a store on it; `as` names an independent opener — on PostgreSQL
 * its own connection pool, i.e. what another process (an orchestrator replica) sees; on SQLite the
 * same file through this process's one shared connection (other processes are tested with children).
 */
import path from 'node:path';
import { openStateStore, type StateStore } from '../../src/index.js';
import { tempDir } from './fs.js';
import { createPgDatabase } from './pg-database.js';

export interface OpenStoreOptions {
  now: () => number;
  redact?: (s: string) => string;
  /** Another opener of the same database (PostgreSQL: a separate pool, as another process would have). */
  as?: string;
}

export interface StoreDatabase {
  /** The state.url of this database (for `as`, the one that opener uses). */
  url(as?: string): string;
  /** A store for `run`, closed by `cleanup` unless closed before. */
  open(run: string, o: OpenStoreOptions): Promise<StateStore>;
  cleanup(): Promise<void>;
}

export interface StoreBackend {
  readonly name: string;
  /** A new, empty database for one test. */
  fresh(): Promise<StoreDatabase>;
  /**
   * What an in-process store does not have (the memory stores): another instance to share the data
   * with, a schema that refuses a bad row, migrations, redaction; `memory:compact` keeps no order
   * intent/result payloads. Undefined: a SQL store, which has everything.
   */
  readonly inProcess?: { keepsPayloads: boolean };
}

function tracked(url: (as?: string) => string, baseDir: string, done: () => Promise<void>): StoreDatabase {
  const stores: StateStore[] = [];
  return {
    url,
    async open(run, o) {
      const s = await openStateStore({ url: url(o.as), baseDir, run, now: o.now, redact: o.redact });
      stores.push(s);
      return s;
    },
    async cleanup() {
      for (const s of stores.splice(0)) await s.close().catch(() => undefined);
      await done();
    },
  };
}

export const sqliteBackend: StoreBackend = {
  name: 'SQLite',
  async fresh() {
    const d = tempDir('tk-store-');
    const file = path.join(d.dir, 'state.db');
    return tracked(
      () => `sqlite://${file}`,
      d.dir,
      async () => d.cleanup(),
    );
  },
};

export const pgBackend: StoreBackend = {
  name: 'PostgreSQL',
  async fresh() {
    const db = await createPgDatabase();
    return tracked(
      (as) => db.url(as ? { application_name: `tk-test-${as}` } : {}),
      process.cwd(),
      () => db.drop(),
    );
  },
};

/** The in-process stores (`memory:`, and `memory:compact` of backtests): every open is its own store, as each run's is. */
export function memoryBackend(compact: boolean): StoreBackend {
  return {
    name: compact ? 'memory:compact' : 'memory:',
    inProcess: { keepsPayloads: !compact },
    async fresh() {
      return tracked(
        () => (compact ? 'memory:compact' : 'memory:'),
        process.cwd(),
        async () => undefined,
      );
    },
  };
}
