/** The two encodings in Redis: results keep every number exactly; bar windows are binary and exact. */
import assert from 'node:assert/strict';
import type { BarSeries } from '@tradekit/core';
import { decodeWindow, encodeWindow, encodedSize } from '../src/cache/bar-codec.js';
import { decodeResult, encodeResult } from '../src/jobs/result-codec.js';
import { CLUSTER_VERSION } from '../src/version.js';
import { readFileSync } from 'node:fs';

function series(n: number, spread: boolean): BarSeries {
  const col = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  const s = {
    symbol: 'EURUSD',
    timeframe: 'M5' as const,
    length: n,
    time: col((i) => 1_780_000_000_000 + i * 300_000),
    open: col((i) => 1.1 + i / 1e5),
    high: col((i) => 1.2 + i / 1e5),
    low: col((i) => 1.0 + i / 1e5),
    close: col((i) => 1.15 + i / 1e5),
    volume: col((i) => (i === 1 ? NaN : i === 2 ? -0 : i * 3)),
  };
  return spread ? { ...s, spread: col((i) => i % 7) } : s;
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('result codec', () => {
  it('keeps Infinity, -Infinity, NaN and -0, which JSON alone turns into null or 0', () => {
    const v = {
      index: 3,
      ok: true,
      stats: { profitFactor: Infinity, sharpe: -Infinity, cagrPct: NaN, expectancy: -0, trades: 12 },
      label: 'x',
      list: [1, Infinity],
    };
    const back = decodeResult<typeof v>(encodeResult(v));
    assert.equal(back.stats.profitFactor, Infinity);
    assert.equal(back.stats.sharpe, -Infinity);
    assert.ok(Number.isNaN(back.stats.cagrPct));
    assert.ok(Object.is(back.stats.expectancy, -0));
    assert.deepEqual(back.list, [1, Infinity]);
    assert.equal(back.stats.trades, 12);
    assert.equal(back.label, 'x');
  });
});

describe('bar window codec', () => {
  for (const spread of [false, true]) {
    it(`round-trips every bit of every column${spread ? ' with a spread column' : ''} and the header times`, () => {
      const s = series(300, spread);
      const buf = encodeWindow(s, 1_780_000_600_000, 1_780_000_500_000);
      assert.equal(buf.length, encodedSize(s));
      assert.equal(buf.length, 32 + (spread ? 7 : 6) * 300 * 8, 'binary columns, no JSON');
      // A Buffer inside a larger allocation at an odd offset (as a driver may hand it over).
      const big = Buffer.alloc(buf.length + 3);
      buf.copy(big, 3);
      const w = decodeWindow(big.subarray(3), 'EURUSD', 'M5')!;
      assert.equal(w.expiresAt, 1_780_000_600_000);
      assert.equal(w.fetchedAt, 1_780_000_500_000);
      assert.equal(w.series.length, 300);
      assert.equal(w.series.symbol, 'EURUSD');
      assert.equal(w.series.timeframe, 'M5');
      for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) assert.equal(bits(w.series[k]), bits(s[k]), k);
      if (spread) assert.equal(bits(w.series.spread!), bits(s.spread!));
      else assert.equal(w.series.spread, undefined);
    });
  }

  it('an empty window round-trips; bytes of another format or length are not a window', () => {
    const e = decodeWindow(encodeWindow(series(0, false), 5, 1), 'X', 'H1')!;
    assert.equal(e.series.length, 0);
    assert.equal(decodeWindow(Buffer.from('{"json":true}'), 'X', 'H1'), undefined);
    const buf = encodeWindow(series(10, false), 5, 1);
    assert.equal(decodeWindow(buf.subarray(0, buf.length - 8), 'X', 'H1'), undefined);
  });
});

describe('package', () => {
  it("CLUSTER_VERSION is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(CLUSTER_VERSION, pkg.version);
  });
});
