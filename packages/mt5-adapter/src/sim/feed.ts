/**
 * Where a simulated symbol's ticks come from, one tick at a time and never ahead of the clock:
 * - `bars`: real bars (e.g. the MT5 sample CSVs) expanded into four ticks per bar — open, the two
 *   extremes (low first on an up bar, high first on a down bar) and close — with the bar's tick
 *   volume spread over them;
 * - `walk`: a seeded geometric random walk at a mean tick interval, silent while the market is closed;
 * - `manual`: no ticks of its own; prices move only through `Simulator.setPrice` (tests).
 * Spreads vary around the symbol's typical spread, widen right after the daily open and on random
 * "news" ticks.
 */
import { roundTo } from '@tradekit/core';
import type { Rng } from './rng.js';
import type { SymbolSpec } from './catalog.js';
import { nextOpen, type ServerClock } from './schedule.js';

export interface FeedTick {
  time: number;
  bid: number;
  ask: number;
  vol: number;
}

export interface TickFeed {
  /** Time of the next tick (Infinity when the feed has no more). */
  peek(): number;
  take(): FeedTick;
  /** Last time covered by the feed's data (Infinity for generated feeds). */
  readonly end: number;
}

export interface BarsInput {
  /** Bar open times, UTC ms, ascending. */
  time: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume?: ArrayLike<number>;
  /** Bar length in ms. */
  tfMs: number;
}

export interface SpreadModel {
  /** Multiplier right after the daily open (server 00:00–00:05). */
  openSpike: number;
  /** Probability that a tick is a "news" tick. */
  newsProbability: number;
  newsMultiplier: number;
  /** Uniform jitter around the typical spread (0.4 → ±20 %). */
  jitter: number;
}

export const DEFAULT_SPREAD_MODEL: SpreadModel = { openSpike: 4, newsProbability: 0.002, newsMultiplier: 3, jitter: 0.4 };

export function spreadPoints(spec: SymbolSpec, model: SpreadModel, rng: Rng, clock: ServerClock, utcMs: number): number {
  let s = spec.spread * (1 - model.jitter / 2 + model.jitter * rng.next());
  const sm = clock.toServerMs(utcMs) % 86_400_000;
  if (sm < 5 * 60_000) s *= model.openSpike;
  if (rng.next() < model.newsProbability) s *= model.newsMultiplier;
  return Math.max(1, Math.round(s));
}

export class BarsFeed implements TickFeed {
  private i = 0;
  private phase = 0;
  readonly end: number;

  constructor(
    private readonly bars: BarsInput,
    private readonly spec: SymbolSpec,
    private readonly spread: SpreadModel,
    private readonly rng: Rng,
    private readonly clock: ServerClock,
  ) {
    const n = bars.time.length;
    this.end = n ? bars.time[n - 1]! + bars.tfMs : 0;
  }

  private tickTime(i: number, phase: number): number {
    const t = this.bars.time[i]!;
    const L = this.bars.tfMs;
    // Open at the bar's open; extremes a third and two thirds in; close one second before the end.
    return phase === 0 ? t : phase === 1 ? t + Math.floor(L * 0.3) : phase === 2 ? t + Math.floor(L * 0.6) : t + L - Math.min(1000, Math.floor(L / 10));
  }

  peek(): number {
    return this.i < this.bars.time.length ? this.tickTime(this.i, this.phase) : Infinity;
  }

  take(): FeedTick {
    const i = this.i;
    const b = this.bars;
    const up = b.close[i]! >= b.open[i]!;
    const price = this.phase === 0 ? b.open[i]! : this.phase === 3 ? b.close[i]! : (this.phase === 1) === up ? b.low[i]! : b.high[i]!;
    const time = this.tickTime(i, this.phase);
    const vol = b.volume ? b.volume[i]! / 4 : 1;
    if (++this.phase === 4) {
      this.phase = 0;
      this.i++;
    }
    const bid = roundTo(price, this.spec.digits);
    const sp = spreadPoints(this.spec, this.spread, this.rng, this.clock, time);
    return { time, bid, ask: roundTo(bid + sp * this.spec.point, this.spec.digits), vol };
  }
}

export class WalkFeed implements TickFeed {
  readonly end = Infinity;
  private t: number;
  private bid: number;

  constructor(
    private readonly spec: SymbolSpec,
    private readonly spread: SpreadModel,
    private readonly rng: Rng,
    private readonly clock: ServerClock,
    start: number,
    private readonly meanTickMs: number,
  ) {
    this.bid = spec.refPrice;
    this.t = nextOpen(clock, start, spec.dailyBreak, spec.weekends);
  }

  peek(): number {
    return this.t;
  }

  take(): FeedTick {
    const time = this.t;
    const dt = this.meanTickMs * (0.5 + this.rng.next());
    this.bid = roundTo(this.bid * Math.exp(this.spec.volatility * Math.sqrt(dt / 1000) * this.rng.gaussian()), this.spec.digits);
    if (this.bid <= this.spec.point) this.bid = this.spec.point * 10;
    const sp = spreadPoints(this.spec, this.spread, this.rng, this.clock, time);
    this.t = nextOpen(this.clock, Math.round(time + dt), this.spec.dailyBreak, this.spec.weekends);
    return { time, bid: this.bid, ask: roundTo(this.bid + sp * this.spec.point, this.spec.digits), vol: 1 };
  }
}

export class ManualFeed implements TickFeed {
  readonly end = Infinity;
  peek(): number {
    return Infinity;
  }
  take(): FeedTick {
    throw new Error('a manual feed has no ticks of its own');
  }
}
