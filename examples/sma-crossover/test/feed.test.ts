/**
 * The agent fed bar by bar (`onBar`, what the engine does) decides exactly as the agent reading a
 * window per bar (what it does on a core without the bar feed): the same entries, skips and exits
 * on every bar of the sample data.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvDataSource, SimClock, TIMEFRAME_MS, type Action, type CycleContext, type Position, type ScanContext } from '@tradekit/core';
import { SmaCrossoverAgent } from '../src/index.js';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data');

describe('SMA crossover fed bar by bar', () => {
  for (const alwaysInMarket of [true, false]) {
    it(`decides like the window path on every bar (alwaysInMarket: ${alwaysInMarket})`, async () => {
      const clock = new SimClock(0);
      const data = new CsvDataSource(clock, { dir: DATA, timeframes: ['M5'], serverTime: { utcOffsetHours: 0, dst: 'none' } });
      await data.load();
      const store = data.store('EURUSD', 'M5');
      const cfg = { fast: 10, slow: 30, timeframe: 'M5' as const, volume: 0.1, alwaysInMarket, slPoints: 0, tpPoints: 0 };
      const fed = new SmaCrossoverAgent(['EURUSD'], cfg);
      const windowed = new SmaCrossoverAgent(['EURUSD'], cfg);
      assert.deepEqual(fed.barFeeds, [{ timeframe: 'M5', history: 31 }]);
      const positions: Position[] = [];
      const cycle = { data, positions } as unknown as CycleContext;
      const scan = { cycle, symbol: 'EURUSD' } as ScanContext;
      const tf = TIMEFRAME_MS.M5;
      const barAt = (i: number) => ({
        symbol: 'EURUSD',
        timeframe: 'M5' as const,
        index: i,
        time: store.time[i]!,
        open: store.open[i]!,
        high: store.high[i]!,
        low: store.low[i]!,
        close: store.close[i]!,
        volume: store.volume[i]!,
        spread: undefined,
      });
      const start = 100;
      // The first cycle: the feed's history (31 bars) ending at the newest closed bar.
      for (let i = start - 31; i < start; i++) fed.onBar(barAt(i));
      let entries = 0;
      let exits = 0;
      let openedAt = 0;
      for (let i = start; i < store.length; i++) {
        clock.set(store.time[i - 1]! + tf); // bar i − 1 has just closed
        if (i > start) fed.onBar(barAt(i - 1));
        // Not always in the market: the position goes (as if by its stop) a few bars later, so it enters again.
        if (!alwaysInMarket && positions.length && i - openedAt > 5) positions.length = 0;
        if (positions.length) {
          const a = fed.manage(cycle, positions[0]!) as Action[];
          assert.deepEqual(a, windowed.manage(cycle, positions[0]!) as Action[], `manage on bar ${i - 1}`);
          if (a.length) {
            positions.length = 0;
            exits++;
          }
        }
        const r = fed.scan(scan);
        assert.deepEqual(r, windowed.scan(scan), `scan on bar ${i - 1}`);
        // A second scan in the same bar: "acted on this bar" from both.
        assert.deepEqual(fed.scan(scan), windowed.scan(scan));
        if (r && 'side' in r) {
          positions.length = 0;
          positions.push({ id: String(i), symbol: 'EURUSD', side: r.side } as Position);
          entries++;
          openedAt = i;
        }
      }
      assert.ok(entries > 50, `the agent traded (${entries} entries)`);
      if (alwaysInMarket) assert.ok(exits > 50, `and closed on opposite crosses (${exits})`);
    });
  }
});
