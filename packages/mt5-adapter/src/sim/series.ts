/**
 * One symbol's tick history (UTC ms, bid, ask, volume weight) in growable typed arrays, and bars of
 * any MT5 timeframe built from those ticks on demand (bid prices, opened on server-time boundaries,
 * tick_volume = ticks in the bar, spread = the last tick's spread in points). Bars are cached per
 * timeframe and extended incrementally as ticks arrive.
 */
import { TIMEFRAME, timeframeLengthMs } from '../mt5/constants.js';
import type { ServerClock } from './schedule.js';

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-04 was a Sunday: W1 bars open on Sunday 00:00 server time. */
const SUNDAY_OFFSET = 3 * 86_400_000;

export class TickSeries {
  time = new Float64Array(1024);
  bid = new Float64Array(1024);
  ask = new Float64Array(1024);
  vol = new Float64Array(1024);
  length = 0;

  push(time: number, bid: number, ask: number, vol: number): void {
    if (this.length === this.time.length) this.grow();
    const i = this.length++;
    this.time[i] = time;
    this.bid[i] = bid;
    this.ask[i] = ask;
    this.vol[i] = vol;
  }

  private grow(): void {
    const n = this.time.length * 2;
    for (const k of ['time', 'bid', 'ask', 'vol'] as const) {
      const a = new Float64Array(n);
      a.set(this[k]);
      this[k] = a;
    }
  }

  /** Index of the first tick with time ≥ t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.time[m]! < t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Number of ticks with time ≤ t. */
  upperBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.time[m]! <= t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
}

/** Bars of one timeframe; `time` is the open in server-time ms. */
export class BarSeries {
  time: number[] = [];
  open: number[] = [];
  high: number[] = [];
  low: number[] = [];
  close: number[] = [];
  tickVolume: number[] = [];
  spread: number[] = [];
  /** Ticks consumed so far. */
  consumed = 0;

  get length(): number {
    return this.time.length;
  }

  /** Index of the first bar with open ≥ t (server ms). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.time.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.time[m]! < t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  upperBound(t: number): number {
    let lo = 0;
    let hi = this.time.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.time[m]! <= t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
}

/** Server-time open of the bar containing `serverMs`. */
export function barOpen(tf: number, serverMs: number): number {
  if (tf === TIMEFRAME.MN1) {
    const d = new Date(serverMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (tf === TIMEFRAME.W1) return Math.floor((serverMs - SUNDAY_OFFSET) / WEEK_MS) * WEEK_MS + SUNDAY_OFFSET;
  const len = timeframeLengthMs(tf)!;
  return Math.floor(serverMs / len) * len;
}

export class RatesBook {
  private readonly bars = new Map<number, BarSeries>();

  constructor(
    private readonly ticks: TickSeries,
    private readonly clock: ServerClock,
    private readonly point: number,
  ) {}

  /** Bars of `tf` built from every tick so far. */
  series(tf: number): BarSeries {
    let b = this.bars.get(tf);
    if (!b) this.bars.set(tf, (b = new BarSeries()));
    const t = this.ticks;
    for (let i = b.consumed; i < t.length; i++) {
      const sm = this.clock.toServerMs(t.time[i]!);
      const open = barOpen(tf, sm);
      const bid = t.bid[i]!;
      const sp = Math.round((t.ask[i]! - bid) / this.point);
      const n = b.time.length;
      if (n && b.time[n - 1] === open) {
        if (bid > b.high[n - 1]!) b.high[n - 1] = bid;
        if (bid < b.low[n - 1]!) b.low[n - 1] = bid;
        b.close[n - 1] = bid;
        b.tickVolume[n - 1]! += t.vol[i]!;
        b.spread[n - 1] = sp;
      } else {
        b.time.push(open);
        b.open.push(bid);
        b.high.push(bid);
        b.low.push(bid);
        b.close.push(bid);
        b.tickVolume.push(t.vol[i]!);
        b.spread.push(sp);
      }
    }
    b.consumed = t.length;
    return b;
  }
}
