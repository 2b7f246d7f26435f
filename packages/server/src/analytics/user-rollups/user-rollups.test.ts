import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { retentionTask } from '../../store/retention.js';
import { syntheticEvents } from '../../synthetic/index.js';
import type { Filter, TimeRange } from '../../query/types.js';
import { conversationAnalytics } from '../conversations.js';
import { userPersonaAnalytics } from '../preferences.js';
import { marginAnalytics } from '../margin.js';
import { personaAnalytics } from '../personas.js';
import { personaRelationships } from '../relationships.js';
import { banterAnalytics } from '../banter.js';
import { userDetail } from '../user-detail.js';
import { userAnalytics } from '../users.js';
import type { RolledInput } from '../common.js';
import { storedEvents } from '../../test-support/stored-events.js';

/**
 * The user rollups answer exactly what raw events do: every endpoint that reads them, on the demo world, compared
 * with the same endpoint reading raw events only (`userRollups: false`) — with part of the events past the
 * watermark, late events (old timestamps, committed after their days were rolled up: some merged by a later write,
 * some still past the watermark), ranges that start and end mid-day and mid-hour (day rows, hour rows at the edges,
 * raw events under an hour at each end), and filters — with delta rows beside merged ones; and the same with the
 * whole-day cache, whose tables the catch-ups between comparisons (late events among them) make stale.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const END = Date.parse('2026-03-31T13:37:00Z');
const P = 'p1';
let stores: EmbeddedStores;

const stored = (raw: unknown[]): StoredEvent[] => storedEvents(raw, END, P);

/** Late copies of `events`: moved `days` back, some re-attributed to users never seen before. */
function late(events: readonly Record<string, unknown>[], days: number, tag: string): Record<string, unknown>[] {
  return events.map((e, i) => ({
    ...e, id: undefined, ts: (e.ts as number) - days * DAY - i * 611_000,
    ...(i % 3 === 0 && e.user_id !== undefined ? { user_id: `${tag}-${i % 7}`, session_id: `${tag}-s${i % 5}` } : {}),
    ...(i % 11 === 0 ? { type: 'payment', status: i % 2 === 0 ? 'ok' : 'error', value: 9.99, attributes: { plan: `plan-${tag}` } } : {}),
  }));
}

async function append(events: StoredEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 5_000) await stores.store.append({ events: events.slice(i, i + 5_000) });
}

beforeAll(async () => {
  // Small slices and merges, so a few thousand events make several of each.
  // No cool-down of the whole-hour cache: each comparison builds its tables again after the catch-ups between them.
  stores = await openEmbeddedStores({ dataDir: ':memory:', userRollups: { sliceEvents: 7_000, compactMinRows: 200, cacheCooldownMs: 0 } });
  const world = [...syntheticEvents({ seed: 11, startMs: END - 30 * DAY, endMs: END, count: 60_000 })] as unknown as Record<string, unknown>[];
  const half = Math.floor(world.length * 0.35);
  const cut = Math.floor(world.length * 0.7);
  await append(stored(world.slice(0, half)));
  await stores.userRollups!.catchUp();
  await append(stored(world.slice(half, cut)));
  const run = await stores.userRollups!.catchUp();
  expect(run.slices).toBeGreaterThan(2);
  expect(run.compacted).toBeGreaterThan(0);
  // Late events added to days already rolled up, some of them earlier than users' first events.
  await append(stored(late(world.slice(cut, cut + 400), 9, 'late1')));
  await stores.userRollups!.catchUp();
  // The rest, and more late events, past the watermark.
  await append(stored(world.slice(cut)));
  await append(stored(late(world.slice(cut - 300, cut), 4, 'late2')));
}, 120_000);
afterAll(async () => {
  await stores?.close();
});

/** The answer without its timing. */
function strip(answer: unknown): unknown {
  return JSON.parse(JSON.stringify(answer, (k, v) => (k === 'elapsed_ms' ? undefined : v)));
}

/**
 * Deep equality; counts exactly, money to its last rounded digit (1e-6: a sum of doubles added in another order can
 * round the other way at the sixth decimal).
 */
function expectSame(a: unknown, b: unknown, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) expect(a, path).toBe(b);
    else expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1.000001e-6 + 1e-12 * Math.abs(a));
    return;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    expect(a, path).toEqual(b);
    return;
  }
  expect(Object.keys(a as object).sort(), path).toEqual(Object.keys(b as object).sort());
  for (const k of Object.keys(a as object)) expectSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
}

