/** A FIFO with a capacity: pushing into a full queue drops the oldest item and counts it. */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
    if (this.length > this.capacity) {
      this.head++;
      this.dropped++;
    }
    // Compact now and then so the array does not grow with the dropped prefix.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Removes and returns everything queued. */
  drain(): T[] {
    const out = this.head ? this.items.slice(this.head) : this.items;
    this.items = [];
    this.head = 0;
    return out;
  }
}
