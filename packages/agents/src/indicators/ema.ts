/**
 * Exponential moving average with α = 2 / (period + 1), seeded with the first value (pandas
 * `ewm(span, adjust=False)`, the convention of the `ta` library the original used and of trading-signals).
 * `value` is NaN until `period` values have been seen.
 */
export class Ema {
  private readonly alpha: number;
  private count = 0;
  private raw = Number.NaN;
  value = Number.NaN;

  /** `readyAfter`: values needed before `value` is reported (default `period`). */
  constructor(
    readonly period: number,
    private readonly readyAfter = period,
  ) {
    this.alpha = 2 / (period + 1);
  }

  update(v: number): number {
    this.raw = this.count === 0 ? v : v * this.alpha + this.raw * (1 - this.alpha);
    this.count++;
    this.value = this.count >= this.readyAfter ? this.raw : Number.NaN;
    return this.value;
  }

  get ready(): boolean {
    return this.count >= this.readyAfter;
  }
}

/**
 * Wilder's smoothing (RMA): the first value is the SMA of the first `period` inputs, then
 * `prev + (v − prev) / period`.
 */
export class Wilder {
  private count = 0;
  private sum = 0;
  value = Number.NaN;

  constructor(readonly period: number) {}

  update(v: number): number {
    if (this.count < this.period) {
      this.sum += v;
      this.count++;
      if (this.count === this.period) this.value = this.sum / this.period;
      return this.value;
    }
    this.value += (v - this.value) / this.period;
    return this.value;
  }

  get ready(): boolean {
    return this.count >= this.period;
  }
}
