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
    this.head = (this.head + 1) % this.capacity;
    const out = this.n === this.capacity ? this.buf[this.head]! : Number.NaN;
    this.buf[this.head] = v;
    if (this.n < this.capacity) this.n++;
    return out;
  }

  /** `ago` = 0 is the newest value; NaN beyond what the ring holds. */
  at(ago: number): number {
    if (ago < 0 || ago >= this.n) return Number.NaN;
    return this.buf[(this.head - ago + this.capacity * 2) % this.capacity]!;
  }

  /** Oldest-first copy. */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = this.n - 1; i >= 0; i--) out.push(this.at(i));
    return out;
  }
}
