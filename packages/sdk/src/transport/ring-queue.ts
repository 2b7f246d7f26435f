/**
 * A fixed-capacity FIFO over a preallocated array: push and shift are O(1) with no reallocation, so
 * `track()` costs the same with 10 or 10,000 events waiting. Items are numbered in push order
 * (`seq`, starting at 1); `headSeq` is the number of the oldest item still queued.
 */
export class RingQueue<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;
  private pushedTotal = 0;
  private shiftedTotal = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Number of the last item pushed (0 when none yet). */
  get lastSeq(): number {
    return this.pushedTotal;
  }

  /** Number of the oldest queued item; `lastSeq + 1` when empty. */
  get headSeq(): number {
    return this.shiftedTotal + 1;
  }

  push(item: T): boolean {
    if (this.size === this.capacity) return false;
    this.items[(this.head + this.size) % this.capacity] = item;
    this.size++;
    this.pushedTotal++;
    return true;
  }

  /** Removes and returns up to `n` oldest items. */
  shift(n: number): T[] {
    const count = Math.min(n, this.size);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.size -= count;
    this.shiftedTotal += count;
    return out;
  }
}
