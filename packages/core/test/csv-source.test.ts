import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { CsvDataSource, SimClock, TIMEFRAME_MS, parseMt5Csv, serverToUtc, utcToServer, TradekitError } from '../src/index.js';
import { serverToUtcConverter } from '../src/data/server-time.js';
import { readColumnCache } from '../src/data/column-cache.js';
import { existsSync, utimesSync } from 'node:fs';
import { EXAMPLES, bars, tempDir, utc, writeCsv, type Row } from './helpers/fs.js';

describe('MT5 CSV data', () => {
  describe('parsing', () => {
    it('reads the shipped format into columns and infers digits', () => {
      const p = parseMt5Csv(
        'time,open,high,low,close,volume\n2026-05-13 06:10:00,1.17334,1.17354,1.17327,1.17335,177\n2026-05-13 06:15:00,1.17335,1.1735,1.17335,1.1734,153\n',
        'x.csv',
      );
      assert.equal(p.length, 2);
      assert.equal(p.time[0], Date.UTC(2026, 4, 13, 6, 10));
      assert.deepEqual([...p.close], [1.17335, 1.1734]);
      assert.equal(p.digits, 5);
    });

    it("reads MT5's own tab-separated export with separate date and time", () => {
      const text =
        '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n2026.05.13\t06:10:00\t1.17334\t1.17354\t1.17327\t1.17335\t177\t0\t12\n';
      const p = parseMt5Csv(text, 'x.csv');
      assert.equal(p.time[0], Date.UTC(2026, 4, 13, 6, 10));
      assert.equal(p.volume[0], 177);
      assert.deepEqual([...p.spread!], [12]);
    });

    it('reads a copy_rates frame written by pandas, spread column included', () => {
      const text =
        'time,open,high,low,close,tick_volume,spread,real_volume\n2026-05-13 06:10:00,1.17334,1.17354,1.17327,1.17335,177,9,0\n2026-05-13 06:15:00,1.17335,1.1735,1.17335,1.1734,153,31,0\n';
      const p = parseMt5Csv(text, 'x.csv');
      assert.deepEqual([...p.volume], [177, 153]);
      assert.deepEqual([...p.spread!], [9, 31]);
      assert.equal(parseMt5Csv('time,open,high,low,close,volume\n2026-05-13 06:10:00,1.1,1.1,1.1,1.1,5\n', 'x.csv').spread, undefined);
      // Spread in an unusual position (general path).
      const odd = parseMt5Csv('time,spread,open,high,low,close\n2026-05-13 06:10:00,14,1.1,1.2,1.0,1.1\n', 'x.csv');
      assert.deepEqual([...odd.spread!], [14]);
    });

    it('rejects a negative or missing spread with TK_ERR_DATA_BAD_BAR and the line', () => {
      for (const row of ['2026-01-05 10:05:00,1.1,1.2,1.0,1.1,5,-3', '2026-01-05 10:05:00,1.1,1.2,1.0,1.1,5']) {
        const text = `time,open,high,low,close,volume,spread\n2026-01-05 10:00:00,1.1,1.2,1.0,1.1,5,10\n${row}\n`;
        assert.throws(
          () => parseMt5Csv(text, 'bad.csv'),
          (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_BAD_BAR' && e.line === 3 && /spread/.test(e.message),
        );
      }
    });

    it('parses exactly like Number() for every price of a real file', async () => {
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(path.join(EXAMPLES, 'data', 'XAUUSD_M5.csv'), 'latin1');
      const p = parseMt5Csv(text, 'XAUUSD_M5.csv');
      const lines = text.trim().split('\n').slice(1);
      assert.equal(p.length, lines.length);
      for (let i = 0; i < lines.length; i += 97) {
        const f = lines[i]!.split(',');
        assert.deepEqual([p.open[i], p.high[i], p.low[i], p.close[i], p.volume[i]], f.slice(1).map(Number), `line ${i + 2}`);
      }
    });

    for (const [name, row, msg] of [
      ['a price that is not a number', '2026-01-05 10:05:00,1.1,abc,1.0,1.1,5', /not a positive number/],
      ['high below low', '2026-01-05 10:05:00,1.1,1.0,1.2,1.1,5', /inconsistent bar/],
      ['close outside the range', '2026-01-05 10:05:00,1.1,1.2,1.0,1.3,5', /inconsistent bar/],
      ['a negative volume', '2026-01-05 10:05:00,1.1,1.2,1.0,1.1,-5', /volume -5/],
      ['time going backwards', '2026-01-05 09:55:00,1.1,1.2,1.0,1.1,5', /not after the previous bar/],
      ['an unreadable time', '2026-13-45 10:05:00,1.1,1.2,1.0,1.1,5', /cannot read time/],
    ] as const) {
      it(`rejects ${name} with TK_ERR_DATA_BAD_BAR and the line`, () => {
        const text = `time,open,high,low,close,volume\n2026-01-05 10:00:00,1.1,1.2,1.0,1.1,5\n${row}\n`;
        assert.throws(
          () => parseMt5Csv(text, 'bad.csv'),
          (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_BAD_BAR' && e.line === 3 && msg.test(e.message),
        );
      });
    }
  });

  describe('server time', () => {
    const cfg = { utcOffsetHours: 2, dst: 'us' as const };
    it('is GMT+3 during US daylight saving and GMT+2 outside it', () => {
      assert.equal(serverToUtc(cfg, Date.UTC(2026, 4, 13, 6, 10)), Date.UTC(2026, 4, 13, 3, 10));
      assert.equal(serverToUtc(cfg, Date.UTC(2026, 0, 13, 6, 10)), Date.UTC(2026, 0, 13, 4, 10));
      // US DST 2026 starts Sunday March 8 07:00 UTC: the broker (Europe-side) clock moves with New York.
      assert.equal(serverToUtc(cfg, Date.UTC(2026, 2, 6, 12)), Date.UTC(2026, 2, 6, 10));
      assert.equal(serverToUtc(cfg, Date.UTC(2026, 2, 10, 12)), Date.UTC(2026, 2, 10, 9));
    });
    it('converts whole columns exactly like one stamp at a time', () => {
      const conv = serverToUtcConverter(cfg);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2031, 0, 1) }), { minLength: 1, maxLength: 200 }), (ts) => {
          for (const t of ts.sort((a, b) => a - b)) assert.equal(conv(t), serverToUtc(cfg, t));
        }),
      );
    });
    it('round-trips', () => {
      fc.assert(
        fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), (t0) => {
          const t = Math.floor(t0 / 60_000) * 60_000;
          assert.equal(serverToUtc(cfg, utcToServer(cfg, t)), t);
        }),
      );
    });
  });

  describe('CsvDataSource under a SimClock', () => {
    it('never returns a bar that closes after now, and quotes the open of the bar in progress', async () => {
      const { dir, cleanup } = tempDir();
      try {
        writeCsv(
          dir,
          'EURUSD',
          'M5',
          bars('2026-01-05 00:00', 5, 600, (i) => [1 + i / 1e4, 1 + i / 1e4 + 0.0005, 1 + i / 1e4 - 0.0005, 1 + i / 1e4 + 0.0001]),
        );
        writeCsv(
          dir,
          'EURUSD',
          'H1',
          bars('2026-01-04 00:00', 60, 80, (i) => [2 + i / 1e3, 2 + i / 1e3 + 0.001, 2 + i / 1e3 - 0.001, 2 + i / 1e3]),
        );
        const clock = new SimClock(0);
        const src = new CsvDataSource(clock, { dir, serverTime: { utcOffsetHours: 0, dst: 'none' } });
        await src.load();
        assert.deepEqual(src.timeframes('EURUSD'), ['M5', 'H1']);
        const start = utc('2026-01-05 00:00');
        fc.assert(
          fc.property(
            fc.integer({ min: start, max: start + 50 * 3_600_000 }),
            fc.constantFrom('M5' as const, 'H1' as const),
            fc.integer({ min: 1, max: 500 }),
            (t, tf, n) => {
              clock.set(Math.max(clock.now(), t));
              const now = clock.now();
              const b = src.bars('EURUSD', tf, n);
              for (let i = 0; i < b.length; i++) assert.ok(b.time[i]! + TIMEFRAME_MS[tf] <= now, 'no bar closes after now');
              const all = src.store('EURUSD', tf);
              const visible = [...all.time].filter((x) => x + TIMEFRAME_MS[tf] <= now).length;
              assert.equal(b.length, Math.min(n, visible), 'the last N visible bars');
              if (b.length) assert.equal(b.time[b.length - 1], all.time[visible - 1]);
              const range = src.bars('EURUSD', tf, { from: now - 10 * 3_600_000, to: now + 10 * 3_600_000 });
              for (let i = 0; i < range.length; i++) assert.ok(range.time[i]! + TIMEFRAME_MS[tf] <= now);
              const q = src.tick('EURUSD');
              assert.ok(q.time <= now, 'a quote is never from the future');
            },
          ),
          { numRuns: 300 },
        );
      } finally {
        cleanup();
      }
    });

    it("quoteInto writes the figures of tick into the caller's object; tick stays a new object per bar", async () => {
      const { dir, cleanup } = tempDir();
      try {
        // A spread column, a weekend gap (the market is closed in between) and the end of the data.
        const rows = [...bars('2026-01-09 21:00', 60, 3, (i) => [1.1 + i / 1e3, 1.102 + i / 1e3, 1.099 + i / 1e3, 1.1005 + i / 1e3])];
        rows.push(...bars('2026-01-11 22:00', 60, 3, (i) => [1.2 + i / 1e3, 1.202 + i / 1e3, 1.199 + i / 1e3, 1.2005 + i / 1e3]));
        writeFileSync(
          path.join(dir, 'EURUSD_H1.csv'),
          `time,open,high,low,close,volume,spread\n${rows.map((r, i) => `${r[0]},${r.slice(1, 5).join(',')},1,${7 + i}`).join('\n')}\n`,
        );
        const clock = new SimClock(utc('2026-01-09 20:00'));
        const src = new CsvDataSource(clock, { dir, serverTime: { utcOffsetHours: 0, dst: 'none' } });
        await src.load();
        const out = { symbol: '', time: 0, bid: 0, ask: 0, closed: true };
        assert.throws(
          () => src.quoteInto('EURUSD', out),
          (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_NO_PRICE',
        );
        assert.deepEqual(out, { symbol: '', time: 0, bid: 0, ask: 0, closed: true }, 'nothing written on an error');
        const seen = new Set<object>();
        let closedSeen = 0;
        for (let t = utc('2026-01-09 21:00'); t <= utc('2026-01-12 03:00'); t += 30 * 60_000) {
          clock.set(t);
          // Either order: the quote state is shared and both answer the same figures.
          if ((t / 60_000) % 60 === 0) src.quoteInto('EURUSD', out);
          const q = src.tick('EURUSD');
          src.quoteInto('EURUSD', out);
          assert.deepEqual(out, { ...q, closed: q.closed === true }, new Date(t).toISOString());
          assert.equal(src.tick('EURUSD'), q, 'the same Tick while the bar is unchanged');
          seen.add(q);
          if (q.closed) closedSeen++;
        }
        assert.ok(closedSeen > 0, 'the weekend and the end of the data are closed quotes');
        assert.ok(seen.size >= 7, 'a new Tick per bar (callers may keep them)');
      } finally {
        cleanup();
      }
    });

    it('converts server time at load and says which files are missing', async () => {
      const clock = new SimClock(utc('2026-05-13 12:00'));
      const src = new CsvDataSource(clock, {
        dir: path.join(EXAMPLES, 'data'),
        symbols: ['EURUSD'],
        timeframes: ['M5'],
        serverTime: { utcOffsetHours: 2, dst: 'us' },
      });
      await src.load();
      assert.equal(src.coverage('EURUSD', 'M5').from, utc('2026-05-13 03:10'));
      const missing = new CsvDataSource(clock, { dir: path.join(EXAMPLES, 'data'), symbols: ['EURGBP'], serverTime: { utcOffsetHours: 2, dst: 'us' } });
      await assert.rejects(missing.load(), (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_NOT_FOUND');
      assert.throws(
        () => src.bars('EURUSD', 'M1', 10),
        (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_NOT_FOUND',
      );
      assert.throws(
        () => src.tick('GBPJPY'),
        (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_SYMBOL',
      );
    });

    it('caches parsed columns next to the data and uses them until the CSV changes', async () => {
      const { dir, cleanup } = tempDir();
      try {
        const file = writeCsv(
          dir,
          'EURUSD',
          'M5',
          bars('2026-01-05 00:00', 5, 500, (i) => [1 + i / 1e5, 1 + i / 1e5 + 0.0002, 1 + i / 1e5 - 0.0002, 1 + i / 1e5 + 0.0001]),
        );
        const load = async () => {
          const src = new CsvDataSource(new SimClock(utc('2026-01-07 00:00')), { dir, serverTime: { utcOffsetHours: 2, dst: 'us' } });
          await src.load();
          await src.flushCache();
          return src;
        };
        const first = await load();
        const cacheFile = path.join(dir, '.tkcache', 'EURUSD_M5.csv.tkcol');
        assert.ok(existsSync(cacheFile), 'the cache was written next to the data');
        const cached = await readColumnCache(file);
        assert.equal(cached?.length, 500);
        assert.equal(cached?.digits, 5);
        const second = await load();
        for (const col of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
          assert.deepEqual([...second.store('EURUSD', 'M5')[col]], [...first.store('EURUSD', 'M5')[col]], col);
        }
        // Editing the CSV (size or mtime) invalidates the cache.
        writeCsv(dir, 'EURUSD', 'M5', bars('2026-01-05 00:00', 5, 400));
        utimesSync(file, new Date(), new Date(Date.now() + 5000));
        assert.equal(await readColumnCache(file), undefined);
        const third = await load();
        assert.equal(third.store('EURUSD', 'M5').length, 400);
      } finally {
        cleanup();
      }
    });

    it("infers a symbol's digits from a prefix of its data: later rows never change them (nor the past's point, spread, quotes)", async () => {
      const { dir, cleanup } = tempDir();
      try {
        // M5 from Monday 00:00: 300 bars written with 3 decimals, then 200 with 7 (a mutated future).
        // H1 from a week earlier: 4 decimals until Monday 09:00, 6 from then on.
        const m5 = (n: number): string => {
          const lines = ['time,open,high,low,close,volume'];
          for (let i = 0; i < n; i++) {
            const t = new Date(Date.UTC(2026, 0, 12) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
            const p = (x: number) => (i < 300 ? x.toFixed(3) : x.toFixed(7));
            const v = 1.1 + (i % 7) / 1000 + (i >= 300 ? 1.23e-5 : 0);
            lines.push(`${t},${p(v)},${p(v + 0.002)},${p(v - 0.002)},${p(v + 0.001)},10`);
          }
          return `${lines.join('\n')}\n`;
        };
        const h1 = ['time,open,high,low,close,volume'];
        for (let i = 0; i < 200; i++) {
          const t = Date.UTC(2026, 0, 5) + i * 3_600_000;
          const d = t < Date.UTC(2026, 0, 12, 9) ? 4 : 6;
          const v = 1.1 + (i % 5) / 1000 + 1.234567e-4;
          h1.push(
            `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')},${v.toFixed(d)},${(v + 0.003).toFixed(d)},${(v - 0.003).toFixed(d)},${v.toFixed(d)},10`,
          );
        }
        writeFileSync(path.join(dir, 'EURUSD_M5.csv'), m5(500));
        writeFileSync(path.join(dir, 'EURUSD_H1.csv'), `${h1.join('\n')}\n`);
        const parsed = parseMt5Csv(m5(500), 'm5.csv');
        assert.equal(parsed.digits, 7, 'the whole file has 7 decimals somewhere');
        assert.deepEqual(parsed.digitRows, [0, 3, 300, 7], 'where the decimals grew');
        const clock = new SimClock(Date.UTC(2026, 0, 12, 10));
        const load = async (o: Partial<ConstructorParameters<typeof CsvDataSource>[1]> = {}, d = dir) => {
          const src = new CsvDataSource(clock, { dir: d, serverTime: { utcOffsetHours: 0, dst: 'none' }, ...o });
          await src.load();
          await src.flushCache();
          return src;
        };
        // First 100 M5 bars (to Monday 08:15) and the H1 bars opening by then: 3 and 4 decimals.
        const src = await load();
        assert.equal(src.symbolInfo('EURUSD').digits, 4);
        assert.equal(src.symbolInfo('EURUSD').point, 0.0001);
        assert.equal((await load()).symbolInfo('EURUSD').digits, 4, 'the same from the column cache');
        assert.equal((await load({ columnCache: false, digitsFromBars: 1_000_000 })).symbolInfo('EURUSD').digits, 7, 'the whole file (the old rule)');
        assert.equal((await load({ columnCache: false, symbolInfo: { EURUSD: { digits: 5 } } })).symbolInfo('EURUSD').digits, 5, 'explicit digits win');
        // The same data cut at the clock (Monday 10:00: M5 bars to 10:00, H1 to 09:00): the same
        // contract, the same quote.
        const { dir: cutDir, cleanup: cleanCut } = tempDir();
        try {
          writeFileSync(path.join(cutDir, 'EURUSD_M5.csv'), m5(121));
          writeFileSync(path.join(cutDir, 'EURUSD_H1.csv'), `${h1.slice(0, 1 + 7 * 24 + 10).join('\n')}\n`);
          const cut = await load({ columnCache: false }, cutDir);
          assert.deepEqual(cut.symbolInfo('EURUSD'), src.symbolInfo('EURUSD'));
          assert.deepEqual(cut.tick('EURUSD'), src.tick('EURUSD'));
        } finally {
          cleanCut();
        }
      } finally {
        cleanup();
      }
    });

    it('quotes with the bar spread column, caches it, and ignores a column of zeros', async () => {
      const { dir, cleanup } = tempDir();
      try {
        const rows = bars('2026-01-05 00:00', 5, 20, () => [1.1, 1.1002, 1.0998, 1.1]).map(
          (r, i): Row => [r[0], r[1], r[2], r[3], r[4], 100, i === 10 ? 40 : 8],
        );
        const file = writeCsv(dir, 'EURUSD', 'M5', rows);
        writeCsv(
          dir,
          'GBPUSD',
          'M5',
          bars('2026-01-05 00:00', 5, 20, () => [1.3, 1.3, 1.3, 1.3]).map((r): Row => [r[0], r[1], r[2], r[3], r[4], 100, 0]),
        );
        const load = async (barSpread?: boolean) => {
          const src = new CsvDataSource(new SimClock(utc('2026-01-05 00:52')), {
            dir,
            serverTime: { utcOffsetHours: 0, dst: 'none' },
            barSpread,
            symbolInfo: { EURUSD: { spread: 15, digits: 5 }, GBPUSD: { spread: 15, digits: 5 } },
          });
          await src.load();
          await src.flushCache();
          return src;
        };
        const first = await load();
        // 00:52 is inside the 00:50 bar (index 10, spread 40 points).
        assert.equal(first.tick('EURUSD').ask, 1.1004);
        assert.equal(first.bars('EURUSD', 'M5', 3).spread?.length, 3);
        assert.equal(first.tick('GBPUSD').ask, 1.30015, 'zeros only: the fixed spread');
        assert.equal(first.store('GBPUSD', 'M5').spread, undefined);
        const cached = await readColumnCache(file);
        assert.deepEqual(
          [...cached!.spread!],
          rows.map((r) => r[6]),
        );
        const second = await load();
        assert.equal(second.tick('EURUSD').ask, 1.1004, 'from the column cache');
        assert.equal((await load(false)).tick('EURUSD').ask, 1.10015, 'barSpread: false');
      } finally {
        cleanup();
      }
    });

    it('refuses a file whose times overlap once converted with the wrong DST rule', async () => {
      const { dir, cleanup } = tempDir();
      try {
        // Hourly bars written with a fixed GMT+2 offset across the March switch: read with the US rule,
        // server 09:00 and 10:00 on March 8 would both be 07:00 UTC.
        const rows = bars('2026-03-07 20:00', 60, 40);
        writeFileSync(path.join(dir, 'notes.txt'), 'not a csv');
        writeCsv(dir, 'EURUSD', 'H1', rows);
        const src = new CsvDataSource(new SimClock(0), { dir, serverTime: { utcOffsetHours: 2, dst: 'us' } });
        await assert.rejects(src.load(), (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_BAD_BAR' && /dst: none/.test(e.message));
      } finally {
        cleanup();
      }
    });
  });
});
