/**
 * The `bar` hook's feed: every newly closed bar of each followed symbol and timeframe, oldest first,
 * once, at the start of the cycle in which it closed (agents declare what they follow with
 * `barFeeds`). The first cycle of a run hands over the feed's `history` first, so an incremental
 * state starts from the same bars a window would have shown it (a restart rebuilds it the same way).
 *
 * A source that keeps its history in columns (CSV, the backtest path) is read by index: one
 * comparison per feed and cycle when nothing closed, no window, no query. Any other source is asked
 * for the bars that opened after the last one handed over (one `bars` call per cycle in which a bar
 * can have closed). Never a bar whose close is after `now`: the columns hold the future too, so the
 * index walk stops at the clock exactly like the paper broker's trigger scan.
 */
import { TIMEFRAME_MS } from '../data/timeframes.js';
import type { EngineHooks } from '../hooks.js';
import type { CycleContext, DataSource } from '../interfaces.js';
import type { BarSeries, ClosedBar, MaybePromise, Timeframe } from '../types.js';
import { isPromiseLike } from '../util/maybe.js';
import { series } from './dispatch.js';

interface Feed {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly tfMs: number;
  history: number;
  /** The source's columns (undefined: ask `bars`); read once at the first cycle. */
  cols: BarSeries | undefined;
  /** Columns: the index of the next bar to hand over; −1 before the first cycle. */
  next: number;
  /** Open time of the last bar handed over (−Infinity before the first). */
  last: number;
  readonly bar: FeedBar;
}

export class BarFeeder {
  private readonly feeds: Feed[] = [];

  constructor(
    private readonly data: DataSource,
    private readonly hooks: EngineHooks,
  ) {}

  /** Follow `symbol` on `timeframe`; the largest `history` asked for wins. */
  follow(symbol: string, timeframe: Timeframe, history = 1): void {
    const h = Math.max(1, Math.floor(history));
    const known = this.feeds.find((f) => f.symbol === symbol && f.timeframe === timeframe);
    if (known) known.history = Math.max(known.history, h);
    else
      this.feeds.push({
        symbol,
        timeframe,
        tfMs: TIMEFRAME_MS[timeframe],
        history: h,
        cols: undefined,
        next: -1,
        last: -Infinity,
        bar: new FeedBar(symbol, timeframe),
      });
  }

  /** Something is followed and someone listens. */
  get active(): boolean {
    return this.feeds.length > 0 && this.hooks.bar.taps.length > 0;
  }

  /** Hands every bar closed by `now` and not handed over yet to the `bar` hook. */
  feed(ctx: CycleContext, now: number, from = 0): MaybePromise<void> {
    const feeds = this.feeds;
    for (let i = from; i < feeds.length; i++) {
      const r = this.feedOne(feeds[i]!, ctx, now);
      if (r !== undefined && isPromiseLike(r)) return this.feedLater(r as Promise<void>, ctx, now, i + 1);
    }
    return undefined;
  }

  // Continuations in methods of their own: a closure in these would allocate a context for what it
  // captures on every call (per feed and bar), also when everything answers synchronously.
  private feedLater(p: Promise<void>, ctx: CycleContext, now: number, next: number): Promise<void> {
    return p.then(() => this.feed(ctx, now, next));
  }

  private seriesLater(p: Promise<BarSeries>, f: Feed, ctx: CycleContext): Promise<void> {
    return p.then((s) => this.fromSeries(f, s, 0, ctx));
  }

  private columnsLater(p: Promise<void>, f: Feed, c: BarSeries, ctx: CycleContext, now: number): Promise<void> {
    return p.then(() => this.fromColumns(f, c, ctx, now));
  }

  private restLater(p: Promise<void>, f: Feed, s: BarSeries, next: number, ctx: CycleContext): Promise<void> {
    return p.then(() => this.fromSeries(f, s, next, ctx));
  }

