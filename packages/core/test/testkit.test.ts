/**
 * The strategy test kit (`@tradekit/core/testkit`): runs over the sample bars, the look-ahead check
 * (it must catch an agent reading the next bar, and the CSV source's digits from future rows; it must
 * pass the example SMA plugin with unrounded mutations), the warm-up checks, golden files, and the kit
 * used from `node --test` in a child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertIndicatorWarmup,
  assertNoLookahead,
  assertWarmup,
  checkIndicatorWarmup,
  checkLookahead,
  goldenOf,
  matchGolden,
  runStrategy,
  TestkitAssertionError,
  type LookaheadOptions,
  type StrategyRunOptions,
  type WarmupOptions,
} from '../src/testkit/index.js';
import { TradekitError } from '../src/errors.js';
import { readMt5Csv } from '../src/data/csv-parse.js';

const DATA = fileURLToPath(new URL('../../../../examples/data/', import.meta.url));
const FIX = fileURLToPath(new URL('../../test/fixtures/testkit/', import.meta.url));
const SMA = fileURLToPath(new URL('../../../../examples/sma-crossover/', import.meta.url));
const CORE = fileURLToPath(new URL('../../', import.meta.url));

/** One symbol, M5 only, four weeks: quick runs. */
const base = (agent: StrategyRunOptions['agent'], o: Partial<LookaheadOptions & WarmupOptions> = {}): LookaheadOptions & WarmupOptions => ({
  agent,
  data: { dir: DATA, timeframes: ['M5'], serverTime: { utcOffsetHours: 2, dst: 'us' } },
  symbols: ['EURUSD'],
  to: '2026-06-05T00:00:00Z',
  ...o,
});

