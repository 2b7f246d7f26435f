/**
 * Partial answers over the whole hours of a range, kept in memory between requests (docs/retention.md, "Whole-hour
 * cache"). A view over 30 days spends almost all its time grouping the user-rollup rows of its whole hours — ~300k
 * (user, persona, session) rows at 10M events — and those rows change only when events of an hour before the current
 * one are rolled up (late events, and the last seconds of an hour that has just ended) or retention deletes old rows.
 * So a statement keeps what it grouped over the whole hours in tables of an in-memory database attached to the store
 * (`pulse_whole_hours`), and each request groups only the rest — raw events of under an hour at each end, and events
 * past the user rollups' watermark — and merges the two. A range that ends now has new whole hours once an hour: its
 * first request in each hour builds the tables again. Answers are the same as without the cache: the statements' tests
 * compare them with raw events' answers.
 *
 * Staleness is tracked by a version the user rollups move around every write that touches an hour before the current
 * one, and every retention delete (UserRollups.pastHoursVersion): odd while such a write is open, even otherwise.
 * Tables are built, and read, only while the version stays the same even number from before to after — else the
 * caller reads without them (its statement over all the range's rows), so a late event that lands meanwhile is never
 * missed nor counted twice. Each build is a new set of table names; an entry replaced or evicted is dropped once no
 * request reads it.
 */
import type { EventStore, QueryParam } from '../../store/types.js';

export const CACHE_DATABASE = 'pulse_whole_hours';
/**
 * After tables went stale before a second request read them (past hours changing all the time: a backfill, a client
 * whose clock runs behind), their key is answered without the cache this long rather than rebuilt at every request.
 */
const COOLDOWN_MS = 60_000;
/** Entries kept (least recently used go first): seven statements × three ranges of one project, and some more. */
const DEFAULT_ENTRIES = 32;

export interface CacheStatement {
  sql: string;
  params: QueryParam[];
}

interface Entry {
  version: number;
  /** Table name per part, `pulse_whole_hours.w<n>_<part>`. */
  names: Record<string, string>;
  ready: Promise<void>;
  readers: number;
  /** Requests that read the tables, the one that built them included. */
  uses: number;
  retired: boolean;
}

export interface WholeHourCacheStats {
  entries: number;
  builds: number;
  hits: number;
  /** Requests answered without the cache: a write to past hours was open or landed meanwhile, or a build failed. */
  bypassed: number;
  /** Builds that failed (other than for a write to past hours meanwhile). */
  failed: number;
}

export class WholeHourCache {
  private readonly entries = new Map<string, Entry>();
  /** Keys answered without the cache until then (COOLDOWN_MS). */
  private readonly cooling = new Map<string, number>();
  private attached: Promise<void> | null = null;
  private next = 0;
  private readonly counts = { builds: 0, hits: 0, bypassed: 0, failed: 0 };

  constructor(
    /** UserRollups.pastHoursVersion. */
    private readonly version: () => number,
    private readonly maxEntries = DEFAULT_ENTRIES,
    private readonly now: () => number = Date.now,
    private readonly cooldownMs = COOLDOWN_MS,
  ) {}

  stats(): WholeHourCacheStats {
    return { entries: this.entries.size, ...this.counts };
  }