const RANGES: Array<[string, TimeRange]> = [
  ['24h', { startMs: END - DAY, endMs: END }],
  ['7d', { startMs: END - 7 * DAY, endMs: END }],
  ['30d', { startMs: END - 30 * DAY, endMs: END }],
  ['mid-history', { startMs: END - 10 * DAY - 5 * HOUR, endMs: END - 3 * DAY + 2 * HOUR }],
  // No whole day: hours only, raw minutes at both ends.
  ['hours of one day', { startMs: END - 2 * DAY - 7 * HOUR - 13 * 60_000, endMs: END - 2 * DAY - 29 * 60_000 }],
  // Whole hours across a midnight: hour rows only.
  ['whole hours', { startMs: Math.floor(END / HOUR) * HOUR - 6 * DAY - 17 * HOUR, endMs: Math.floor(END / HOUR) * HOUR - 6 * DAY + 3 * HOUR }],
  // Not a whole hour: raw only.
  ['minutes', { startMs: END - 4 * DAY - 50 * 60_000, endMs: END - 4 * DAY + 7 * 60_000 }],
  ['since the epoch', { startMs: 0, endMs: END }],
];

const ROLLUP_TABLES = [
  'user_session_day', 'user_session_hour', 'user_day', 'user_hour', 'user_first_seen', 'persona_evolution_day', 'interaction_day', 'interaction_hour',
  'user_topic_hour',
];

async function compareAll(filters: Filter[] = []): Promise<number> {
  let compared = 0;
  for (const [, range] of RANGES) {
    const input = (rolled: boolean, cached = false): RolledInput => ({
      store: stores.store, project: P, range, filters, userRollups: rolled, ...(cached ? { wholeHours: stores.userRollups!.wholeHours } : {}),
    });
    const cases: Array<(i: RolledInput) => Promise<unknown>> = [
      (i) => userAnalytics(i, { limit: 50, weeks: 6 }),
      (i) => marginAnalytics(i, 100),
      (i) => personaAnalytics(i),
      (i) => conversationAnalytics(i),
      (i) => userPersonaAnalytics(i, 20),
      (i) => personaRelationships(i),
      (i) => banterAnalytics(i),
    ];
    const top = (await userAnalytics(input(false), { limit: 3, weeks: 1 })).users.top_users.map((u) => u.user_id);
    for (const id of [...top, 'late1-0', 'late2-3', 'nobody']) cases.push((i) => userDetail(i, id));
    for (const run of cases) {
      const [raw, rolled, cached] = [strip(await run(input(false))), strip(await run(input(true))), strip(await run(input(true, true)))];
      expectSame(rolled, raw);
      // With the whole-day cache (whole-hour-cache.ts): built by the first comparison of a range, read by the later.
      expectSame(cached, raw);
      compared++;
    }
  }
  return compared;
}

describe('user rollups', () => {
  it('hold the events up to their watermark, with later ones past it', async () => {
    const status = await stores.userRollups!.status();
    expect(status.watermark).toBeGreaterThan(40_000);
    expect(status.behind).toBeGreaterThan(18_000);
    expect(status.rows.user_first_seen).toBeGreaterThan(100);
    // Merged rows and delta rows, both read.
    expect(status.deltaRows.user_session_day).toBeGreaterThan(0);
    expect(status.deltaRows.user_session_day).toBeLessThan(status.rows.user_session_day!);
  });

  it('answer as raw events do, with events past the watermark and late events', async () => {
    // The rolled-up answers do read the rollup tables (and the raw ones never do).
    const store = stores.store;
    const query = store.query.bind(store);
    const tables = new Map<boolean, Set<string>>([[false, new Set()], [true, new Set()]]);
    let rolled = false;
    store.query = (sql, params) => {
      for (const t of ROLLUP_TABLES) if (sql.includes(`FROM ${t} `)) tables.get(rolled)!.add(t);
      return query(sql, params);
    };
    try {
      for (rolled of [false, true]) {
        const input: RolledInput = { store, project: P, range: RANGES[1]![1], filters: [], userRollups: rolled };
        await Promise.all([
          userAnalytics(input, { limit: 5, weeks: 4 }), marginAnalytics(input, 5), personaAnalytics(input), userDetail(input, 'late1-0'),
          personaRelationships(input), banterAnalytics(input),
        ]);
      }
      expect([...tables.get(false)!]).toEqual([]);
      expect([...tables.get(true)!].sort()).toEqual([...ROLLUP_TABLES].sort());
      expect(await compareAll()).toBe(RANGES.length * 13);
      // Built once per range with whole hours (above), and read again by a second request.
      const cache = stores.userRollups!.wholeHours;
      expect(cache.stats().builds).toBeGreaterThan(0);
      const again: RolledInput = { store, project: P, range: RANGES[2]![1], filters: [], userRollups: true, wholeHours: cache };
      await marginAnalytics(again, 100);
      const { builds, hits } = cache.stats();
      await marginAnalytics(again, 100);
      expect(cache.stats()).toMatchObject({ builds, hits: hits + 1, failed: 0 });
    } finally {
      store.query = query;
    }
  }, 120_000);

  it('answer as raw events do with filters on their keys, and fall back on others', async () => {
    const persona = (await personaAnalytics({ store: stores.store, project: P, range: RANGES[2]![1], filters: [] })).persona_analytics;
    const first = Object.keys(persona)[0]!;
    await compareAll([{ field: 'persona', values: [first] }, { field: 'type', values: ['message', 'llm', 'payment', 'user'] }]);
    // On persona only: interaction rows from the rollups too.
    await compareAll([{ field: 'persona', values: [first] }]);
    await compareAll([{ field: 'model', values: ['gpt-4o-mini'] }]);
  }, 120_000);

  it('answer as raw events do once caught up, and a catch-up with nothing new changes nothing', async () => {
    await stores.userRollups!.catchUp();
    expect((await stores.userRollups!.status()).behind).toBe(0);
    expect((await stores.userRollups!.catchUp()).events).toBe(0);
    await compareAll();
    // No whole-day table failed to build, for any endpoint, range or filter.
    expect(stores.userRollups!.wholeHours.stats().failed).toBe(0);
  }, 120_000);
});

