/** The flat rows behind the CSV/JSON files and the report's thinning of long series. */
import assert from 'node:assert/strict';
import { drawdowns, toCsv, toJson } from '../src/backtest/rows.js';
import { thinCandles, thinEquity } from '../src/backtest/report-data.js';

describe('backtest output rows', () => {
  it('CSV quotes what needs quoting and leaves non-finite numbers empty', () => {
    const csv = toCsv([{ a: 'plain', b: 'with, comma', c: 'say "hi"', d: 1.5, e: Infinity }], ['a', 'b', 'c', 'd', 'e']);
    assert.equal(csv, 'a,b,c,d,e\nplain,"with, comma","say ""hi""",1.5,\n');
  });

  it('JSON writes a non-finite number (profit factor with no loss) as null', () => {
    assert.equal(toJson({ pf: Infinity, x: 1 }), '{\n  "pf": null,\n  "x": 1\n}\n');
  });

  it('drawdown runs from the peak that starts at the starting balance', () => {
    const eq = [9_900, 10_500, 9_450, 11_000].map((e, i) => ({ time: i, balance: e, equity: e }));
    const dd = drawdowns(eq, 10_000);
    assert.deepEqual([...dd.money], [100, 0, 1050, 0]);
    assert.deepEqual([...dd.pct], [1, 0, 10, 0]);
  });

  it('long candle series merge k bars into one OHLC candle', () => {
    const n = 10;
    const f = (g: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => g(i));
    const c = thinCandles({ time: f((i) => i * 60_000), open: f((i) => i), high: f((i) => i + 0.5), low: f((i) => i - 0.5), close: f((i) => i + 0.25) }, 4);
    assert.equal(c.merged, 3);
    assert.deepEqual(c.t, [0, 180, 360, 540]);
    assert.deepEqual(c.o, [0, 3, 6, 9]);
    assert.deepEqual(c.h, [2.5, 5.5, 8.5, 9.5]);
    assert.deepEqual(c.l, [-0.5, 2.5, 5.5, 8.5]);
    assert.deepEqual(c.c, [2.25, 5.25, 8.25, 9.25]);
  });

  it('a thinned equity curve keeps the lowest point and the deepest drawdown', () => {
    const n = 100_000;
    const time = Array.from({ length: n }, (_, i) => i * 1000);
    const equity = time.map((_, i) => 10_000 + Math.sin(i / 500) * 100 - (i === 61_234 ? 5_000 : 0));
    const dd = equity.map((e) => -Math.max(0, (10_100 - e) / 101));
    const t = thinEquity(time, equity, equity, dd, 20_000);
    assert.ok(t.thinned && t.t.length <= 20_000 + 5, `${t.t.length} points`);
    assert.equal(Math.min(...t.equity), Math.min(...equity));
    assert.equal(Math.min(...t.ddPct), Math.min(...dd));
    assert.equal(t.t[0], 0);
    assert.equal(t.t[t.t.length - 1], n - 1);
  });
});
