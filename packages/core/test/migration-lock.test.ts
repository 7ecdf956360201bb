/**
 * A process killed while it migrates a database (SIGKILL between knex taking its migration lock and
 * releasing it) must not leave the database unopenable: startup is the recovery path. Each store
 * migrates under a lock its holder's death releases (a lock file with the pid for SQLite, an advisory
 * lock for PostgreSQL), and holding it frees knex's stale lock row.
 */
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openMigratedDb, openStateStore, type StateStore } from '../src/index.js';
import { loadKnex } from '../src/store/load-knex.js';
import { tempDir } from './helpers/fs.js';
import { createPgDatabase } from './helpers/pg-database.js';

const now = () => 1_700_000_000_000;

async function setStaleKnexLock(client: 'sqlite3' | 'pg', connection: unknown): Promise<void> {
  const k = loadKnex()({ client, connection: connection as never, useNullAsDefault: true });
  try {
    assert.ok(await k.schema.hasTable('tk_migrations_lock'), 'knex made its lock table');
    await k('tk_migrations_lock').update({ is_locked: 1 });
  } finally {
    await k.destroy();
  }
}

async function openAndUse(url: string): Promise<void> {
  const store: StateStore = await openStateStore({ url, run: 'r1', now, baseDir: process.cwd() });
  try {
    await store.set('k', 1);
    assert.equal(await store.get('k'), 1);
  } finally {
    await store.close();
  }
}

describe('migration lock left by a killed process', () => {
  it('SQLite: a stale knex lock row does not stop the next open', async () => {
    const { dir, cleanup } = tempDir('tk-migrate-');
    try {
      const file = path.join(dir, 'state.db');
      await openAndUse(`sqlite:${file}`);
      await setStaleKnexLock('sqlite3', { filename: file });
      await openAndUse(`sqlite:${file}`);
      assert.ok(!existsSync(`${file}.migrate-lock`), 'the lock file is gone after the open');
    } finally {
      cleanup();
    }
  });

  it('SQLite: a lock file of a process that died is taken over; one of a live process is waited for', async () => {
    const { dir, cleanup } = tempDir('tk-migrate-');
    try {
      const file = path.join(dir, 'state.db');
      // A pid that is certainly dead: a child that has exited.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(`${file}.migrate-lock`, dead.stdout);
      await openAndUse(`sqlite:${file}`);
      assert.ok(!existsSync(`${file}.migrate-lock`));

      // A live holder: the open waits until its lock is gone.
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        writeFileSync(`${file}.migrate-lock`, String(child.pid));
        const order: string[] = [];
        const opening = openAndUse(`sqlite:${file}`).then(() => order.push('opened'));
        await new Promise((r) => setTimeout(r, 300));
        order.push('released');
        child.kill('SIGKILL');
        await opening;
        assert.deepEqual(order, ['released', 'opened']);
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      cleanup();
    }
  });

  it("a second set of migrations (a plugin's own table) runs once on the connection the state store already shares", async () => {
    const { dir, cleanup } = tempDir('tk-migrate-');
    try {
      const file = path.join(dir, 'state.db');
      const store = await openStateStore({ url: `sqlite:${file}`, run: 'r1', now, baseDir: process.cwd() });
      let ran = 0;
      const set = {
        tableName: 'tk_plugin_migrations',
        source: {
          getMigrations: async () => ['p_001'],
          getMigrationName: (m: string) => m,
          getMigration: async () => ({
            up: async (k: import('knex').Knex) => {
              ran++;
              await k.schema.createTable('tk_plugin_things', (t) => t.increments('id'));
            },
            down: async () => undefined,
          }),
        },
      };
      const a = await openMigratedDb('sqlite3', { filename: file }, set);
      const b = await openMigratedDb('sqlite3', { filename: file }, set);
      assert.equal(a.db, b.db, 'one connection per file per process');
      assert.equal(ran, 1, "the plugin's migrations ran once");
      assert.ok(await a.db.schema.hasTable('tk_plugin_things'));
      assert.ok(await a.db.schema.hasTable('tk_kv'), 'the same database as the state store');
      await store.set('k', 2);
      assert.equal(await store.get('k'), 2);
      await a.release();
      await b.release();
      await store.close();
    } finally {
      cleanup();
    }
  });

  it('PostgreSQL: a stale knex lock row does not stop the next open', async () => {
    const db = await createPgDatabase();
    try {
      await openAndUse(db.url());
      await setStaleKnexLock('pg', db.url());
      await openAndUse(db.url());
    } finally {
      await db.drop();
    }
  });
});
