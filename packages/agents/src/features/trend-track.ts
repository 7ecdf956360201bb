/**
 * The close and its SMA50 per bar: all a higher-timeframe trend filter reads (`trendOf(close, sma50)`).
 * Fed the same bars as a FeatureTrack of that timeframe, it gives the same two numbers bit for bit
 * (the same `Sma` over the same closes), for a fraction of the work: the institutional agent's H1/H4
 * filters read these instead of full feature tracks.
 */
import { Sma } from '../indicators/sma.js';

export class TrendTrack {
  private readonly sma = new Sma(50);
  /** Close of the newest bar (NaN before any). */
  close = Number.NaN;
  /** SMA50 of the closes at the newest bar (NaN until 50 bars). */
  sma50 = Number.NaN;
  bars = 0;
  /** Open time of the newest bar. */
  lastTime = Number.NEGATIVE_INFINITY;

  constructor(
    readonly symbol: string,
    readonly timeframe: string,
  ) {}

  /** Feeds one closed bar; bars at or before the last one seen are ignored (as FeatureTrack.push). */
  push(time: number, close: number): boolean {
    if (!(time > this.lastTime)) return false;
    this.lastTime = time;
    this.bars++;
    this.close = close;
    this.sma50 = this.sma.update(close);
    return true;
  }

  /** Feeds every bar of a series newer than the last one seen; returns how many were new. */
  feed(s: { length: number; time: ArrayLike<number>; close: ArrayLike<number> }): number {
    let n = 0;
    const time = s.time;
    const close = s.close;
    for (let i = 0; i < s.length; i++) if (this.push(time[i]!, close[i]!)) n++;
    return n;
  }
}