describe('retention with user rollups', () => {
  it('deletes no event past their watermark, and expires their rows of old days', async () => {
    const s = await openEmbeddedStores({ dataDir: ':memory:' });
    try {
      const old = (n: number, user: string): Record<string, unknown> => ({ ts: END - 40 * DAY + n * 60_000, type: 'message', user_id: user, session_id: `s-${user}`, persona: 'scav' });
      await s.store.append({ events: stored([old(0, 'a'), old(1, 'a'), { ...old(2, 'b'), ts: END - DAY }, { ...old(4, 'd'), ts: END - 25 * DAY }]) });
      await s.userRollups!.catchUp();
      // Retention catches the user rollups up first; a late old event committed right after that catch-up is past
      // their watermark when the delete runs.
      const userRollups = s.userRollups!;
      let caughtUp = 0;
      const task = retentionTask({
        store: s.store, clock: { now: () => END }, retentionDays: 30, dailyRetentionDays: 35, rollupRetentionDays: 20, logger: { info: () => undefined },
        userRollups: {
          catchUp: async () => {
            const run = await userRollups.catchUp();
            caughtUp = run.watermark;
            await s.store.append({ events: stored([old(3, 'c')]) });
            return run;
          },
          deleteBefore: (ms, hours) => userRollups.deleteBefore(ms, hours),
        },
      });
      await task.run();
      // a's two old events went; c's (past the watermark when the delete ran) stayed, as did b's and d's recent ones.
      const left = await s.store.query('SELECT user_id, seq FROM events ORDER BY seq', []);
      expect(left.map((r) => r.user_id)).toEqual(['b', 'd', 'c']);
      expect(Number(left[2]!.seq)).toBeGreaterThan(caughtUp);
      // Rows of days before the daily retention (35 d) went with their users' first-seen rows.
      const firsts = await s.store.query('SELECT user_id FROM user_first_seen ORDER BY user_id', []);
      expect(firsts.map((r) => r.user_id)).toEqual(['b', 'd']);
      expect(await s.store.query('SELECT DISTINCT user_id FROM user_day ORDER BY user_id', [])).toEqual([{ user_id: 'b' }, { user_id: 'd' }]);
      // Hour rows of hours before the hourly rollups' retention (20 d) went: d's 25-day-old hour, not its day.
      for (const t of ['user_hour', 'user_session_hour', 'user_topic_hour']) {
        expect(await s.store.query(`SELECT DISTINCT user_id FROM ${t} ORDER BY user_id`, []), t).toEqual([{ user_id: 'b' }]);
      }
      // c is rolled up by the next catch-up, and expired by the next retention run.
      await userRollups.catchUp();
      expect((await s.store.query(`SELECT count(*) AS n FROM user_day WHERE user_id = 'c'`, []))[0]!.n).toBe(1);
    } finally {
      await s.close();
    }
  });
});
