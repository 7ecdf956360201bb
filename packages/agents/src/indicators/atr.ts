import { Wilder } from './ema.js';

/** True range: the bar's range extended to the previous close (the first bar: high − low). */
export function trueRange(high: number, low: number, prevClose: number): number {
  if (Number.isNaN(prevClose)) return high - low;
  return Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
}

/** Average true range with Wilder's smoothing. NaN until `period` bars. */
export class Atr {
  private readonly rma: Wilder;
  private prevClose = Number.NaN;
  value = Number.NaN;

  constructor(readonly period = 14) {
    this.rma = new Wilder(period);
  }

  update(high: number, low: number, close: number): number {
    const tr = trueRange(high, low, this.prevClose);
    this.prevClose = close;
    this.value = this.rma.update(tr);
    return this.value;
  }
}
