/**
 * Indicators against an independent implementation (trading-signals) on the sample data, and against
 * values worked out by hand on tiny series.
 */
import assert from 'node:assert/strict';
import { SimClock, type BarSeries } from '@tradekit/core';
import { ADX, ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'trading-signals';
import { Adx, Atr, Bollinger, Ema, Macd, RollingExtreme, Ring, Rsi, Sma, Wilder, FeatureTrack } from '@tradekit/agents';
import { sampleSource } from './helpers.js';

function close(a: number, b: number, rel = 1e-9): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

function num(v: unknown): number {
  return v === null || v === undefined ? Number.NaN : Number(v);
}

describe('indicators vs trading-signals on the sample data', () => {
  const series: Record<string, BarSeries> = {};
  before(async () => {
    const src = await sampleSource(new SimClock(8.64e15), ['EURUSD', 'XAUUSD', 'USDJPY', 'NAS100'], ['M5', 'H1']);
    for (const s of ['EURUSD', 'XAUUSD', 'USDJPY', 'NAS100']) series[s] = src.bars(s, 'M5', 4000);
    series['EURUSD H1'] = src.bars('EURUSD', 'H1', 3000);
  });

  for (const key of ['EURUSD', 'XAUUSD', 'USDJPY', 'NAS100', 'EURUSD H1']) {
    it(`${key}: SMA, EMA, RSI, ATR, ADX/DI, MACD, Bollinger agree bar by bar`, () => {
      const s = series[key]!;
      assert.ok(s.length >= 3000, `sample has ${s.length} bars`);
      const mine = {
        sma: new Sma(50),
        ema: new Ema(21),
        rsi: new Rsi(14),
        atr: new Atr(14),
        adx: new Adx(14),
        macd: new Macd(12, 26, 9),
        bb: new Bollinger(20, 2),
      };
      const ref = {
        sma: new SMA(50),
        ema: new EMA(21),
        rsi: new RSI(14),
        atr: new ATR(14),
        adx: new ADX(14),
        macd: new MACD(new EMA(12), new EMA(26), new EMA(9)),
        bb: new BollingerBands(20, 2),
      };
      let compared = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.close[i]!;
        const candle = { open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: c };
        const got = {
          sma: mine.sma.update(c),
          ema: mine.ema.update(c),
          rsi: mine.rsi.update(c),
          atr: mine.atr.update(candle.high, candle.low, c),
          adx: mine.adx.update(candle.high, candle.low, c),
        };
        mine.macd.update(c);
        mine.bb.update(c);
        ref.sma.add(c);
        ref.ema.add(c);
        ref.rsi.add(c);
        ref.atr.add(candle);
        ref.adx.add(candle);
        ref.macd.add(c);
        ref.bb.add(c);
        const want = {
          sma: num(ref.sma.getResult()),
          ema: num(ref.ema.getResult()),
          rsi: num(ref.rsi.getResult()),
          atr: num(ref.atr.getResult()),
          adx: num(ref.adx.getResult()),
        };
        for (const k of Object.keys(want) as (keyof typeof want)[]) {
          assert.ok(close(got[k], want[k]), `${key} bar ${i} ${k}: ours ${got[k]} vs trading-signals ${want[k]}`);
        }
        if (ref.adx.isStable) {
          assert.ok(close(mine.adx.plusDi, ref.adx.pdi! * 100), `+DI at ${i}`);
          assert.ok(close(mine.adx.minusDi, ref.adx.mdi! * 100), `−DI at ${i}`);
        }
        const m = ref.macd.getResult();
        if (m) {
          assert.ok(
            close(mine.macd.macd, m.macd) && close(mine.macd.signal, m.signal) && close(mine.macd.histogram, m.histogram),
            `MACD at ${i}: ${mine.macd.histogram} vs ${m.histogram}`,
          );
        } else assert.ok(Number.isNaN(mine.macd.histogram), `MACD ready too early at ${i}`);
        const b = ref.bb.getResult();
        if (b) {
          assert.ok(close(mine.bb.upper, b.upper) && close(mine.bb.middle, b.middle) && close(mine.bb.lower, b.lower), `Bollinger at ${i}`);
          compared++;
        } else assert.ok(Number.isNaN(mine.bb.middle), `Bollinger ready too early at ${i}`);
      }
      assert.ok(compared > s.length - 30);
    });
  }
});

