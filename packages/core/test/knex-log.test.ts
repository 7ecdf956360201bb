/** knex prints its warnings with console.log (stdout, where `run --json` writes events): ours go to stderr. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { openStateStore, type KnexStateStore } from '../src/index.js';
import { tempDir } from './helpers/fs.js';

describe('knex messages', () => {
  it('never reach stdout: a knex warning from the state store goes to stderr', async () => {
    const { dir, cleanup } = tempDir('tk-knexlog-');
    const store = (await openStateStore({ url: `sqlite://${path.join(dir, 's.db')}`, baseDir: dir, run: 'r', now: () => 0 })) as KnexStateStore;
    const out: string[] = [];
    const err: string[] = [];
    const write = { out: process.stdout.write, err: process.stderr.write };
    try {
      process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
      process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
      // A deprecated builder: knex warns while building it.
      void store.knex.schema.createTableIfNotExists('tk_probe', (t) => void t.string('a')).toSQL();
    } finally {
      process.stdout.write = write.out;
      process.stderr.write = write.err;
      await store.close();
      cleanup();
    }
    assert.deepEqual(out, []);
    assert.match(err.join(''), /^knex: Use async \.hasTable/m);
  });
});
