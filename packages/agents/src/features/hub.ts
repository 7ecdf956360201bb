/**
 * One FeatureTrack per (symbol, timeframe, parameters), shared by every plugin of a run that asks for
 * it (agents and the trade manager read the same ATR). A track is brought up to the clock at most
 * once per clock time, and only the bars closed since the last update are fetched: the first call
 * reads `historyBars`, later calls ask for the open-time range after the newest bar seen.
 * Works with synchronous (CSV, paper) and asynchronous (MT5) data sources alike.
 */
import { andThen, type DataSource, type MaybePromise, type PluginContext, type Timeframe } from '@tradekit/core';
import { FEATURE_DEFAULTS, FeatureTrack, type FeatureParams } from './track.js';

interface Entry {
  track: FeatureTrack;
  /** Clock time of the last update. */
  at: number;
  pending?: Promise<FeatureTrack>;
}

export class FeatureHub {
  private readonly entries = new Map<string, Entry>();
  /** Bars read on a track's first update (the largest any user asked for). */
  historyBars = 500;
  /** Bars fetched in total (for benchmarks and tests). */
  fetched = 0;

  /** Raises the history read on first use (never lowers it). */
  requireHistory(bars: number): void {
    this.historyBars = Math.max(this.historyBars, bars);
  }

  /** The track for (symbol, timeframe, params), updated to `now`. */
  get(data: DataSource, symbol: string, timeframe: Timeframe, now: number, params: FeatureParams = FEATURE_DEFAULTS): MaybePromise<FeatureTrack> {
    const key = `${symbol}|${timeframe}|${paramsKey(params)}`;
    let e = this.entries.get(key);
    if (!e) {
      e = { track: new FeatureTrack(symbol, timeframe, params), at: Number.NEGATIVE_INFINITY };
      this.entries.set(key, e);
    }
    if (e.at === now) return e.track;
    if (e.pending) return e.pending;
    const entry = e;
    const track = e.track;
    const query = track.bars === 0 ? this.historyBars : { from: track.lastTime + 1, to: now };
    const r = andThen(data.bars(symbol, timeframe, query), (bars) => {
      this.fetched += bars.length;
      track.feed(bars);
      entry.at = now;
      entry.pending = undefined;
      return track;
    });
    if (r instanceof Promise) {
      entry.pending = r.catch((err: unknown) => {
        entry.pending = undefined;
        throw err;
      });
      return entry.pending;
    }
    return r;
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