  private feedOne(f: Feed, ctx: CycleContext, now: number): MaybePromise<void> {
    // The next bar to close opens after the last one handed over: nothing can have closed before then.
    if (now - f.tfMs <= f.last) return undefined;
    // Not started, or a source without columns that had no bar yet: ask for the history again (a
    // range query from the beginning of time could be the whole of a broker's history).
    if (f.next < 0 || (f.cols === undefined && f.last === -Infinity)) return this.start(f, ctx, now);
    if (f.cols !== undefined) return this.fromColumns(f, f.cols, ctx, now);
    const b = this.data.bars(f.symbol, f.timeframe, { from: f.last + 1, to: now - f.tfMs }, ctx.signal);
    return isPromiseLike(b) ? this.seriesLater(b as Promise<BarSeries>, f, ctx) : this.fromSeries(f, b as BarSeries, 0, ctx);
  }

  private start(f: Feed, ctx: CycleContext, now: number): MaybePromise<void> {
    let cols: BarSeries | undefined;
    try {
      cols = this.data.columns?.(f.symbol, f.timeframe);
    } catch {
      cols = undefined;
    }
    if (cols !== undefined) {
      f.cols = cols;
      // The newest `history` bars closed by now (the first index whose close is after now, by bisection).
      const t = cols.time;
      let lo = 0;
      let hi = cols.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (t[mid]! + f.tfMs <= now) lo = mid + 1;
        else hi = mid;
      }
      f.next = Math.max(0, lo - f.history);
      return this.fromColumns(f, cols, ctx, now);
    }
    f.next = 0;
    const b = this.data.bars(f.symbol, f.timeframe, f.history, ctx.signal);
    return isPromiseLike(b) ? this.seriesLater(b as Promise<BarSeries>, f, ctx) : this.fromSeries(f, b as BarSeries, 0, ctx);
  }

  private fromColumns(f: Feed, c: BarSeries, ctx: CycleContext, now: number): MaybePromise<void> {
    const t = c.time;
    const n = c.length;
    const tfMs = f.tfMs;
    for (let i = f.next; i < n && t[i]! + tfMs <= now; ) {
      const r = this.emit(f, c, i, i, ctx);
      f.next = ++i;
      if (r !== undefined && isPromiseLike(r)) return this.columnsLater(r as Promise<void>, f, c, ctx, now);
    }
    return undefined;
  }

  private fromSeries(f: Feed, s: BarSeries, from: number, ctx: CycleContext): MaybePromise<void> {
    const first = s.end !== undefined ? s.end - s.length : undefined;
    for (let i = from; i < s.length; i++) {
      // A source answering a range query may repeat the last bar handed over: never twice.
      if (s.time[i]! <= f.last) continue;
      const r = this.emit(f, s, i, first === undefined ? undefined : first + i, ctx);
      if (r !== undefined && isPromiseLike(r)) return this.restLater(r as Promise<void>, f, s, i + 1, ctx);
    }
    return undefined;
  }

  private emit(f: Feed, s: BarSeries, i: number, index: number | undefined, ctx: CycleContext): MaybePromise<void> {
    // One bar object per feed, written for each bar (valid during the hook call, like the cycle's
    // context): a backtest hands over a million bars without a million objects.
    const bar = f.bar;
    bar.index = index;
    bar.time = s.time[i]!;
    bar.open = s.open[i]!;
    bar.high = s.high[i]!;
    bar.low = s.low[i]!;
    bar.close = s.close[i]!;
    bar.volume = s.volume[i]!;
    bar.spread = s.spread === undefined ? undefined : s.spread[i];
    f.last = bar.time;
    return series(this.hooks.bar, bar, ctx);
  }
}

/** A feed's bar (fields are doubles from the first write on: stored in place, no number boxed per bar). */
class FeedBar implements ClosedBar {
  index: number | undefined = undefined;
  time = Number.NaN;
  open = Number.NaN;
  high = Number.NaN;
  low = Number.NaN;
  close = Number.NaN;
  volume = Number.NaN;
  spread: number | undefined = undefined;

  constructor(
    readonly symbol: string,
    readonly timeframe: Timeframe,
  ) {}
}
