#!/usr/bin/env node
// Runs the whole test suite (mocha over the compiled tests of every package) and prints, as its
// very last line, the total in the plain form CI reads: "N passed, N failed".
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServices } from './services.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'tk-tally-'));
const tally = path.join(dir, 'tally.json');
const specs = ['packages/*/dist/test/**/*.test.js', 'examples/*/dist/test/**/*.test.js'];
const extra = process.argv.slice(2);
// Redis and PostgreSQL for the tests that need them (cluster, PostgreSQL store). If they cannot start,
// the suite still runs: those tests fail with this reason instead of skipping.
let services = { env: {}, stop: async () => undefined };
try {
  services = await startServices();
} catch (e) {
  process.stderr.write(`test: could not start Redis/PostgreSQL: ${e.message}\n`);
  services.env = { TK_TEST_SERVICES_ERROR: e.message };
}
const r = spawnSync(
  process.execPath,
  [
    path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--reporter',
    path.join(root, 'scripts', 'mocha-reporter.cjs'),
    '--timeout',
    '30000',
    '--exit',
    ...(extra.length ? extra : specs),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ...services.env, TK_TEST_TALLY: tally } },
);
await services.stop();
let t = { passed: 0, failed: 0, done: false };
if (existsSync(tally)) t = JSON.parse(readFileSync(tally, 'utf8'));
rmSync(dir, { recursive: true, force: true });
// A crash before the end (import error, uncaught exception) or a non-zero exit with no failed
// test counts as one more failure: the total never reads green when the run was not.
let failed = t.failed;
if (!t.done) failed += 1;
else if (r.status !== 0 && failed === 0) failed = 1;
process.stdout.write(`\n${t.passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
