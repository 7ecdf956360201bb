/**
 * Every indicator the strategy reads, for one symbol and timeframe, updated once per new closed bar
 * (O(1) amortised per bar; nothing is recomputed over the history). The original rebuilt a pandas
 * feature frame of 2000 bars on every scan.
 */
import { Adx } from '../indicators/adx.js';
import { Atr } from '../indicators/atr.js';
import { Bollinger } from '../indicators/bollinger.js';
import { Ema } from '../indicators/ema.js';
import { Macd } from '../indicators/macd.js';
import { Ring } from '../indicators/ring.js';
import { RollingExtreme } from '../indicators/rolling-extreme.js';
import { Rsi } from '../indicators/rsi.js';
import { Sma } from '../indicators/sma.js';
import { BAR_CLOSE, BAR_FIELDS, BAR_HIGH, BAR_LOW, BAR_OPEN, BAR_TIME, BAR_VOLUME, SMC_DEFAULTS, SmcTracker, type SmcParams } from './smc.js';

export interface FeatureParams {
  smc: SmcParams;
  /** Bars over which RSI divergence is judged. */
  divergenceLookback: number;
  /** Period of the mean ATR used by the dead-market filter (the original: 100). */
  atrMeanPeriod: number;
}

export const FEATURE_DEFAULTS: FeatureParams = { smc: SMC_DEFAULTS, divergenceLookback: 14, atrMeanPeriod: 100 };

/** The features at the newest closed bar. NaN where an indicator is not warmed up yet. */
export interface Features {
  /** Open time of the newest closed bar. */
  time: number;
  bars: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  sma20: number;
  sma50: number;
  ema9: number;
  ema21: number;
  rsi: number;
  atr: number;
  /** ATR / SMA20(ATR). */
  volRatio: number;
  /** SMA(atrMeanPeriod) of ATR. */
  atrMean: number;
  adx: number;
  plusDi: number;
  minusDi: number;
  macd: number;
  macdSignal: number;
  macdHist: number;
  bbUpper: number;
  bbMiddle: number;
  bbLower: number;
  /** (upper − lower) / middle. */
  bbWidth: number;
  /** Volume / SMA20(volume). */
  volumeRatio: number;
  bullDivergence: boolean;
  bearDivergence: boolean;
}

export class FeatureTrack {
  private readonly sma20 = new Sma(20);
  private readonly sma50 = new Sma(50);
  private readonly ema9 = new Ema(9);
  private readonly ema21 = new Ema(21);
  private readonly rsi = new Rsi(14);
  private readonly atr = new Atr(14);
  private readonly adx = new Adx(14);
  private readonly macd = new Macd(12, 26, 9);
  private readonly bb = new Bollinger(20, 2);
  private readonly atrSma20 = new Sma(20);
  private readonly atrMean: Sma;
  private readonly volSma = new Sma(20);
  private readonly closeMax: RollingExtreme;
  private readonly closeMin: RollingExtreme;
  private readonly rsiMax: RollingExtreme;
  private readonly rsiMin: RollingExtreme;
  /** Recent closes (newest first via `at`). */
  readonly closes = new Ring(64);
  readonly macdHists = new Ring(8);
  readonly smc: SmcTracker;
  private f: Features;
  lastTime = Number.NEGATIVE_INFINITY;
  /** The bar being folded in (see `step`). */
  private readonly row = new Float64Array(BAR_FIELDS);

  constructor(
    readonly symbol: string,
    readonly timeframe: string,
    readonly params: FeatureParams = FEATURE_DEFAULTS,
  ) {
    this.atrMean = new Sma(params.atrMeanPeriod);
    this.closeMax = new RollingExtreme(params.divergenceLookback, 'max');
    this.closeMin = new RollingExtreme(params.divergenceLookback, 'min');
    this.rsiMax = new RollingExtreme(params.divergenceLookback, 'max');
    this.rsiMin = new RollingExtreme(params.divergenceLookback, 'min');
    this.smc = new SmcTracker(params.smc);
    this.f = emptyFeatures();
  }

  get bars(): number {
    return this.f.bars;
  }

  get features(): Readonly<Features> {
    return this.f;
  }

  /** Feeds one closed bar. Bars at or before the last one seen are ignored (idempotent). */
  push(time: number, o: number, h: number, l: number, c: number, v: number): boolean {
    const r = this.row;
    r[BAR_TIME] = time;
    r[BAR_OPEN] = o;
    r[BAR_HIGH] = h;
    r[BAR_LOW] = l;
    r[BAR_CLOSE] = c;
    r[BAR_VOLUME] = v;
    return this.step();
  }

