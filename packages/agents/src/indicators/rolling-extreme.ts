/**
 * Rolling maximum or minimum over the last `period` values with a monotonic deque: amortised O(1)
 * per update. Values are addressed by a running index so the window can exclude the newest value.
 * The deque is a fixed ring of `period + 1` slots (it never holds more), so an update allocates nothing.
 */
export class RollingExtreme {
  private readonly idx: Float64Array;
  private readonly val: Float64Array;
  private readonly cap: number;
  private readonly max: boolean;
  /** Slot of the front (the current extreme) and number of entries. */
  private head = 0;
  private size = 0;
  private n = 0;

  constructor(
    readonly period: number,
    readonly kind: 'max' | 'min',
  ) {
    this.cap = Math.max(1, period) + 1;
    this.idx = new Float64Array(this.cap);
    this.val = new Float64Array(this.cap);
    this.max = kind === 'max';
  }

  /** Adds the next value; returns the extreme over the last `period` values including it. */
  update(v: number): number {
    const i = this.n++;
    const cap = this.cap;
    const val = this.val;
    const idx = this.idx;
    let head = this.head;
    let size = this.size;
    // Drop the values the new one dominates (≥ for a maximum, ≤ for a minimum).
    while (size > 0) {
      let back = head + size - 1;
      if (back >= cap) back -= cap;
      const last = val[back]!;
      if (this.max ? v >= last : v <= last) size--;
      else break;
    }
    let at = head + size;
    if (at >= cap) at -= cap;
    val[at] = v;
    idx[at] = i;
    size++;
    while (idx[head]! <= i - this.period) {
      head = head + 1 === cap ? 0 : head + 1;
      size--;
    }
    this.head = head;
    this.size = size;
    return val[head]!;
  }

  /** Current extreme over the last `period` values (NaN before the first value). */
  get value(): number {
    return this.size > 0 ? this.val[this.head]! : Number.NaN;
  }

  get ready(): boolean {
    return this.n >= this.period;
  }
}
