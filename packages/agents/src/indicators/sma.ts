import { Ring } from './ring.js';

/**
 * Simple moving average, updated per value in O(1). The running sum is re-derived from the window
 * every `period` updates so rounding error cannot accumulate over a long replay.
 */
export class Sma {
  private readonly ring: Ring;
  private sum = 0;
  private sinceResum = 0;
  value = Number.NaN;

  constructor(readonly period: number) {
    this.ring = new Ring(period);
  }

  update(v: number): number {
    const out = this.ring.push(v);
    this.sum += v - (Number.isNaN(out) ? 0 : out);
    if (++this.sinceResum >= this.period * 8) {
      this.sinceResum = 0;
      this.sum = this.ring.sum();
    }
    this.value = this.ring.full ? this.sum / this.period : Number.NaN;
    return this.value;
  }

  get ready(): boolean {
    return this.ring.full;
  }
}