async function rejects(p: Promise<unknown>, code: string): Promise<TradekitError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TradekitError, `a TradekitError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

describe('strategy test kit', function () {
  this.timeout(180_000);

  it('runStrategy: one agent plugin over fixture bars gives its decisions, signals, orders and trades', async () => {
    const r = await runStrategy(base({ use: SMA, with: { fast: 10, slow: 30, timeframe: 'M5', volume: 0.1 } }));
    const times = new Set(r.decisions.map((d) => d.time));
    assert.ok(times.size > 4000, `${times.size} cycles`);
    assert.ok(r.decisions.every((d) => d.symbol === 'EURUSD'));
    const statuses = new Set(r.decisions.map((d) => d.status));
    assert.ok(statuses.has('No Cross'));
    assert.ok(
      [...statuses].some((s) => /^FILLED \((BUY|SELL) 0\.1 @ 1\.\d+\)$/.test(s)),
      [...statuses].slice(0, 5).join(', '),
    );
    assert.ok(r.signals.length > 20, `${r.signals.length} signals`);
    assert.ok(r.signals.every((s) => s.candidate.symbol === 'EURUSD' && /SMA10 crossed/.test(s.candidate.reason ?? '')));
    assert.ok(r.orders.some((o) => o.event === 'filled'));
    // Always in the market: every trade but the last is closed by the opposite cross.
    assert.ok(r.trades.length > 20);
    assert.equal(r.trades.length, r.result.stats.trades);
    assert.ok(
      r.trades.slice(0, -1).every((t) => t.exitReason === 'opposite cross'),
      r.trades.map((t) => t.exitReason).join(','),
    );
    // The same again: a run is deterministic (client ids included).
    const again = await runStrategy(base({ use: SMA, with: { fast: 10, slow: 30, timeframe: 'M5', volume: 0.1 } }));
    assert.deepEqual(goldenOf(again), goldenOf(r));
  });

  it('the look-ahead check catches an agent that reads the next bar (cut off and mutated)', async () => {
    const report = await checkLookahead(base({ use: path.join(FIX, 'leaky-agent.js') }, { checkpoints: 3 }));
    assert.equal(report.ok, false);
    assert.equal(report.checkpoints.length, 3);
    const failing = report.variants.filter((v) => v.diff);
    // Cut off at T, it sees no next bar at T; mutated, the next close moves elsewhere.
    assert.ok(
      failing.some((v) => v.variant === 'cut'),
      'cut variants catch it',
    );
    assert.ok(
      failing.some((v) => v.variant !== 'cut'),
      'mutated variants catch it',
    );
    for (const v of failing) assert.ok(v.diff!.time <= v.checkpoint);
    const e = await rejects(assertNoLookahead(base({ use: path.join(FIX, 'leaky-agent.js') }, { checkpoints: 2 })), 'TK_ERR_TESTKIT_LOOKAHEAD');
    assert.ok(e instanceof TestkitAssertionError);
    assert.equal(e.name, 'AssertionError');
    assert.match(e.message, /look-ahead: with the bars after 2026-\S+ (cut off|replaced)/);
    assert.match(e.message, /first difference \((decision|signal|order|trade)\) at/);
    assert.notEqual(e.actual, e.expected);
  });

  it('the look-ahead check passes the example SMA plugin with unrounded mutations (and SL/TP in points)', async () => {
    const report = await assertNoLookahead(
      base(
        { use: SMA, with: { fast: 10, slow: 30, timeframe: 'M5', volume: 0.1, slPoints: 150, tpPoints: 300, alwaysInMarket: false } },
        { checkpoints: 4, mutations: ['noise', 'reverse', 'drift'] },
      ),
    );
    assert.equal(report.ok, true);
    assert.equal(report.variants.length, 4 * 4);
    assert.ok(report.signals >= 4, `${report.signals} signals`);
    assert.ok(report.compared > 10_000, `${report.compared} records compared`);
    // Half of the checkpoints sit on cycles where the strategy proposed a trade.
    const signalTimes = new Set(report.reference.signals.map((s) => s.time));
    assert.ok(report.checkpoints.filter((t) => signalTimes.has(t)).length >= 2);
  });

  it('finds the CSV source leak it was built for: digits inferred from the whole file (future rows) change the past', async () => {
    // The same strategy, with the digits taken from every row (as before the fix): the unrounded
    // future rows raise the digits, so the point — and every SL/TP distance in points — changes.
    const o = base(
      { use: SMA, with: { fast: 10, slow: 30, timeframe: 'M5', volume: 0.1, slPoints: 150, tpPoints: 300, alwaysInMarket: false } },
      {
        checkpoints: 2,
        cut: false,
        mutations: ['noise'],
        set: { 'data.with.digitsFromBars': 1_000_000 },
      },
    );
    const e = await rejects(assertNoLookahead(o), 'TK_ERR_TESTKIT_LOOKAHEAD');
    assert.match(e.message, /signal|order|trade/);
  });

  it('checkpoints outside the replay and a strategy that never trades are refused, not passed', async () => {
    await rejects(checkLookahead(base({ use: SMA }, { checkpoints: ['2020-01-01T00:00:00Z'] })), 'TK_ERR_TESTKIT_INPUT');
    // A strategy that never proposes a trade (the leaky agent waiting a million bars between looks):
    // nothing differs, and that proves nothing.
    const idle = base({ use: path.join(FIX, 'leaky-agent.js'), with: { every: 1_000_000 } }, { checkpoints: 2, mutations: ['noise'] });
    const report = await checkLookahead(idle);
    assert.equal(report.ok, true);
    assert.equal(report.signals, 0);
    await rejects(assertNoLookahead(idle), 'TK_ERR_TESTKIT_WEAK');
    await rejects(runStrategy({ agent: { use: SMA }, symbols: ['EURUSD'] }), 'TK_ERR_TESTKIT_INPUT');
  });

  it('the warm-up check finds an indicator with too short a warm-up and passes it with a long one', async () => {
    const ema = { use: path.join(FIX, 'ema-agent.js'), with: { period: 200 } };
    const e = await rejects(assertWarmup({ ...base(ema), to: undefined, warmupBars: 20 }), 'TK_ERR_TESTKIT_WARMUP');
    assert.match(e.message, /with 21 bars of history than with all of it \(run\.warmupBars is 20/);
    assert.equal(e.name, 'AssertionError');
    // 3000 bars: the EMA's start (weight 0.99^3000) no longer shows in any decision.
    const ok = await assertWarmup({ ...base(ema), to: undefined, warmupBars: 3000, history: [3001] });
    assert.equal(ok.ok, true);
    assert.equal(ok.stableFrom, 3001);
    assert.ok(ok.variants[0]!.compared > 5000, `${ok.variants[0]!.compared} records compared`);
    // The SMA plugin needs 31 bars; the default warm-up (300) is plenty.
    const sma = await assertWarmup({ ...base({ use: SMA, with: { fast: 10, slow: 30 } }), to: undefined });
    assert.deepEqual(
      sma.variants.map((v) => v.bars),
      [301, 602, 1204],
    );
  });

  it('the indicator warm-up check reports the warm-up an indicator needs', async () => {
    const bars = await readMt5Csv(path.join(DATA, 'EURUSD_M5.csv'));
    const ema = (period: number) => (b: { length: number; close?: ArrayLike<number> }) => {
      const out = new Float64Array(b.length);
      const a = 2 / (period + 1);
      for (let i = 0; i < b.length; i++) out[i] = i === 0 ? b.close![0]! : b.close![i]! * a + out[i - 1]! * (1 - a);
      return out;
    };
    const sma = (period: number) => (b: { length: number; close?: ArrayLike<number> }) => {
      const out = new Float64Array(b.length).fill(Number.NaN);
      let sum = 0;
      for (let i = 0; i < b.length; i++) {
        sum += b.close![i]!;
        if (i >= period) sum -= b.close![i - period]!;
        if (i >= period - 1) out[i] = sum / period;
      }
      return out;
    };
    assert.throws(
      () => assertIndicatorWarmup({ compute: ema(200), bars, warmup: 50, name: 'EMA(200)' }),
      (e: unknown) => e instanceof TestkitAssertionError && e.code === 'TK_ERR_TESTKIT_WARMUP' && /EMA\(200\) needs \d+ bars/.test(e.message),
    );
    const r = checkIndicatorWarmup({ compute: ema(200), bars, warmup: 50 });
    // 0.99^n × (a price difference of a few 1e-3) below 1e-9: a few thousand bars.
    assert.ok(r.needed > 1000 && r.needed < 4000, `needed ${r.needed}`);
    assert.equal(checkIndicatorWarmup({ compute: ema(200), bars, warmup: r.needed }).ok, true);
    const s = assertIndicatorWarmup({ compute: sma(20), bars, warmup: 20 });
    assert.equal(s.needed, 19);
  });

  it('golden files: written once, compared after, a clear diff on a mismatch, TK_UPDATE_GOLDEN rewrites, CI refuses a missing one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-golden-'));
    try {
      const file = path.join(dir, 'sma.golden.json');
      const run = await runStrategy(base({ use: SMA, with: { fast: 10, slow: 30 } }, { to: '2026-05-20T00:00:00Z' }));
      const value = goldenOf(run);
      assert.equal(matchGolden(file, value, { env: {} }).outcome, 'written');
      assert.equal(matchGolden(file, value, { env: {} }).outcome, 'matched');
      const changed = { ...value, trades: (value.trades as { profit: number }[]).map((t, i) => (i === 1 ? { ...t, profit: t.profit + 1 } : t)) };
      let err: unknown;
      try {
        matchGolden(file, changed, { env: {} });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof TestkitAssertionError && err.code === 'TK_ERR_TESTKIT_GOLDEN', String(err));
      assert.match(err.message, /@@ line \d+ @@/);
      assert.match(err.message, /^- +"profit": /m);
      assert.match(err.message, /^\+ +"profit": /m);
      assert.equal(err.expected, readFileSync(file, 'utf8'));
      assert.equal(matchGolden(file, changed, { env: { TK_UPDATE_GOLDEN: '1' } }).outcome, 'written');
      assert.equal(matchGolden(file, changed, { env: {} }).outcome, 'matched');
      assert.throws(() => matchGolden(path.join(dir, 'missing.json'), value, { env: { CI: 'true' } }), /TK_UPDATE_GOLDEN=1/);
      assert.equal(existsSync(path.join(dir, 'missing.json')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works from node --test: a spec file importing @tradekit/core/testkit passes and fails as it should', () => {
    // Inside the package (build output), so that '@tradekit/core' resolves to the package itself.
    const dir = mkdtempSync(path.join(CORE, 'dist', 'tk-node-test-'));
    try {
      const spec = path.join(dir, 'strategy.test.mjs');
      writeFileSync(
        spec,
        `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoLookahead, runStrategy } from '@tradekit/core/testkit';
