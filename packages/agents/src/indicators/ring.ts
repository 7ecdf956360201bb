/** A fixed-capacity ring of numbers: O(1) push, index 0 = newest. */
export class Ring {
  private readonly buf: Float64Array;
  private head = -1;
  private n = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`ring capacity must be ≥ 1, got ${capacity}`);
    this.buf = new Float64Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === this.capacity;
  }

  /** Pushes `v`; returns the value that fell out (NaN when the ring was not full). */
  push(v: number): number {
    const head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.head = head;
    const out = this.n === this.capacity ? this.buf[head]! : Number.NaN;
    this.buf[head] = v;
    if (this.n < this.capacity) this.n++;
    return out;
  }

  /** `ago` = 0 is the newest value; NaN beyond what the ring holds. */
  at(ago: number): number {
    if (ago < 0 || ago >= this.n) return Number.NaN;
    const i = this.head - ago;
    return this.buf[i < 0 ? i + this.capacity : i]!;
  }

  /** Sum of the values, newest first (the order `at(0) + at(1) + …` adds them in). */
  sum(): number {
    const buf = this.buf;
    let s = 0;
    for (let i = this.head; i >= 0 && this.head - i < this.n; i--) s += buf[i]!;
    for (let i = this.capacity - 1, left = this.n - this.head - 1; left > 0; i--, left--) s += buf[i]!;
    return s;
  }

  /** Σ (value − mean)², newest first. */
  sumSquaredDeviations(mean: number): number {
    const buf = this.buf;
    let s = 0;
    for (let i = this.head; i >= 0 && this.head - i < this.n; i--) {
      const d = buf[i]! - mean;
      s += d * d;
    }
    for (let i = this.capacity - 1, left = this.n - this.head - 1; left > 0; i--, left--) {
      const d = buf[i]! - mean;
      s += d * d;
    }
    return s;
  }

  /** Oldest-first copy. */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = this.n - 1; i >= 0; i--) out.push(this.at(i));
    return out;
  }
}
