import { Ring } from './ring.js';

/**
 * Bollinger bands over `period` closes with population standard deviation (ddof 0, as the `ta`
 * library and trading-signals use). Mean and deviation are computed from the window itself each bar
 * (period is small), so there is no drift from a running sum of squares.
 */
export class Bollinger {
  private readonly ring: Ring;
  middle = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;

  constructor(
    readonly period = 20,
    readonly k = 2,
  ) {
    this.ring = new Ring(period);
  }

  update(close: number): void {
    this.ring.push(close);
    if (!this.ring.full) return;
    const n = this.period;
    const mean = this.ring.sum() / n;
    const sd = Math.sqrt(this.ring.sumSquaredDeviations(mean) / n);
    this.middle = mean;
    this.upper = mean + this.k * sd;
    this.lower = mean - this.k * sd;
  }

  /** (upper − lower) / middle: the band width as a fraction of price. */
  get width(): number {
    return (this.upper - this.lower) / this.middle;
  }
}
