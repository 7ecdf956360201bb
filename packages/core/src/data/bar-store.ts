import type { BarSeries, Timeframe } from '../types.js';

/** Columnar bars for one symbol and timeframe, oldest first, times ascending (ms UTC, open time). */
export class BarStore implements BarSeries {
  constructor(
    readonly symbol: string,
    readonly timeframe: Timeframe,
    readonly time: Float64Array,
    readonly open: Float64Array,
    readonly high: Float64Array,
    readonly low: Float64Array,
    readonly close: Float64Array,
    readonly volume: Float64Array,
    readonly length = time.length,
  ) {}

  /** Number of bars with open time ≤ t (index of the first bar after t). */
  upperBound(t: number): number {
    const a = this.time;
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first bar with open time ≥ t. */
  lowerBound(t: number): number {
    const a = this.time;
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A zero-copy view of bars [start, end). */
  slice(start: number, end: number): BarSeries {
    const s = Math.max(0, start);
    const e = Math.min(this.length, Math.max(s, end));
    return {
      symbol: this.symbol,
      timeframe: this.timeframe,
      length: e - s,
      time: this.time.subarray(s, e),
      open: this.open.subarray(s, e),
      high: this.high.subarray(s, e),
      low: this.low.subarray(s, e),
      close: this.close.subarray(s, e),
      volume: this.volume.subarray(s, e),
    };
  }
}

export function emptySeries(symbol: string, timeframe: Timeframe): BarSeries {
  const z = new Float64Array(0);
  return { symbol, timeframe, length: 0, time: z, open: z, high: z, low: z, close: z, volume: z };
}
