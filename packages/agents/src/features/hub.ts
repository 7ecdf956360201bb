/**
 * One FeatureTrack per (symbol, timeframe, parameters), shared by every plugin of a run that asks for
 * it (agents and the trade manager read the same ATR). A track is brought up to the clock at most
 * once per clock time, and only the bars closed since the last update are read: the first call
 * reads `historyBars`; later calls look at the newest two closed bars (a window the source can hand
 * out again unchanged while no bar closes) and fold in the one new bar, or, after a longer gap, ask
 * for the open-time range after the newest bar seen. A higher timeframe's track therefore costs one
 * comparison per cycle until its next bar closes.
 * Works with synchronous (CSV, paper) and asynchronous (MT5) data sources alike.
 */
import { isPromiseLike, type BarSeries, type DataSource, type MaybePromise, type PluginContext, type Timeframe } from '@tradekit/core';
import { FEATURE_DEFAULTS, FeatureTrack, type FeatureParams } from './track.js';
import { TrendTrack } from './trend-track.js';

/** What the hub keeps up to date: a FeatureTrack, or a TrendTrack where only the trend is read. */
export interface BarTrack {
  readonly symbol: string;
  readonly timeframe: string;
  readonly bars: number;
  readonly lastTime: number;
  feed(s: BarSeries): number;
}

/** A track and when it was last brought up to the clock; callers may keep it (see `FeatureHub.entry`). */
export class HubEntry<T extends BarTrack = FeatureTrack> {
  /** Clock time of the last update. */
  at = Number.NEGATIVE_INFINITY;
  pending?: Promise<T>;

  constructor(readonly track: T) {}
}

export class FeatureHub {
  private readonly entries = new Map<string, HubEntry>();
  private readonly trends = new Map<string, HubEntry<TrendTrack>>();
  /** Bars read on a track's first update (the largest any user asked for). */
  historyBars = 500;
  /** Bars folded into tracks in total (for benchmarks and tests). */
  fetched = 0;

  /** Raises the history read on first use (never lowers it). */
  requireHistory(bars: number): void {
    this.historyBars = Math.max(this.historyBars, bars);
  }

  /** The entry of (symbol, timeframe, params), created on first use: a caller that keeps it skips the lookup. */
  entry(symbol: string, timeframe: Timeframe, params: FeatureParams = FEATURE_DEFAULTS): HubEntry {
    const key = `${symbol}|${timeframe}|${paramsKey(params)}`;
    let e = this.entries.get(key);
    if (!e) {
      e = new HubEntry(new FeatureTrack(symbol, timeframe, params));
      this.entries.set(key, e);
    }
    return e;
  }

  /**
   * The close-and-SMA50 track of (symbol, timeframe), created on first use: for readers of the trend
   * only (its history starts at its own first update, like a feature track's).
   */
  trendEntry(symbol: string, timeframe: Timeframe): HubEntry<TrendTrack> {
    const key = `${symbol}|${timeframe}`;
    let e = this.trends.get(key);
    if (!e) {
      e = new HubEntry(new TrendTrack(symbol, timeframe));
      this.trends.set(key, e);
    }
    return e;
  }

  /** The track for (symbol, timeframe, params), updated to `now`. */
  get(data: DataSource, symbol: string, timeframe: Timeframe, now: number, params: FeatureParams = FEATURE_DEFAULTS): MaybePromise<FeatureTrack> {
    return this.update(this.entry(symbol, timeframe, params), data, now);
  }

  /** An entry's track, updated to `now`. */
  update<T extends BarTrack>(e: HubEntry<T>, data: DataSource, now: number): MaybePromise<T> {
    if (e.at === now) return e.track;
    if (e.pending) return e.pending;
    const track = e.track;
    const r = data.bars(track.symbol, track.timeframe as Timeframe, track.bars === 0 ? this.historyBars : 2);
    if (!isPromiseLike(r)) return this.fold(e, data, now, r);
    const p = (async () => {
      try {
        return await this.fold(e, data, now, await r);
      } finally {
        e.pending = undefined;
      }
    })();
    e.pending = p;
    return p;
  }

  /** Folds the bars of `w` newer than the track's newest; a window that does not reach back to it means a gap: the range is read. */
  private fold<T extends BarTrack>(e: HubEntry<T>, data: DataSource, now: number, w: BarSeries): MaybePromise<T> {
    const track = e.track;
    if (track.bars > 0) {
      const n = w.length;
      const last = track.lastTime;
      const newest = n > 0 ? w.time[n - 1]! : Number.NEGATIVE_INFINITY;
      if (newest !== last && !(n > 0 && w.time[0]! <= last)) {
        const r = data.bars(track.symbol, track.timeframe as Timeframe, { from: last + 1, to: now });
        if (isPromiseLike(r)) return r.then((bars) => this.fed(e, now, bars));
        return this.fed(e, now, r);
      }
      if (newest === last) {
        e.at = now;
        return track;
      }
    }
    return this.fed(e, now, w);
  }

  private fed<T extends BarTrack>(e: HubEntry<T>, now: number, bars: BarSeries): T {
    this.fetched += e.track.feed(bars);
    e.at = now;
    return e.track;
  }
}

const paramKeys = new WeakMap<FeatureParams, string>();

/** The parameters as a key (remembered per parameters object: agents pass the same one every scan). */
function paramsKey(p: FeatureParams): string {
  let k = paramKeys.get(p);
  if (k === undefined) {
    const s = p.smc;
    k = `${s.lookback}/${s.momentum}/${s.sweepRecentBars}/${s.fvgMinAtr}/${s.maxZones}/${p.divergenceLookback}/${p.atrMeanPeriod}`;
    paramKeys.set(p, k);
  }
  return k;
}

/** Registered in the run's container so all plugins of a run share tracks. */
export const FeatureHubToken = Symbol.for('tradekit.agents.FeatureHub');

/** The run's FeatureHub: the one another plugin registered, or a new one registered now. */
export function featureHubOf(ctx: Pick<PluginContext, 'isRegistered' | 'resolve' | 'register'>): FeatureHub {
  if (ctx.isRegistered<FeatureHub>(FeatureHubToken)) return ctx.resolve<FeatureHub>(FeatureHubToken);
  const hub = new FeatureHub();
  ctx.register<FeatureHub>(FeatureHubToken, hub);
  return hub;
}
