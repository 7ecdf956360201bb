/**
 * One knex instance per SQLite file per process, shared by every run (and store) that opens the file.
 * Its pool has exactly one connection, so every statement and transaction of the process on that file
 * runs one after another: many runs may share a journal file without contending with each other
 * (SQLITE_BUSY), and a transaction never interleaves with another run's statements. Other processes
 * on the same file wait on SQLite's own lock (WAL, busy timeout); the store's write transactions begin
 * with a write, so that wait is the busy handler's and never an immediate SQLITE_BUSY.
 */
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { loadKnex } from './load-knex.js';
import { SharedDbs, type DbHandle } from './shared-db.js';
import type { Logger } from '../interfaces.js';
import { knexLog } from './knex-log.js';

export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

const files = new SharedDbs();
let memoryDbs = 0;

/** The key two paths to one file share (symlinks and `..` resolved; the file may not exist yet). */
export function sqliteFileKey(filename: string): string {
  if (filename === ':memory:') return `:memory:#${++memoryDbs}`;
  const abs = path.resolve(filename);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  }
}

export interface SqliteHandle extends DbHandle {
  readonly key: string;
}

export function openSqliteFile(filename: string, log?: Logger): SqliteHandle {
  const key = sqliteFileKey(filename);
  return { ...files.handle(key, () => createKnex(filename, log)), key };
}

function createKnex(filename: string, log?: Logger): Knex {
  return loadKnex()({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // knex writes its warnings with console.*; a run's output (--json) must stay clean.
    log: knexLog(log ? (line) => log.warn({ component: 'knex' }, line) : undefined),
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { run(sql: string, cb: (e: Error | null) => void): void }, done: (e: Error | null, c: unknown) => void) => {
        const pragmas = ['PRAGMA journal_mode=WAL', `PRAGMA busy_timeout=${SQLITE_BUSY_TIMEOUT_MS}`, 'PRAGMA synchronous=NORMAL'];
        const next = (i: number): void => {
          if (i === pragmas.length) return void done(null, conn);
          conn.run(pragmas[i]!, (e) => (e ? done(e, conn) : next(i + 1)));
        };
        next(0);
      },
    },
  });
}

/** How long a process waits for another one's migration of the same SQLite file (a few ms of work). */
const MIGRATION_WAIT_MS = 30_000;

/**
 * Runs `fn` (the migrations of a SQLite file) while this process holds the file's migration lock: a
 * lock file next to the database (`<file>.migrate-lock`, created exclusively, holding the pid). A
 * holder that died (SIGKILL while migrating) is detected by its pid and its lock removed, so a crash
 * never leaves the database unopenable; knex's own lock row, which such a crash also leaves set, is
 * then known to be stale (`fn` receives `true`: free it). An in-memory database has no other process.
 */
export async function withSqliteMigrationLock<T>(filename: string, fn: (exclusive: boolean) => Promise<T>): Promise<T> {
  if (filename === ':memory:') return fn(true);
  const lock = `${path.resolve(filename)}.migrate-lock`;
  const started = performance.now();
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number.parseInt(readLock(lock), 10);
      // An empty file is a holder between create and write: alive.
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (performance.now() - started > MIGRATION_WAIT_MS)
        throw new Error(`the migration lock ${lock} is held by process ${holder || '?'} for more than ${MIGRATION_WAIT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await fn(true);
  } finally {
    rmSync(lock, { force: true });
  }
}

function readLock(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
