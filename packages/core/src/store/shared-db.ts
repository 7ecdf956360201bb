/**
 * One knex instance per database (an SQLite file, a PostgreSQL URL) per process, shared by every run
 * and store that opens it: users take a counted handle, the last release closes the instance, and the
 * preparation (the migrations) runs once per instance however many users open it.
 */
import type { Knex } from 'knex';

export interface DbHandle {
  readonly db: Knex;
  /**
   * Runs `prepare` (a set of migrations, named by `name`) once per instance and name, however many
   * users open the database: the run's stores and a plugin's own table each prepare theirs once.
   */
  ready(name: string, prepare: (db: Knex) => Promise<void>): Promise<void>;
  /** Drops this user's reference; the last one closes the instance. */
  release(): Promise<void>;
}

interface Shared {
  db: Knex;
  refs: number;
  ready: Map<string, Promise<void>>;
}

/** The databases of one kind this process has open, by key. */
export class SharedDbs {
  private readonly open = new Map<string, Shared>();

  /** A handle on the instance for `key`, made with `create` when none is open. */
  handle(key: string, create: () => Knex): DbHandle {
    let s = this.open.get(key);
    if (!s) {
      s = { db: create(), refs: 0, ready: new Map() };
      this.open.set(key, s);
    }
    s.refs++;
    const shared = s;
    const open = this.open;
    let released = false;
    return {
      db: shared.db,
      ready(name, prepare) {
        let p = shared.ready.get(name);
        if (!p) {
          const mine = prepare(shared.db);
          p = mine;
          shared.ready.set(name, mine);
          // A failed preparation is tried again by the next user.
          mine.catch(() => {
            if (shared.ready.get(name) === mine) shared.ready.delete(name);
          });
        }
        return p;
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
