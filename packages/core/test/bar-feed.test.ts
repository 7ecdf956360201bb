/**
 * The `bar` hook and `Agent.onBar`: every closed bar of a followed symbol and timeframe handed over
 * once, oldest first, at the start of the cycle in which it closed, never before it closed; the
 * first cycle hands over the feed's history. Read by index from a source with columns, by range
 * queries from any other source — the same bars either way.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  CsvDataSource,
  SimClock,
  createHooks,
  type BarQuery,
  type BarSeries,
  type ClosedBar,
  type CycleContext,
  type DataSource,
  type Timeframe,
  type TradekitError,
} from '../src/index.js';
import { BarFeeder } from '../src/engine/bar-feed.js';
import { TIMEFRAME_MS } from '../src/data/timeframes.js';
import { EXAMPLES } from './helpers/fs.js';
import { baseConfig, pluginModule, startRun, type TestRun } from './helpers/run.js';

const M5 = TIMEFRAME_MS.M5;
const H1 = TIMEFRAME_MS.H1;

/** An agent plugin that records every bar it is handed, with the clock, and what `data.bars` shows in scan. */
const follower = (feeds: string, symbols = "['EURUSD']", onBar = '') => `
export const bars = [];
export const scans = [];
export default {
  name: 'follower', version: '1.0.0', provides: ['agent'],
  setup(ctx) {
    ctx.addAgent({
      symbols: ${symbols},
      barFeeds: ${feeds},
      onBar(bar, cycle) { ${onBar} bars.push({ ...bar, now: cycle.clock.now(), seq: cycle.seq }); },
      scan(s) {
        const b = s.cycle.data.bars(s.symbol, 'M5', 1);
        scans.push({ seq: s.cycle.seq, symbol: s.symbol, newest: b.time[0], close: b.close[0], end: b.end });
        return { skip: 'watching' };
      },
    });
  },
};`;

interface Seen extends ClosedBar {
  now: number;
  seq: number;
}
interface Scan {
  seq: number;
  symbol: string;
  newest: number;
  close: number;
  end: number;
}

