/**
 * A small map whose entries expire, for lookups on the request path (API keys, project settings)
 * that must not hit the meta store every time yet must notice changes made elsewhere.
 */
export class TtlCache<K, V> {
  private readonly map = new Map<K, { at: number; value: V }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
    /** Past this many entries the cache starts over, so unknown keys cannot grow it without bound. */
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value, or undefined when absent or expired. */
  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (!hit || this.now() - hit.at > this.ttlMs) return undefined;
    return hit.value;
  }

  set(key: K, value: V): void {
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, { at: this.now(), value });
  }

  clear(): void {
    this.map.clear();
  }
}
