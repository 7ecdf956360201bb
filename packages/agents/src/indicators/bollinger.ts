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
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.ring.at(i);
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = this.ring.at(i) - mean;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / n);
    this.middle = mean;
    this.upper = mean + this.k * sd;
    this.lower = mean - this.k * sd;
  }

  /** (upper − lower) / middle: the band width as a fraction of price. */
  get width(): number {
    return (this.upper - this.lower) / this.middle;
  }
}
