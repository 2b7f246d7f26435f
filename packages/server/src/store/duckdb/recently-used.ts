/**
 * Values by key, the least recently used dropped beyond `capacity` and handed to `evicted` (a prepared statement is
 * destroyed there). Map order doubles as recency order. Used by prepared-connection.ts for statements and by the
 * event store to tell a repeated query (event-store.ts).
 */
export class RecentlyUsed<V> {
  private readonly byKey = new Map<string, V>();

  constructor(
    private readonly capacity: number,
    private readonly evicted: (value: V) => void = () => undefined,
  ) {}

  /** The value of `key`, now the most recent; undefined when it is not kept. */
  get(key: string): V | undefined {
    const value = this.byKey.get(key);
    if (value !== undefined) {
      this.byKey.delete(key);
      this.byKey.set(key, value);
    }
    return value;
  }

  /** Keeps `value` as the most recent, dropping the least recent beyond capacity. */
  set(key: string, value: V): V {
    this.byKey.set(key, value);
    if (this.byKey.size > this.capacity) {
      const [oldestKey, oldest] = this.byKey.entries().next().value as [string, V];
      this.byKey.delete(oldestKey);
      this.evicted(oldest);
    }
    return value;
  }

  /** Whether `key` was among the recent ones; either way it is now the most recent. */
  seen(key: string, value: V): boolean {
    if (this.get(key) !== undefined) return true;
    this.set(key, value);
    return false;
  }

  clear(): void {
    for (const value of this.byKey.values()) this.evicted(value);
    this.byKey.clear();
  }
}
