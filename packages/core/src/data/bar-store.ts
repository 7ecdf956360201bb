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
    /** Spread per bar in points, when the source recorded one. */
    readonly spread?: Float64Array,
  ) {}

  /** The whole history: its end is its length. */
  get end(): number {
    return this.length;
  }

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

  /** A zero-copy view of bars [start, end); columns are cut when first read. */
  slice(start: number, end: number): BarSeries {
    const s = Math.max(0, start);
    return new BarWindow(this, s, Math.min(this.length, Math.max(s, end)));
  }

  /**
   * Number of bars with open time ≤ t, remembered between calls: when time only moves forward (a
   * replay or a backtest) the next answer is a step or two from the last, not a binary search.
   */
  countUpTo(t: number): number {
    const c = this.cursor;
    if (t >= c.t) {
      let i = c.n;
      const a = this.time;
      const len = Math.min(this.length, i + 64);
      while (i < len && a[i]! <= t) i++;
      // A long jump forward: a binary search beats walking on.
      c.n = i === len && i < this.length && a[i]! <= t ? this.upperBound(t) : i;
    } else c.n = this.upperBound(t);
    c.t = t;
    return c.n;
  }

  private readonly cursor = { t: -Infinity, n: 0 };
  private readonly windows = new Map<number, BarWindow>();

  /** The last `count` bars ending before index `end`; the same (immutable) window while `end` is unchanged. */
  window(end: number, count: number): BarSeries {
    const w = this.windows.get(count);
    if (w !== undefined && w.end === end) return w;
    const next = new BarWindow(this, Math.max(0, end - count), Math.max(0, end));
    this.windows.set(count, next);
    return next;
  }
}

/**
 * A window of a BarStore: `length` bars from `start`. Each column is a subarray made on first access
 * (an agent that reads only `close` pays for one view, not six). Nothing past the window is reachable.
 */
export class BarWindow implements BarSeries {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly length: number;
  private t?: Float64Array;
  private o?: Float64Array;
  private h?: Float64Array;
  private l?: Float64Array;
  private c?: Float64Array;
  private v?: Float64Array;
  private sp?: Float64Array;

  constructor(
    private readonly store: BarStore,
    private readonly start: number,
    readonly end: number,
  ) {
    this.symbol = store.symbol;
    this.timeframe = store.timeframe;
    this.length = end - start;
  }

  get time(): Float64Array {
    return (this.t ??= this.store.time.subarray(this.start, this.end));
  }
  get open(): Float64Array {
    return (this.o ??= this.store.open.subarray(this.start, this.end));
  }
  get high(): Float64Array {
    return (this.h ??= this.store.high.subarray(this.start, this.end));
  }
  get low(): Float64Array {
    return (this.l ??= this.store.low.subarray(this.start, this.end));
  }
  get close(): Float64Array {
    return (this.c ??= this.store.close.subarray(this.start, this.end));
  }
  get volume(): Float64Array {
    return (this.v ??= this.store.volume.subarray(this.start, this.end));
  }
  get spread(): Float64Array | undefined {
    const all = this.store.spread;
    return all === undefined ? undefined : (this.sp ??= all.subarray(this.start, this.end));
  }

  /** The same columns as plain data (for JSON and structured clone). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      symbol: this.symbol,
      timeframe: this.timeframe,
      length: this.length,
      time: [...this.time],
      open: [...this.open],
      high: [...this.high],
      low: [...this.low],
      close: [...this.close],
      volume: [...this.volume],
    };
    const sp = this.spread;
    if (sp !== undefined) out.spread = [...sp];
    return out;
  }
}

export function emptySeries(symbol: string, timeframe: Timeframe): BarSeries {
  const z = new Float64Array(0);
  return { symbol, timeframe, length: 0, time: z, open: z, high: z, low: z, close: z, volume: z };
}
