/**
 * The CLI as a user runs it: real child processes, the shipped quickstart config and sample data,
 * a real SQLite file checked afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KnexStateStore, openStateStore } from '@tradekit/core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js');
const QUICKSTART = path.join(ROOT, 'examples', 'quickstart.yaml');

function tk(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: 60_000 });
}

describe('tradekit CLI (end to end)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-cli-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints its version and help', () => {
    const v = tk(['--version']);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^tradekit \d+\.\d+\.\d+ \(@tradekit\/core \d+\.\d+\.\d+\)/);
    const h = tk(['--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /run \[options\] <config>/);
    assert.match(h.stdout, /validate \[options\] <config>/);
    assert.equal(tk(['run']).status, 2, 'a missing argument is a usage error');
  });

  it('runs the quickstart for N cycles, prints each cycle, and leaves a consistent SQLite journal', async () => {
    const db = path.join(tmp, 'q.db');
    const r = tk(['run', QUICKSTART, '--cycles', '150', '--pace', 'max', '--db', `sqlite://${db}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^#1 2026-05-13 \d\d:\d\d UTC {2}scanned 3 {2}candidates \d+ {2}orders \d+ {2}\| balance /m);
    assert.match(r.stdout, /^#150 /m);
    assert.match(r.stdout, /tradekit: stopped \(maxCycles\) after 150 cycles; balance [\d.]+ equity [\d.]+ USD/);
    assert.match(r.stdout, /↳ filled (BUY|SELL) 0\.1 /);

    const probe = (await openStateStore({ url: `sqlite://${db}`, baseDir: tmp, run: '_', now: () => 0 })) as KnexStateStore;
    try {
      const runs = await probe.knex('tk_runs').select();
      assert.equal(runs.length, 1);
      assert.equal(runs[0].status, 'maxCycles');
      const runId = String(runs[0].id);
      assert.match(runId, /^quickstart@/);
      const store = await openStateStore({ url: `sqlite://${db}`, baseDir: tmp, run: runId, now: () => 0 });
      try {
        const events = await store.journal.events(0, 100_000);
        assert.ok(events.length >= 150 * 4);
        events.forEach((e, i) => {
          assert.equal(e.seq, i + 1, 'gap-free seq');
        });
        assert.equal(events.filter((e) => e.type === 'scan.summary').length, 150);
        const orders = await store.journal.listOrders({});
        assert.ok(orders.length > 0, 'the SMA agent traded');
        for (const o of orders) {
          assert.match(o.clientId, /^tk[0-9a-z]{14}$/);
          assert.equal(o.status, 'filled');
        }
        const trades = await store.journal.listTrades({});
        assert.equal(trades.length, orders.length, 'one trade per filled order');
        const closed = trades.filter((t) => t.status === 'closed');
        assert.ok(closed.length > 0, 'opposite crosses closed some positions');
        for (const t of closed) {
          assert.ok(t.exitTime! > t.entryTime && t.exitPrice! > 0 && t.exitReason === 'opposite cross');
        }
        assert.ok(trades.filter((t) => t.status === 'open').length <= 3, 'one position per symbol at most');
      } finally {
        await store.close();
      }
    } finally {
      await probe.close();
    }
  });

  it('stops cleanly on Ctrl-C after the cycle in flight', async () => {
    const child = spawn(process.execPath, [BIN, 'run', QUICKSTART, '--pace', '100x', '--db', 'memory'], { cwd: ROOT });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && /^#2 /m.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    assert.equal(code, 0);
    assert.match(out, /tradekit: stopped \(stopped\) after \d+ cycles/);
  });

  it('validate: exits 0 on a good config and lists the plugins', () => {
    const r = tk(['validate', QUICKSTART]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /is valid/);
    assert.match(r.stdout, /agents\[0\] +tradekit-plugin-sma-crossover@1\.0\.0/);
  });

  it('validate and run: exit 2 with file:line:column, code and path before anything runs', () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(
      bad,
      `run:\n  name: x\n  cycleSeconds: soon\nsymbols: [EURUSD]\ndata: { use: '@tradekit/core/csv', with: { dir: ./data } }\nbroker:\n  use: '@tradekit/core/paper'\n  with: { balanse: 100 }\n`,
    );
    for (const cmd of ['validate', 'run']) {
      const r = tk([cmd, bad, '--db', `sqlite://${tmp}/never.db`].slice(0, cmd === 'run' ? 4 : 2));
      assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:17 TK_ERR_CONFIG_TYPE at run\\.cycleSeconds`));
      assert.match(r.stderr, /bad\.yaml:8:11 TK_ERR_CONFIG_UNKNOWN_KEY at broker\.with\.balanse: unknown key "balanse" .*did you mean "balance"/);
    }
    const j = tk(['validate', bad, '--json']);
    const parsed = JSON.parse(j.stderr) as { errors: { code: string; line: number }[] };
    assert.deepEqual(
      parsed.errors.map((e) => [e.code, e.line]),
      [
        ['TK_ERR_CONFIG_TYPE', 3],
        ['TK_ERR_CONFIG_UNKNOWN_KEY', 8],
      ],
    );
  });

  it('loads an agent plugin by package name from the config directory, like an npm-installed one', () => {
    const proj = path.join(tmp, 'proj');
    mkdirSync(path.join(proj, 'node_modules'), { recursive: true });
    symlinkSync(path.join(ROOT, 'examples', 'sma-crossover'), path.join(proj, 'node_modules', 'tradekit-plugin-sma-crossover'), 'dir');
    writeFileSync(
      path.join(proj, 'config.yaml'),
      `run: { name: by-name, pace: max }\nsymbols: [EURUSD]\ndata: { use: '@tradekit/core/csv', with: { dir: ${path.join(ROOT, 'examples', 'data')} } }\nbroker: { use: '@tradekit/core/paper' }\nagents:\n  - use: tradekit-plugin-sma-crossover\n    with: { fast: 5, slow: 20 }\nstate: { url: memory }\n`,
    );
    const r = tk(['run', 'config.yaml', '--cycles', '30', '-q'], { cwd: proj });
    assert.equal(r.status, 0, r.stderr);
    const v = tk(['validate', 'config.yaml'], { cwd: proj });
    assert.match(v.stdout, /tradekit-plugin-sma-crossover@1\.0\.0/);
  });
});

describe('tradekit run --serve (end to end)', () => {
  it('serves the run given by a path relative to the working directory, with a token required', async () => {
    // (The server keeps its token hashes in ./.tradekit/server under the working directory: gitignored.)
    const child = spawn(process.execPath, [BIN, 'run', 'examples/quickstart.yaml', '--serve', '--port', '0', '--pace', '600x', '--db', 'memory'], {
      cwd: ROOT,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    try {
      const started = Date.now();
      while (!/run \S+ started/.test(out) && Date.now() - started < 20_000) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(out, /tradekit: run quickstart@\S+ started; dashboard http:\/\/127\.0\.0\.1:\d+\//, `stdout: ${out}\nstderr: ${err}`);
      const base = /orchestrator at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1]!;
      assert.equal((await fetch(`${base}/api/health`)).status, 200);
      const runs = await fetch(`${base}/api/runs`);
      assert.equal(runs.status, 401);
      assert.equal(((await runs.json()) as { error: { code: string } }).error.code, 'TK_ERR_AUTH_MISSING');
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