  /** Feeds every bar of a series newer than the last one seen; returns how many were new. */
  feed(s: {
    length: number;
    time: ArrayLike<number>;
    open: ArrayLike<number>;
    high: ArrayLike<number>;
    low: ArrayLike<number>;
    close: ArrayLike<number>;
    volume: ArrayLike<number>;
  }): number {
    // Columns read once (a source's series may build them on first access, behind a getter).
    const { length, time, open, high, low, close, volume } = s;
    const r = this.row;
    let n = 0;
    for (let i = 0; i < length; i++) {
      r[BAR_TIME] = time[i]!;
      r[BAR_OPEN] = open[i]!;
      r[BAR_HIGH] = high[i]!;
      r[BAR_LOW] = low[i]!;
      r[BAR_CLOSE] = close[i]!;
      r[BAR_VOLUME] = volume[i]!;
      if (this.step()) n++;
    }
    return n;
  }

  /*
   * The bar in `row` through every indicator. The work is cut into a few steps that read the bar from
   * `row` and leave results in the features object: a step is small enough for the JIT to inline the
   * indicators it calls, and no number crosses a call it does not inline (such a number would be
   * boxed: one heap object per value per bar).
   */
  private step(): boolean {
    const time = this.row[BAR_TIME]!;
    if (!(time > this.lastTime)) return false;
    this.lastTime = time;
    const f = this.f;
    f.time = time;
    f.bars++;
    this.priceStep();
    this.rangeStep();
    this.divergenceStep();
    this.smc.updateBar(this.row, f.atr);
    this.closes.push(f.close);
    this.macdHists.push(f.macdHist);
    return true;
  }

  private priceStep(): void {
    const f = this.f;
    const r = this.row;
    const c = r[BAR_CLOSE]!;
    f.open = r[BAR_OPEN]!;
    f.high = r[BAR_HIGH]!;
    f.low = r[BAR_LOW]!;
    f.close = c;
    f.sma20 = this.sma20.update(c);
    f.sma50 = this.sma50.update(c);
    f.ema9 = this.ema9.update(c);
    f.ema21 = this.ema21.update(c);
    f.rsi = this.rsi.update(c);
    this.macd.update(c);
    f.macd = this.macd.macd;
    f.macdSignal = this.macd.signal;
    f.macdHist = this.macd.histogram;
    this.bb.update(c);
    f.bbUpper = this.bb.upper;
    f.bbMiddle = this.bb.middle;
    f.bbLower = this.bb.lower;
    f.bbWidth = this.bb.width;
  }

  private rangeStep(): void {
    const f = this.f;
    const r = this.row;
    const h = r[BAR_HIGH]!;
    const l = r[BAR_LOW]!;
    const v = r[BAR_VOLUME]!;
    f.atr = this.atr.update(h, l, r[BAR_CLOSE]!);
    f.adx = this.adx.updateWith(h, l, f.atr);
    f.plusDi = this.adx.plusDi;
    f.minusDi = this.adx.minusDi;
    const atrAvg = Number.isNaN(f.atr) ? Number.NaN : this.atrSma20.update(f.atr);
    f.volRatio = atrAvg > 0 ? f.atr / atrAvg : Number.NaN;
    f.atrMean = Number.isNaN(f.atr) ? Number.NaN : this.atrMean.update(f.atr);
    f.volume = v;
    const volAvg = this.volSma.update(v);
    f.volumeRatio = volAvg > 0 ? v / volAvg : Number.NaN;
  }

  /** Divergence: price beyond its prior extreme (the previous bars') while RSI is not; then the extremes take this bar. */
  private divergenceStep(): void {
    const f = this.f;
    const c = f.close;
    const priorCloseMax = this.closeMax.ready ? this.closeMax.value : Number.NaN;
    const priorCloseMin = this.closeMin.ready ? this.closeMin.value : Number.NaN;
    const priorRsiMax = this.rsiMax.ready ? this.rsiMax.value : Number.NaN;
    const priorRsiMin = this.rsiMin.ready ? this.rsiMin.value : Number.NaN;
    f.bearDivergence = c > priorCloseMax && f.rsi < priorRsiMax;
    f.bullDivergence = c < priorCloseMin && f.rsi > priorRsiMin;
    this.closeMax.update(c);
    this.closeMin.update(c);
    if (!Number.isNaN(f.rsi)) {
      this.rsiMax.update(f.rsi);
      this.rsiMin.update(f.rsi);
    }
  }
}

function emptyFeatures(): Features {
  const nan = Number.NaN;
  return {
    time: nan,
    bars: 0,
    open: nan,
    high: nan,
    low: nan,
    close: nan,
    volume: nan,
    sma20: nan,
    sma50: nan,
    ema9: nan,
    ema21: nan,
    rsi: nan,
    atr: nan,
    volRatio: nan,
    atrMean: nan,
    adx: nan,
    plusDi: nan,
    minusDi: nan,
    macd: nan,
    macdSignal: nan,
    macdHist: nan,
    bbUpper: nan,
    bbMiddle: nan,
    bbLower: nan,
    bbWidth: nan,
    volumeRatio: nan,
    bullDivergence: false,
    bearDivergence: false,
  };
}