  /**
   * `use`'s answer with the tables of `key` — one per name of `parts`, built by the statements `build` gives for
   * their full names when missing or stale — or null when they cannot be trusted for this request (then the caller
   * answers without them).
   */
  async with<T>(
    store: EventStore, key: string, parts: readonly string[], build: (names: Readonly<Record<string, string>>) => CacheStatement[],
    use: (names: Readonly<Record<string, string>>) => Promise<T>,
  ): Promise<T | null> {
    const v = this.version();
    if (v % 2 !== 0) return this.bypass();
    let entry = this.entries.get(key);
    if (entry !== undefined && entry.version !== v) {
      if (entry.uses <= 1) this.coolDown(key);
      this.retire(key, entry, store);
      entry = undefined;
    }
    if (entry === undefined) {
      const until = this.cooling.get(key);
      if (until !== undefined && this.now() < until) return this.bypass();
      this.cooling.delete(key);
      entry = this.create(store, key, parts, build, v);
      this.counts.builds++;
    } else {
      this.counts.hits++;
      // Map order is recency order.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    entry.readers++;
    try {
      try {
        await entry.ready;
      } catch {
        return this.bypass();
      }
      if (this.version() !== v) return this.bypass();
      entry.uses++;
      const answer = await use(entry.names);
      // A write to past hours during the statement: its snapshot may hold rows the tables lack, or miss rows that
      // left the raw edges for the tables.
      if (this.version() !== v) return this.bypass();
      return answer;
    } finally {
      entry.readers--;
      if (entry.retired) await this.dropIfIdle(store, entry);
    }
  }

  private coolDown(key: string): void {
    const now = this.now();
    if (this.cooling.size >= 256) for (const [k, until] of this.cooling) if (until <= now) this.cooling.delete(k);
    this.cooling.set(key, now + this.cooldownMs);
  }

  private bypass(): null {
    this.counts.bypassed++;
    return null;
  }

  private create(store: EventStore, key: string, parts: readonly string[], build: (names: Readonly<Record<string, string>>) => CacheStatement[], v: number): Entry {
    const id = ++this.next;
    const names = Object.fromEntries(parts.map((p) => [p, `${CACHE_DATABASE}.w${id}_${p}`]));
    const entry: Entry = { version: v, names, readers: 0, uses: 0, retired: false, ready: Promise.resolve() };
    entry.ready = (async () => {
      await this.attach(store);
      try {
        for (const s of build(names)) await store.query(s.sql, s.params);
        await narrowSums(store, id);
      } catch (error) {
        this.counts.failed++;
        throw error;
      }
      // Compresses the new tables (about half the memory); when another statement holds the database, a later one does.
      await store.query(`CHECKPOINT ${CACHE_DATABASE}`, []).catch(() => undefined);
      // Built across a write to past hours: not to be trusted (the next request builds again).
      if (this.version() !== v) throw new Error('past hours changed while the whole-hour tables were built');
    })().catch((error: unknown) => {
      this.retire(key, entry, store);
      throw error;
    });
    this.entries.set(key, entry);
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      if (e !== entry) this.retire(k, e, store);
    }
    return entry;
  }

  private attach(store: EventStore): Promise<void> {
    this.attached ??= store.query(`ATTACH IF NOT EXISTS ':memory:' AS ${CACHE_DATABASE} (COMPRESS)`, []).then(() => undefined, (error: unknown) => {
      this.attached = null;
      throw error;
    });
    return this.attached;
  }

  private retire(key: string, entry: Entry, store: EventStore): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.retired = true;
    void this.dropIfIdle(store, entry);
  }

  private async dropIfIdle(store: EventStore, entry: Entry): Promise<void> {
    if (entry.readers > 0) return;
    await entry.ready.catch(() => undefined);
    if (entry.readers > 0) return;
    for (const name of Object.values(entry.names)) await store.query(`DROP TABLE IF EXISTS ${name}`, []).catch(() => undefined);
  }
}

/**
 * Sums of integers are 128-bit (`HUGEINT`) in DuckDB, and a compressed in-memory table scans a bit-packed `HUGEINT`
 * column ~30× slower than a `BIGINT` one (87 ms against 1 ms over the margin's 310k session rows at 30 days of 10M
 * events). The cached sums are counts of events, far below 2^63: stored as `BIGINT`.
 */
async function narrowSums(store: EventStore, id: number): Promise<void> {
  const wide = await store.query(
    `SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? AND data_type = 'HUGEINT' AND starts_with(table_name, ?)`,
    [CACHE_DATABASE, `w${id}_`],
  );
  for (const { table_name, column_name } of wide) {
    await store.query(`ALTER TABLE ${CACHE_DATABASE}.${String(table_name)} ALTER COLUMN "${String(column_name)}" TYPE BIGINT`, []);
  }
}
