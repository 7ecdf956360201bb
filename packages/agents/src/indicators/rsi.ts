import { Wilder } from './ema.js';

/** Wilder's RSI: gains and losses smoothed with RMA; 100 when there was no loss. NaN until ready. */
export class Rsi {
  private readonly gain: Wilder;
  private readonly loss: Wilder;
  private prev = Number.NaN;
  value = Number.NaN;

  constructor(readonly period = 14) {
    this.gain = new Wilder(period);
    this.loss = new Wilder(period);
  }

  update(close: number): number {
    if (Number.isNaN(this.prev)) {
      this.prev = close;
      return this.value;
    }
    const d = close - this.prev;
    this.prev = close;
    const g = this.gain.update(Math.max(d, 0));
    const l = this.loss.update(d > 0 ? 0 : -d);
    if (!this.gain.ready) return this.value;
    this.value = l === 0 ? 100 : 100 - 100 / (1 + g / l);
    return this.value;
  }
}