const base = { data: { dir: ${JSON.stringify(DATA)}, timeframes: ['M5'] }, symbols: ['EURUSD'], to: '2026-05-25T00:00:00Z' };
test('sma-crossover trades', async () => {
  const r = await runStrategy({ ...base, agent: { use: ${JSON.stringify(SMA)} } });
  assert.ok(r.trades.length > 0);
});
test('sma-crossover does not look ahead', async () => {
  await assertNoLookahead({ ...base, agent: { use: ${JSON.stringify(SMA)} }, checkpoints: 2, mutations: ['noise'] });
});
test('the leaky agent is caught', async () => {
  await assertNoLookahead({ ...base, agent: { use: ${JSON.stringify(path.join(FIX, 'leaky-agent.js'))} }, checkpoints: 2, mutations: ['noise'] });
});
`,
      );
      // Inside the package, '@tradekit/core' resolves to itself (package self-reference through "exports").
      const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', spec], { cwd: dir, encoding: 'utf8', timeout: 170_000 });
      const out = r.stdout + r.stderr;
      assert.equal(r.status, 1, out);
      assert.match(out, /^ok 1 - sma-crossover trades/m);
      assert.match(out, /^ok 2 - sma-crossover does not look ahead/m);
      assert.match(out, /^not ok 3 - the leaky agent is caught/m);
      assert.match(out, /code: 'TK_ERR_TESTKIT_LOOKAHEAD'|TK_ERR_TESTKIT_LOOKAHEAD/);
      assert.match(out, /# pass 2/);
      assert.match(out, /# fail 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
