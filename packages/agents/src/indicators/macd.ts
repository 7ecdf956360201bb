import { Ema } from './ema.js';

/**
 * MACD = EMA(fast) − EMA(slow) once `slow` closes were seen; signal = EMA(signalPeriod) of MACD
 * seeded with the first MACD value; histogram = MACD − signal.
 */
export class Macd {
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly sig: Ema;
  private count = 0;
  macd = Number.NaN;
  signal = Number.NaN;
  histogram = Number.NaN;

  constructor(
    readonly fastPeriod = 12,
    readonly slowPeriod = 26,
    readonly signalPeriod = 9,
  ) {
    // Both EMAs start from the first close; readiness is tracked here (after `slow` closes).
    this.fast = new Ema(fastPeriod, 1);
    this.slow = new Ema(slowPeriod, 1);
    this.sig = new Ema(signalPeriod, 1);
  }

  update(close: number): number {
    const f = this.fast.update(close);
    const s = this.slow.update(close);
    this.count++;
    if (this.count < this.slowPeriod) return this.histogram;
    this.macd = f - s;
    this.signal = this.sig.update(this.macd);
    this.histogram = this.macd - this.signal;
    return this.histogram;
  }
}
