/**
 * One knex instance per database (an SQLite file, a PostgreSQL URL) per process, shared by every run
 * and store that opens it: users take a counted handle, the last release closes the instance, and the
 * preparation (the migrations) runs once per instance however many users open it.
 */
import type { Knex } from 'knex';

export interface DbHandle {
  readonly db: Knex;
  /** Runs `prepare` (the migrations) once per instance, however many users open the database. */
  ready(prepare: (db: Knex) => Promise<void>): Promise<void>;
  /** Drops this user's reference; the last one closes the instance. */
  release(): Promise<void>;
}

interface Shared {
  db: Knex;
  refs: number;
  ready?: Promise<void>;
}

/** The databases of one kind this process has open, by key. */
export class SharedDbs {
  private readonly open = new Map<string, Shared>();

  /** A handle on the instance for `key`, made with `create` when none is open. */
  handle(key: string, create: () => Knex): DbHandle {
    let s = this.open.get(key);
    if (!s) {
      s = { db: create(), refs: 0 };
      this.open.set(key, s);
    }
    s.refs++;
    const shared = s;
    const open = this.open;
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
        if (open.get(key) === shared) open.delete(key);
        await shared.db.destroy();
      },
    };
  }
}