describe('indicators on hand-computed series', () => {
  it('SMA(3) of 1..5 is NaN, NaN, 2, 3, 4', () => {
    const s = new Sma(3);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((v) => s.update(v)),
      [Number.NaN, Number.NaN, 2, 3, 4],
    );
  });

  it('EMA(3) seeds with the first value and uses α = 0.5', () => {
    const e = new Ema(3);
    const out = [2, 4, 6, 8].map((v) => e.update(v));
    // raw: 2, 3, 4.5, 6.25; reported from the 3rd value
    assert.deepEqual(out, [Number.NaN, Number.NaN, 4.5, 6.25]);
  });

  it('Wilder(3) starts at the SMA of the first 3, then prev + (v − prev)/3', () => {
    const w = new Wilder(3);
    const out = [3, 6, 9, 12].map((v) => w.update(v));
    assert.deepEqual(out, [Number.NaN, Number.NaN, 6, 8]);
  });

  it('RSI(2): gains 1, 1 then a loss of 2 → 100, then 33.3', () => {
    const r = new Rsi(2);
    const out = [10, 11, 12, 10].map((v) => r.update(v));
    // after 11, 12: avgGain 1, avgLoss 0 → 100; then gain (1·1+0)/2 = 0.5, loss (0·1+2)/2 = 1 → RS 0.5 → 33.33
    assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[1]!));
    assert.equal(out[2], 100);
    assert.ok(close(out[3]!, 100 - 100 / 1.5, 1e-12));
  });

  it('ATR(2) uses the true range across gaps', () => {
    const a = new Atr(2);
    a.update(11, 9, 10); // TR 2
    assert.equal(a.update(15, 13, 14), 3.5); // TR = max(2, |15−10|, |13−10|) = 5 → (2+5)/2
    assert.equal(a.update(14.5, 13.5, 14), 2.25); // TR 1 → 3.5 + (1 − 3.5)/2
  });

  it('ADX of a steady rise is 100 with −DI 0', () => {
    const x = new Adx(3);
    let v = Number.NaN;
    for (let i = 0; i < 20; i++) v = x.update(101 + i, 99 + i, 100 + i);
    assert.ok(close(v, 100, 1e-12));
    assert.equal(x.minusDi, 0);
  });

  it('Bollinger of a constant series has zero width; of [1,2,3] with k=1 spans ±√(2/3)', () => {
    const b = new Bollinger(3, 1);
    for (const v of [5, 5, 5]) b.update(v);
    assert.equal(b.width, 0);
    const c = new Bollinger(3, 1);
    for (const v of [1, 2, 3]) c.update(v);
    assert.ok(close(c.upper, 2 + Math.sqrt(2 / 3), 1e-12) && close(c.lower, 2 - Math.sqrt(2 / 3), 1e-12));
  });

  it('RollingExtreme matches a naive window max/min on random data', () => {
    let s = 7;
    const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const max = new RollingExtreme(13, 'max');
    const min = new RollingExtreme(13, 'min');
    const vals: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = Math.round(r() * 50);
      vals.push(v);
      const w = vals.slice(-13);
      assert.equal(max.update(v), Math.max(...w));
      assert.equal(min.update(v), Math.min(...w));
    }
  });

  it('Ring keeps the newest values, index 0 = newest', () => {
    const r = new Ring(3);
    for (const v of [1, 2, 3, 4]) r.push(v);
    assert.deepEqual([r.at(0), r.at(1), r.at(2)], [4, 3, 2]);
    assert.ok(Number.isNaN(r.at(3)));
    assert.deepEqual(r.toArray(), [2, 3, 4]);
  });

  it('FeatureTrack ignores bars it has already seen (idempotent feeds)', () => {
    const t = new FeatureTrack('X', 'M5');
    assert.equal(t.push(1000, 1, 2, 0.5, 1.5, 10), true);
    assert.equal(t.push(1000, 1, 2, 0.5, 1.5, 10), false);
    assert.equal(t.push(999, 1, 2, 0.5, 1.5, 10), false);
    assert.equal(t.bars, 1);
  });
});
