/** The sweep's pure parts: grid files (and their coded errors), seeded sampling, ranking. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BacktestStats } from '@tradekit/core';
import { combinationAt, parseGrid, readGrid } from '../src/sweep/grid.js';
import { metricOf, paramLabels, rank } from '../src/sweep/rank.js';
import { sampleIndices, seedOf } from '../src/sweep/sample.js';
import type { SweepJobResult } from '../src/sweep/messages.js';

function gridError(text: string): { code: string; line?: number; column?: number; path?: string; message: string } {
  try {
    parseGrid(text, 'grid.yaml');
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a grid error');
}

describe('sweep grid files', () => {
  it('lists and ranges expand to every combination, the last key varying fastest', () => {
    const g = parseGrid('agents[0].with.fast: [5, 10]\nagents[0].with.slow: { from: 20, to: 40, step: 10 }\nrun.timeframe: [M5]\n', 'grid.yaml');
    assert.equal(g.size, 6);
    assert.deepEqual(
      g.axes.map((a) => a.path),
      ['agents[0].with.fast', 'agents[0].with.slow', 'run.timeframe'],
    );
    assert.deepEqual(g.axes[1]!.values, [20, 30, 40]);
    assert.deepEqual(combinationAt(g, 0), { 'agents[0].with.fast': 5, 'agents[0].with.slow': 20, 'run.timeframe': 'M5' });
    assert.deepEqual(combinationAt(g, 1), { 'agents[0].with.fast': 5, 'agents[0].with.slow': 30, 'run.timeframe': 'M5' });
    assert.deepEqual(combinationAt(g, 5), { 'agents[0].with.fast': 10, 'agents[0].with.slow': 40, 'run.timeframe': 'M5' });
    const all = new Set(Array.from({ length: g.size }, (_, i) => JSON.stringify(combinationAt(g, i))));
    assert.equal(all.size, 6);
  });

  it('decimal ranges land on their decimals (no 0.30000000000000004)', () => {
    const g = parseGrid('broker.with.commissionPerLot: { from: 0.1, to: 0.5, step: 0.1 }\n', 'grid.yaml');
    assert.deepEqual(g.axes[0]!.values, [0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it('values may be any YAML: lists of symbols, booleans', () => {
    const g = parseGrid('symbols: [[EURUSD], [GBPUSD, XAUUSD]]\nagents[0].with.alwaysInMarket: [true, false]\n', 'grid.yaml');
    assert.equal(g.size, 4);
    assert.deepEqual(combinationAt(g, 3), { symbols: ['GBPUSD', 'XAUUSD'], 'agents[0].with.alwaysInMarket': false });
  });

  it('malformed YAML: TK_ERR_GRID_YAML at its line and column', () => {
    const e = gridError('agents[0].with.fast: [5, 10\nagents[0].with.slow: [30]\n');
    assert.equal(e.code, 'TK_ERR_GRID_YAML');
    assert.equal(e.line, 2);
  });

  it('a value that is not a list or range: TK_ERR_GRID_SHAPE at the value', () => {
    const e = gridError('agents[0].with.slow: [30, 40]\nagents[0].with.fast: 5\n');
    assert.equal(e.code, 'TK_ERR_GRID_SHAPE');
    assert.deepEqual([e.line, e.column, e.path], [2, 22, 'agents[0].with.fast']);
    assert.match(e.message, /expected a list of values like \[5, 10, 20\] or a range/);
  });

  it('empty lists, duplicates and broken ranges are TK_ERR_GRID_SHAPE with the spot', () => {
    assert.equal(gridError('a.b: []\n').code, 'TK_ERR_GRID_SHAPE');
    const dup = gridError('a.b:\n  - 5\n  - 10\n  - 5\n');
    assert.equal(dup.code, 'TK_ERR_GRID_SHAPE');
    assert.equal(dup.line, 4);
    assert.match(dup.message, /value 5 is listed twice/);
    const step = gridError('a.b: { from: 1, to: 5, step: 0 }\n');
    assert.match(step.message, /step must be > 0/);
    assert.equal(step.column, 30);
    assert.match(gridError('a.b: { from: 9, to: 5, step: 1 }\n').message, /"to" \(5\) is below "from" \(9\)/);
    assert.match(gridError('a.b: { from: 1, to: 5, stp: 1 }\n').message, /unknown "stp"/);
    assert.match(gridError('a.b: { from: 1, to: 1000000, step: 1 }\n').message, /more than 10000/);
  });

  it('a key that is not a config path: TK_ERR_GRID_PATH at the key', () => {
    const e = gridError('agents[0].with.fast: [5]\n"agents[0] with slow": [30]\n');
    assert.equal(e.code, 'TK_ERR_GRID_PATH');
    assert.deepEqual([e.line, e.column], [2, 1]);
  });

  it('an empty file or a list at the top: TK_ERR_GRID_SHAPE', () => {
    assert.equal(gridError('').code, 'TK_ERR_GRID_SHAPE');
    assert.equal(gridError('- 5\n- 10\n').code, 'TK_ERR_GRID_SHAPE');
  });

  it('a file that cannot be read: TK_ERR_GRID_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-grid-'));
    try {
      assert.throws(() => readGrid(path.join(dir, 'missing.yaml')), { code: 'TK_ERR_GRID_FILE' });
      writeFileSync(path.join(dir, 'ok.yaml'), 'a.b: [1, 2]\n');
      assert.equal(readGrid(path.join(dir, 'ok.yaml')).size, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sweep sampling', () => {
  it('the same seed draws the same combinations in the same order; another seed does not', () => {
    const a = sampleIndices(1000, 20, 42);
    assert.deepEqual(sampleIndices(1000, 20, 42), a);
    assert.notDeepEqual(sampleIndices(1000, 20, 43), a);
    assert.equal(new Set(a).size, 20, 'distinct');
    assert.ok(a.every((i) => Number.isInteger(i) && i >= 0 && i < 1000));
  });

  it('asking for more samples than combinations gives each combination once, shuffled', () => {
    const s = sampleIndices(10, 50, 7);
    assert.equal(s.length, 10);
    assert.deepEqual(
      [...s].sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.notDeepEqual(s, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('draws from a huge grid without enumerating it', () => {
    const s = sampleIndices(2 ** 40, 5, 1);
    assert.equal(new Set(s).size, 5);
    assert.ok(s.every((i) => i < 2 ** 40));
  });

  it('seeds: integers as themselves, any other text hashed', () => {
    assert.equal(seedOf('42'), 42);
    assert.equal(seedOf('nightly'), seedOf('nightly'));
    assert.notEqual(seedOf('nightly'), seedOf('nightly2'));
  });
});

describe('sweep ranking', () => {
  const stats = (sharpe: number, dd: number): BacktestStats => ({
    startBalance: 1,
    endBalance: 1,
    endEquity: 1,
    totalReturnPct: 0,
    cagrPct: 0,
    maxDrawdownPct: dd,
    maxDrawdownDurationMs: 0,
    sharpe,
    sortino: 0,
    winRatePct: 0,
    profitFactor: 0,
    expectancy: 0,
    exposurePct: 0,
    trades: 0,
    wins: 0,
    losses: 0,
  });
  const ok = (index: number, sharpe: number, dd = 0): SweepJobResult => ({
    index,
    ok: true,
    stats: stats(sharpe, dd),
    perf: { cycles: 1, bars: 1, engineMs: 1, setupMs: 1 },
    wallMs: 1,
    worker: 1,
  });
  const bad = (index: number): SweepJobResult => ({ index, ok: false, error: { code: 'TK_ERR_PLUGIN_SETUP', message: 'x' }, wallMs: 1, worker: 1 });

  it('best first, ties by combination index, failures last; the finishing order does not matter', () => {
    const results = [bad(1), ok(4, 0.5), ok(2, 1.5), ok(3, 0.5), ok(0, -1), bad(5)];
    const order = rank(results, (i) => ({ i }), metricOf('sharpe')).map((r) => r.index);
    assert.deepEqual(order, [2, 3, 4, 0, 1, 5]);
    assert.deepEqual(
      rank([...results].reverse(), (i) => ({ i }), metricOf('sharpe')).map((r) => r.index),
      order,
    );
    assert.deepEqual(
      rank(results, (i) => ({ i }), metricOf('sharpe')).map((r) => r.rank),
      [1, 2, 3, 4, 5, 6],
    );
  });

  it('drawdown ranks lowest first; names and aliases resolve; an unknown metric is TK_ERR_CLI_ARG with a hint', () => {
    const order = rank([ok(0, 0, 12), ok(1, 0, 3), ok(2, 0, 7)], (i) => ({ i }), metricOf('drawdown')).map((r) => r.index);
    assert.deepEqual(order, [1, 2, 0]);
    assert.equal(metricOf('profitFactor').key, 'profitFactor');
    assert.equal(metricOf('pf').name, 'profit-factor');
    assert.throws(
      () => metricOf('sharp'),
      (e: { code: string; message: string }) => e.code === 'TK_ERR_CLI_ARG' && /did you mean "sharpe"/.test(e.message),
    );
  });

  it('labels parameters by their last segment unless two would collide', () => {
    assert.deepEqual(paramLabels(['agents[0].with.fast', 'agents[0].with.slow']), ['fast', 'slow']);
    assert.deepEqual(paramLabels(['agents[0].with.fast', 'agents[1].with.fast', 'run.timeframe']), ['agents[0].with.fast', 'agents[1].with.fast', 'timeframe']);
  });
});
