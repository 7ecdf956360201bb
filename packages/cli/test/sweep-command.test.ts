/**
 * `tradekit sweep` end to end: real worker threads in a child process over the sample data. Seeded
 * samples rank the same way run after run, a failing combination is reported with its code and does
 * not stop the others, a combination's numbers equal a single `tradekit backtest --set`, and a bad
 * grid file is a coded error at its line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleIndices } from '../src/sweep/sample.js';
import { SMA_EURUSD, parseCsv, tk, tkAsync } from './helpers.js';

const WINDOW = ['--from', '2026-06-01', '--to', '2026-06-08'];

describe('tradekit sweep (end to end)', function () {
  this.timeout(90_000);
  let tmp: string;
  let grid: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-sweep-'));
    grid = path.join(tmp, 'grid.yaml');
    // 4 combinations; fast 40 ≥ slow fails the plugin's setup, so any 3 of them mix successes and failures.
    writeFileSync(grid, 'agents[0].with.fast: [5, 40]\nagents[0].with.slow: [20, 30]\n');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('ranks seeded samples reproducibly on 2 workers, reporting failed combinations with their code', async () => {
    const run = (out: string) =>
      tkAsync(['sweep', SMA_EURUSD, '--grid', grid, '--workers', '2', '--samples', '3', '--seed', '42', '--out', out, '--json', ...WINDOW]);
    const a = await run(path.join(tmp, 'a'));
    const b = await run(path.join(tmp, 'b'));
    for (const r of [a, b]) {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^sweep: 3 of 4 combinations on 2 worker threads \(seed 42\), ranked by sharpe$/m);
    }
    const A = JSON.parse(a.stdout);
    const B = JSON.parse(b.stdout);
    assert.equal(A.workers, 2);
    assert.equal(A.seed, 42);
    assert.equal(A.ran, 3);
    const sampled = sampleIndices(4, 3, 42);
    assert.deepEqual(A.results.map((r: { index: number }) => r.index).sort(), [...sampled].sort(), 'the seed picks the combinations');
    const view = (s: typeof A) =>
      s.results.map((r: { rank: number; index: number; params: unknown; ok: boolean; stats?: unknown; error?: { code: string } }) => [
        r.rank,
        r.index,
        r.params,
        r.ok,
        r.stats,
        r.error?.code,
      ]);
    assert.deepEqual(view(B), view(A), 'same seed: same combinations, same ranking, same numbers');

    const failed = A.results.filter((r: { ok: boolean }) => !r.ok);
    const good = A.results.filter((r: { ok: boolean }) => r.ok);
    assert.ok(failed.length >= 1 && good.length >= 1);
    for (const f of failed) {
      assert.equal(f.params['agents[0].with.fast'], 40);
      assert.equal(f.error.code, 'TK_ERR_PLUGIN_SETUP');
      assert.match(f.error.message, /fast \(40\) must be shorter than slow/);
    }
    assert.deepEqual(
      A.results.map((r: { ok: boolean }) => r.ok),
      [...good.map(() => true), ...failed.map(() => false)],
      'failures rank last',
    );
    for (let i = 1; i < good.length; i++) assert.ok(good[i - 1].stats.sharpe >= good[i].stats.sharpe, 'best Sharpe first');

    const csv = parseCsv(readFileSync(path.join(tmp, 'a', 'results.csv'), 'utf8'));
    assert.deepEqual(csv.header.slice(0, 4), ['rank', 'combination', 'agents[0].with.fast', 'agents[0].with.slow']);
    assert.equal(csv.rows.length, 3);
    assert.deepEqual(
      csv.rows.map((r) => Number(r[1])),
      A.results.map((r: { index: number }) => r.index),
    );
    assert.deepEqual(
      JSON.parse(readFileSync(path.join(tmp, 'a', 'results.json'), 'utf8')).results.map((r: { index: number }) => r.index),
      A.results.map((r: { index: number }) => r.index),
    );
  });

  it('a combination gives the same numbers as tradekit backtest with the same --set', () => {
    const s = tk(['sweep', SMA_EURUSD, '--grid', grid, '--workers', '2', '--json', ...WINDOW]);
    assert.equal(s.status, 0, s.stderr);
    const sweep = JSON.parse(s.stdout);
    assert.equal(sweep.ran, 4);
    assert.equal(sweep.samples, null);
    const best = sweep.results[0];
    const b = tk([
      'backtest',
      SMA_EURUSD,
      '--no-html',
      '--json',
      '--out',
      path.join(tmp, 'single'),
      ...WINDOW,
      '--set',
      `agents[0].with.fast=${best.params['agents[0].with.fast']}`,
      '--set',
      `agents[0].with.slow=${best.params['agents[0].with.slow']}`,
    ]);
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout).stats, best.stats);
  });

  it('prints a ranked table without --json', () => {
    const r = tk(['sweep', SMA_EURUSD, '--grid', grid, '--workers', '2', '--rank-by', 'drawdown', ...WINDOW]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^rank {2}# {2}fast {2}slow {2}return % {2}max DD % {2}sharpe {2}sortino/);
    assert.match(lines[1]!, /^ {3}1 {2}[01] {2}5 +(20|30) +-?[\d.]+ +[\d.]+ /);
    assert.match(r.stdout, /TK_ERR_PLUGIN_SETUP: plugin "tradekit-plugin-sma-crossover" failed in setup: fast \(40\)/);
    assert.match(lines[lines.length - 1]!, /^sweep: 4 backtests in [\d.]+ s on 2 workers \([\d.]+× parallel\), 2 failed$/);
  });

  it("a grid key the config does not have: exit 2, TK_ERR_GRID_PATH at the grid file's line, no backtest run", () => {
    const typo = path.join(tmp, 'typo.yaml');
    writeFileSync(typo, 'agents[0].with.fast: [5, 10]\nagents[0].with.slwo: [20, 30]\n');
    const r = tk(['sweep', SMA_EURUSD, '--grid', typo]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /typo\.yaml:2:1 TK_ERR_GRID_PATH at agents\[0\]\.with\.slwo: agents\[0\]\.with\.slwo is not a key of compare-sma-eurusd\.yaml/);
    assert.doesNotMatch(r.stderr, /^sweep: \d/m, 'nothing started');
  });

  it('a malformed grid: exit 2, TK_ERR_GRID_YAML with line and column; --json gives the error as JSON', () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, 'agents[0].with.fast: [5, 10\nagents[0].with.slow: 20\n');
    const r = tk(['sweep', SMA_EURUSD, '--grid', bad, '--json']);
    assert.equal(r.status, 2);
    const err = JSON.parse(r.stderr).errors[0];
    assert.equal(err.code, 'TK_ERR_GRID_YAML');
    assert.equal(err.file, bad);
    assert.equal(err.line, 2);
  });

  it('bad sweep options are TK_ERR_CLI_ARG (exit 2)', () => {
    const w = tk(['sweep', SMA_EURUSD, '--grid', grid, '--workers', '0']);
    assert.equal(w.status, 2);
    assert.match(w.stderr, /TK_ERR_CLI_ARG: --workers expects an integer ≥ 1, got "0"/);
    const m = tk(['sweep', SMA_EURUSD, '--grid', grid, '--rank-by', 'sharp']);
    assert.equal(m.status, 2);
    assert.match(m.stderr, /TK_ERR_CLI_ARG: --rank-by: unknown metric "sharp" \(did you mean "sharpe"\?\)/);
  });
});
