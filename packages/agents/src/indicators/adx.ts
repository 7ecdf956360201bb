import { Atr } from './atr.js';
import { Wilder } from './ema.js';

/**
 * Wilder's ADX with +DI/−DI. Directional movement: +DM = up-move when it is positive and not smaller
 * than the down-move (and symmetrically for −DM); the first bar contributes zero movement.
 * DM and TR are smoothed with RMA(period); ADX = RMA(period) of DX. NaN until ready (2·period − 1 bars).
 */
export class Adx {
  private readonly atr: Atr;
  private readonly up: Wilder;
  private readonly down: Wilder;
  private readonly dx: Wilder;
  private prevHigh = Number.NaN;
  private prevLow = Number.NaN;
  plusDi = Number.NaN;
  minusDi = Number.NaN;
  value = Number.NaN;

  constructor(readonly period = 14) {
    this.atr = new Atr(period);
    this.up = new Wilder(period);
    this.down = new Wilder(period);
    this.dx = new Wilder(period);
  }

  update(high: number, low: number, close: number): number {
    return this.updateWith(high, low, this.atr.update(high, low, close));
  }

  /**
   * `update` for a caller that already computed ATR(`period`) of the same bars (a feature track does):
   * the same values without a second true range and smoothing. Use one or the other, not both.
   */
  updateWith(high: number, low: number, atr: number): number {
    let pdm = 0;
    let mdm = 0;
    if (!Number.isNaN(this.prevHigh)) {
      const upMove = high - this.prevHigh;
      const downMove = this.prevLow - low;
      pdm = upMove < 0 || upMove < downMove ? 0 : upMove;
      mdm = downMove < 0 || downMove < upMove ? 0 : downMove;
    }
    this.prevHigh = high;
    this.prevLow = low;
    const p = this.up.update(pdm);
    const m = this.down.update(mdm);
    if (!this.up.ready) return this.value;
    let dx = 0;
    if (atr > 0) {
      this.plusDi = (100 * p) / atr;
      this.minusDi = (100 * m) / atr;
      const sum = this.plusDi + this.minusDi;
      dx = sum === 0 ? 0 : (100 * Math.abs(this.plusDi - this.minusDi)) / sum;
    } else {
      this.plusDi = 0;
      this.minusDi = 0;
    }
    this.value = this.dx.update(dx);
    return this.value;
  }
}
