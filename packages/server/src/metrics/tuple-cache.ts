/**
 * Entries keyed by a tuple of label values, held in nested Maps (one level per value, as the KPI
 * families index their series: no key string is built). At most `max` entries are kept; past that, a
 * new tuple's entry is made for the caller and not kept, so memory stays bounded whatever the labels.
 */
export class TupleCache<T> {
  private readonly root = new Map<string, unknown>();
  private count = 0;

  constructor(private readonly max: number) {}

  /** The entry for `key`, made by `make(key)` if there is none. */
  get(key: readonly string[], make: (key: readonly string[]) => T): T {
    let level = this.root;
    const last = key.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(key[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) {
        if (this.count >= this.max) return make(key);
        level.set(key[i]!, (next = new Map()));
      }
      level = next;
    }
    const hit = level.get(key[last]!) as T | undefined;
    if (hit !== undefined) return hit;
    const made = make(key);
    if (this.count < this.max) {
      level.set(key[last]!, made);
      this.count++;
    }
    return made;
  }

  /** Entries kept. */
  get size(): number {
    return this.count;
  }
}