describe('bar feed (the bar hook, Agent.onBar)', () => {
  let t: TestRun | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("hands over each closed bar once, oldest first, before scan, starting with the feed's history", async () => {
    t = await startRun(baseConfig('agents: [{ use: ./follower.js }]'), { 'follower.js': follower("[{ timeframe: 'M5', history: 5 }]") });
    for (let i = 0; i < 20; i++) await t.run.cycle();
    const { bars, scans } = await pluginModule<{ bars: Seen[]; scans: Scan[] }>(t, 'follower.js');
    const first = bars.filter((b) => b.seq === 1);
    assert.equal(first.length, 5, 'the history at the first cycle');
    for (let seq = 2; seq <= 20; seq++) assert.equal(bars.filter((b) => b.seq === seq).length, 1, `one new bar in cycle ${seq}`);
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i]!;
      assert.equal(b.symbol, 'EURUSD', 'only the agent’s own symbols');
      assert.equal(b.timeframe, 'M5');
      assert.ok(b.time + M5 <= b.now, `bar ${i} had closed when it was handed over`);
      if (i) {
        assert.equal(b.index, bars[i - 1]!.index! + 1, 'no bar skipped or repeated');
        assert.ok(b.time > bars[i - 1]!.time);
      }
    }
    // The newest bar handed over in a cycle is the newest closed bar the scan sees, with the same values.
    for (const s of scans.filter((x) => x.symbol === 'EURUSD')) {
      const last = bars.filter((b) => b.seq === s.seq).at(-1)!;
      assert.deepEqual([last.time, last.close, last.index! + 1], [s.newest, s.close, s.end]);
    }
  });

  it('follows a coarser timeframe: an H1 bar arrives in the cycle in which it closes, not before', async () => {
    const yaml = baseConfig('agents: [{ use: ./follower.js }]').replace('timeframes: [M5]', 'timeframes: [M5, H1]');
    t = await startRun(yaml, { 'follower.js': follower("[{ timeframe: 'H1', history: 2 }]", "['EURUSD', 'XAUUSD']") });
    for (let i = 0; i < 40; i++) await t.run.cycle();
    const { bars } = await pluginModule<{ bars: Seen[] }>(t, 'follower.js');
    assert.deepEqual(
      bars.filter((b) => b.seq === 1).map((b) => b.symbol),
      ['EURUSD', 'EURUSD', 'XAUUSD', 'XAUUSD'],
    );
    const later = bars.filter((b) => b.seq > 1);
    assert.ok(later.length >= 4, `H1 bars closed during 40 M5 cycles (${later.length})`);
    for (const b of later) {
      assert.equal(b.timeframe, 'H1');
      assert.ok(b.time + H1 <= b.now, 'closed when handed over');
      assert.ok(b.time + H1 > b.now - M5, 'handed over in the first cycle after it closed');
    }
  });

  it('a throwing onBar is TK_ERR_PLUGIN on the bar hook for that symbol; the cycle goes on and the next bar still comes', async () => {
    t = await startRun(baseConfig('agents: [{ use: ./follower.js }]\nplugins: [{ use: ./errors.js }]'), {
      'follower.js': follower('[{ timeframe: "M5" }]', "['EURUSD']", "if (cycle.seq === 2) throw new Error('state broke');"),
      'errors.js': `export const seen = [];
        export default { name: 'error-listener', version: '1.0.0', provides: ['hook'],
          setup(ctx) { ctx.hooks.error.tap('error-listener', (e) => seen.push(e)); } };`,
    });
    for (let i = 0; i < 3; i++) await t.run.cycle();
    const { seen } = await pluginModule<{ seen: TradekitError[] }>(t, 'errors.js');
    const { bars, scans } = await pluginModule<{ bars: Seen[]; scans: Scan[] }>(t, 'follower.js');
    assert.deepEqual(
      seen.map((e) => [e.code, e.plugin, e.hook, e.symbol]),
      [['TK_ERR_PLUGIN', 'follower', 'bar', 'EURUSD']],
    );
    assert.deepEqual(
      bars.map((b) => b.seq),
      [1, 3],
      'the bar of cycle 2 was lost to the throw, the next one came',
    );
    assert.ok(
      scans.some((s) => s.seq === 2),
      'cycle 2 still scanned',
    );
  });

  it('a source without columns gives the same bars through range queries, also answering with promises', async () => {
    const dir = path.join(EXAMPLES, 'data');
    const feedWith = async (make: (csv: CsvDataSource) => DataSource, steps: number[]) => {
      const clock = new SimClock(0);
      const csv = new CsvDataSource(clock, { dir, timeframes: ['M5', 'H1'], serverTime: { utcOffsetHours: 0, dst: 'none' } });
      await csv.load();
      const first = csv.store('EURUSD', 'M5').time[100]!;
      const hooks = createHooks();
      const got: [Timeframe, number | undefined, number, number, number][] = [];
      hooks.bar.tap('rec', (b: ClosedBar) => void got.push([b.timeframe, b.index, b.time, b.close, clock.now()]));
      const feeder = new BarFeeder(make(csv), hooks);
      feeder.follow('EURUSD', 'M5', 3);
      feeder.follow('EURUSD', 'H1', 2);
      feeder.follow('EURUSD', 'M5', 1); // the larger history stays
      const ctx = { signal: undefined } as unknown as CycleContext;
      let now = first + M5;
      for (const step of steps) {
        now += step;
        clock.set(now);
        await feeder.feed(ctx, now);
      }
      return got;
    };
    // Cycles of one bar, then gaps of several bars (several closed between two cycles).
    const steps = [0, M5, M5, 7 * M5, M5, 2 * H1 + 3 * M5, M5, M5, 13 * M5];
    const byIndex = await feedWith((csv) => csv, steps);
    const noColumns = (csv: CsvDataSource, async: boolean): DataSource => ({
      name: 'wrapped',
      listSymbols: () => csv.listSymbols(),
      symbolInfo: (s: string) => csv.symbolInfo(s),
      tick: (s: string) => csv.tick(s),
      bars: (s: string, tf: Timeframe, q: BarQuery): BarSeries | Promise<BarSeries> => {
        const b = csv.bars(s, tf, q);
        return async ? new Promise((r) => setImmediate(() => r(b))) : b;
      },
    });
    assert.deepEqual(await feedWith((csv) => noColumns(csv, false), steps), byIndex);
    assert.deepEqual(await feedWith((csv) => noColumns(csv, true), steps), byIndex);
    const m5 = byIndex.filter((b) => b[0] === 'M5');
    const h1 = byIndex.filter((b) => b[0] === 'H1');
    assert.equal(m5.length, 3 + steps.slice(1).reduce((n, s) => n + s / M5, 0), 'every M5 bar once');
    for (let i = 1; i < m5.length; i++) assert.equal(m5[i]![1], m5[i - 1]![1]! + 1);
    assert.ok(h1.length >= 4);
    for (const b of [...m5, ...h1]) assert.ok(b[2] + TIMEFRAME_MS[b[0]] <= b[4], 'never before it closed');
  });

  it('a source without columns and no bar yet is asked for the history again, never for everything since the beginning of time', async () => {
    const clock = new SimClock(0);
    const csv = new CsvDataSource(clock, { dir: path.join(EXAMPLES, 'data'), timeframes: ['M5'], serverTime: { utcOffsetHours: 0, dst: 'none' } });
    await csv.load();
    const queries: BarQuery[] = [];
    const src: DataSource = {
      name: 'wrapped',
      listSymbols: () => csv.listSymbols(),
      symbolInfo: (s: string) => csv.symbolInfo(s),
      tick: (s: string) => csv.tick(s),
      bars: (s: string, tf: Timeframe, q: BarQuery) => {
        queries.push(q);
        return csv.bars(s, tf, q);
      },
    };
    const hooks = createHooks();
    const got: number[] = [];
    hooks.bar.tap('rec', (b: ClosedBar) => void got.push(b.time));
    const feeder = new BarFeeder(src, hooks);
    feeder.follow('EURUSD', 'M5', 3);
    const ctx = { signal: undefined } as unknown as CycleContext;
    const t0 = csv.store('EURUSD', 'M5').time[0]!;
    for (const now of [t0, t0 + M5 - 1]) {
      clock.set(now);
      await feeder.feed(ctx, now);
    }
    assert.deepEqual(got, [], 'nothing closed yet');
    clock.set(t0 + 4 * M5);
    await feeder.feed(ctx, t0 + 4 * M5);
    clock.set(t0 + 5 * M5);
    await feeder.feed(ctx, t0 + 5 * M5);
    assert.deepEqual(got, [t0 + M5, t0 + 2 * M5, t0 + 3 * M5, t0 + 4 * M5], 'the history (3), then the next bar');
    assert.deepEqual(queries.slice(0, 3), [3, 3, 3], 'count queries while no bar was handed over');
    for (const q of queries.slice(3)) assert.ok(typeof q === 'object' && Number.isFinite(q.from), `a bounded range (${JSON.stringify(q)})`);
  });
});
