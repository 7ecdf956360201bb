/**
 * Rolling maximum or minimum over the last `period` values with a monotonic deque: amortised O(1)
 * per update. Values are addressed by a running index so the window can exclude the newest value.
 */
export class RollingExtreme {
  private readonly idx: number[] = [];
  private readonly val: number[] = [];
  private head = 0;
  private n = 0;

  constructor(
    readonly period: number,
    readonly kind: 'max' | 'min',
  ) {}

  /** Adds the next value; returns the extreme over the last `period` values including it. */
  update(v: number): number {
    const i = this.n++;
    const max = this.kind === 'max';
    // Drop the values the new one dominates (≥ for a maximum, ≤ for a minimum).
    while (this.val.length > this.head && (max ? v >= this.val[this.val.length - 1]! : v <= this.val[this.val.length - 1]!)) {
      this.val.pop();
      this.idx.pop();
    }
    this.val.push(v);
    this.idx.push(i);
    while (this.idx[this.head]! <= i - this.period) this.head++;
    if (this.head > 1024 && this.head * 2 > this.val.length) {
      this.val.splice(0, this.head);
      this.idx.splice(0, this.head);
      this.head = 0;
    }
    return this.val[this.head]!;
  }

  /** Current extreme over the last `period` values (NaN before the first value). */
  get value(): number {
    return this.val.length > this.head ? this.val[this.head]! : Number.NaN;
  }

  get ready(): boolean {
    return this.n >= this.period;
  }
}
