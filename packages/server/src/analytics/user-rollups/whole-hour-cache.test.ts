import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { storedEvents } from '../../test-support/stored-events.js';
import { marginAnalytics } from '../margin.js';
import { personaAnalytics } from '../personas.js';
import type { RolledInput } from './read.js';
import { CACHE_DATABASE, WholeHourCache } from './whole-hour-cache.js';

/**
 * The whole-hour cache: built once per key and version, read until a write to past hours (late events) or a retention
 * delete moves the version on, never read while one is open or lands during a request; and the answers the
 * statements give with it are those of raw events, before and after late events.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const END = Date.parse('2026-03-31T13:37:00Z');
const P = 'p1';
let stores: EmbeddedStores | undefined;
afterEach(async () => {
  await stores?.close();
  stores = undefined;
});

function message(ts: number, user: string, session: string, persona: string): Record<string, unknown> {
  return { ts, type: 'message', user_id: user, session_id: session, persona, text: 'hello there' };
}

async function open(): Promise<EmbeddedStores> {
  stores = await openEmbeddedStores({ dataDir: ':memory:', userRollups: { now: () => END } });
  return stores;
}

async function add(s: EmbeddedStores, events: Record<string, unknown>[]): Promise<void> {
  await s.store.append({ events: storedEvents(events, END, P) });
  await s.userRollups!.catchUp();
}

const cacheTables = async (s: EmbeddedStores): Promise<string[]> =>
  (await s.store.query(`SELECT table_name FROM duckdb_tables() WHERE database_name = '${CACHE_DATABASE}' ORDER BY 1`, [])).map((r) => String(r.table_name));

describe('whole-hour cache', () => {
  it('builds once per key, is read until past hours change, and rebuilds then', async () => {
    const s = await open();
    let version = 0;
    let now = 0;
    const cache = new WholeHourCache(() => version, 2, () => now);
    let builds = 0;
    const build = (t: Readonly<Record<string, string>>) => {
      builds++;
      return [{ sql: `CREATE TABLE ${t.x} AS SELECT $1::INTEGER AS v`, params: [builds] }];
    };
    const read = (key: string) => cache.with(s.store, key, ['x'], build, async (t) => Number((await s.store.query(`SELECT v FROM ${t.x}`, []))[0]!.v));
    expect(await read('a')).toBe(1);
    expect(await read('a')).toBe(1);
    expect(builds).toBe(1);
    // A write to past hours: odd while open — not read, not built — then even again: built anew.
    version = 1;
    expect(await read('a')).toBeNull();
    expect(builds).toBe(1);
    version = 2;
    expect(await read('a')).toBe(2);
    expect(await read('a')).toBe(2);
    // Two keys at most: a third evicts the least recently used, whose tables are dropped.
    expect(await read('b')).toBe(3);
    expect(await read('c')).toBe(4);
    expect(cache.stats()).toMatchObject({ entries: 2, builds: 4, hits: 2, bypassed: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect((await cacheTables(s)).length).toBe(2);
    // A write landing during a request: its answer is not used.
    const during = await cache.with(s.store, 'c', ['x'], build, async () => {
      version = 4;
      return 'stale';
    });
    expect(during).toBeNull();
    // Tables that went stale before a second request read them: their key is answered without the cache for a
    // minute (past hours changing all the time), then built again.
    expect(await read('c')).toBe(5);
    version = 6;
    expect(await read('c')).toBeNull();
    expect(await read('c')).toBeNull();
    expect(cache.stats().builds).toBe(5);
    now += 61_000;
    expect(await read('c')).toBe(6);
    // A build that fails: not used, not kept.
    const failing = await cache.with(s.store, 'd', ['x'], () => [{ sql: 'SELECT no_such_column FROM no_such_table', params: [] }], async () => 'never');
    expect(failing).toBeNull();
    expect(cache.stats().entries).toBeLessThanOrEqual(2);
  });

  it('answers as raw events do, after late events too; events of this hour do not invalidate it', async () => {
    const s = await open();
    const rollups = s.userRollups!;
    const today = Math.floor(END / DAY) * DAY;
    // Three users over the last week, two personas; u1's session s1 runs across a midnight.
    await add(s, [
      message(today - 5 * DAY + 2 * HOUR, 'u1', 's1', 'scav'), message(today - 4 * DAY - 60_000, 'u1', 's1', 'scav'),
      message(today - 4 * DAY + 60_000, 'u1', 's1', 'toad'), message(today - 3 * DAY, 'u2', 's2', 'scav'),
      message(today - 2 * DAY, 'u2', 's3', 'scav'), message(today - DAY + HOUR, 'u3', 's4', 'toad'),
      { ts: today - 3 * DAY, type: 'llm', user_id: 'u2', persona: 'scav', session_id: 's2', model: 'gpt-4o-mini', cost_usd: 0.5 },
      { ts: today - 2 * DAY, type: 'payment', user_id: 'u2', value: 10, status: 'ok', attributes: { plan: 'pro' } },
    ]);
    const range = { startMs: END - 7 * DAY, endMs: END };
    const input = (cached: boolean): RolledInput => ({
      store: s.store, project: P, range, filters: [], userRollups: true, ...(cached ? { wholeHours: rollups.wholeHours } : {}),
    });
    const raw: RolledInput = { store: s.store, project: P, range, filters: [], userRollups: false };
    const same = async (): Promise<unknown> => {
      const [m, mr] = [await marginAnalytics(input(true), 10), await marginAnalytics(raw, 10)];
      const strip = (a: unknown) => JSON.parse(JSON.stringify(a, (k, v) => (k === 'elapsed_ms' ? undefined : v)));
      expect(strip(m)).toEqual(strip(mr));
      expect(strip(await personaAnalytics(input(true)))).toEqual(strip(await personaAnalytics(raw)));
      return m;
    };
    const first = (await same()) as { margin: { totals: { conversations: number } } };
    // s1, s2, s3, s4: the session across midnight and two personas counts once.
    expect(first.margin.totals.conversations).toBe(4);
    // margin's statement, and persona_analytics' users, interactions and topics.
    const built = rollups.wholeHours.stats().builds;
    expect(built).toBe(4);

    // Events of this hour, rolled up: past hours unchanged, so the tables are read again — with these rows added.
    const v = rollups.pastHoursVersion();
    await add(s, [message(END - 60_000, 'u1', 's1', 'scav'), message(END - 60_000, 'u4', 's5', 'scav')]);
    expect(rollups.pastHoursVersion()).toBe(v);
    const later = (await same()) as typeof first;
    // s1 again (in the whole days already), and s5.
    expect(later.margin.totals.conversations).toBe(5);
    expect(rollups.wholeHours.stats().builds).toBe(built);

    // An event of an earlier hour (a late one): past the watermark it is read raw; once rolled up the tables are built
    // again.
    await s.store.append({ events: storedEvents([message(today - 3 * DAY + HOUR, 'u5', 's6', 'toad')], END, P) });
    expect(((await same()) as typeof first).margin.totals.conversations).toBe(6);
    await rollups.catchUp();
    expect(rollups.pastHoursVersion()).toBeGreaterThan(v);
    expect(((await same()) as typeof first).margin.totals.conversations).toBe(6);
    expect(rollups.wholeHours.stats().builds).toBe(2 * built);

    // Retention with nothing expired writes nothing and leaves the version (and the tables) as they were; deleting
    // rows moves it on.
    const before = rollups.pastHoursVersion();
    expect(await rollups.deleteBefore(today - 30 * DAY)).toBe(0);
    expect(rollups.pastHoursVersion()).toBe(before);
    await same();
    expect(rollups.wholeHours.stats().builds).toBe(2 * built);
    expect(await rollups.deleteBefore(today - 2 * DAY)).toBeGreaterThan(0);
    expect(rollups.pastHoursVersion()).toBe(before + 2);
  });
});
