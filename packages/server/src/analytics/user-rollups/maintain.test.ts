import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateEvents, type StoredEvent } from '@pulse/protocol';
import { createEnricher } from '../../ingest/enrich/enrich.js';
import { createPricing } from '../../ingest/enrich/pricing.js';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { syntheticEvents } from '../../synthetic/index.js';
import { DAY_TABLES, HOUR_TABLES, INTERACTION_DAY, timeColumn, USER_DAY, USER_HOUR, USER_SESSION_DAY, USER_SESSION_HOUR, type DayTable } from './tables.js';

/**
 * How the user rollups are kept: each run appends delta rows — it never rewrites the rows already there until a day's
 * delta rows have piled up — and many runs, merges among them, make the same rows as one.
 */
const DAY = 86_400_000;
const END = Date.parse('2026-03-31T13:37:00Z');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pulse-user-rollups-'));
  dirs.push(d);
  return d;
}

function stored(raw: unknown[]): StoredEvent[] {
  const enricher = createEnricher({ pricing: createPricing([]) });
  return validateEvents(raw, END).records.map((r) => {
    enricher.enrich(r, { storeText: false });
    return { ...r, project: r.type === 'http' ? 'p2' : 'p1' };
  });
}

/**
 * The demo world over 12 days, then copies of its last events moved back 5 days (earlier than some users' first
 * events), a tenth of them plan changes, with equal timestamps among them.
 */
function world(): StoredEvent[] {
  const events = [...syntheticEvents({ seed: 5, startMs: END - 12 * DAY, endMs: END, count: 24_000 })] as unknown as Record<string, unknown>[];
  const late = events.slice(-3_000).map((e, i) => ({
    ...e, id: undefined, ts: (e.ts as number) - 5 * DAY - (i % 400) * 1_000,
    ...(i % 10 === 0 ? { type: i % 20 === 0 ? 'payment' : 'user', status: 'ok', value: 5, attributes: { plan: `p${i % 3}` } } : {}),
  }));
  return stored([...events, ...late]);
}

async function append(s: EmbeddedStores, events: readonly StoredEvent[], everyBatches: number): Promise<void> {
  for (let i = 0, b = 1; i < events.length; i += 1_000, b++) {
    await s.store.append({ events: events.slice(i, i + 1_000) });
    if (b % everyBatches === 0) await s.userRollups!.catchUp();
  }
}

/**
 * A table's rows merged per key (what every read makes of them), in key order; with `byDay`, an hour table's merged
 * per day (what a day table holds).
 */
async function merged(s: EmbeddedStores, t: DayTable, byDay = false): Promise<unknown[]> {
  const keys = ['project', byDay ? `epoch_ms(date_trunc('day', ${timeColumn(t)})) AS day` : `epoch_ms(${timeColumn(t)}) AS ${timeColumn(t)}`, ...t.keys.map((k) => k.name)];
  const doubles = new Set(['cost_usd', 'value_ok', 'value_sum', 'value_last']);
  const values = t.columns.map((c) => (c.name.endsWith('_ts') ? `epoch_ms(${c.merge})` : doubles.has(c.name) ? `round(${c.merge}, 9)` : c.merge));
  return s.store.query(`SELECT ${keys.join(', ')}, ${values.join(', ')} FROM ${t.name} GROUP BY ALL ORDER BY ALL`, []);
}

const firstSeen = (s: EmbeddedStores): Promise<unknown[]> =>
  s.store.query('SELECT project, user_id, epoch_ms(first_ts) AS f, plan, epoch_ms(plan_ts) AS p FROM user_first_seen ORDER BY ALL', []);

describe('user rollups upkeep', () => {
  it('make the same rows run after run, merged now and then, as in one go', async () => {
    const events = world();
    // A catch-up every 4,000 events, small merges; and one catch-up of everything, in one slice.
    const a = await openEmbeddedStores({ dataDir: await dir(), userRollups: { compactMinRows: 300 } });
    const b = await openEmbeddedStores({ dataDir: await dir(), userRollups: { sliceEvents: 1_000_000 } });
    try {
      await append(a, events, 4);
      await append(b, events, Infinity);
      const runA = await a.userRollups!.catchUp();
      const runB = await b.userRollups!.catchUp();
      expect(runA.watermark).toBe(events.length);
      expect(runB).toMatchObject({ events: events.length, watermark: events.length, slices: 1, compacted: 0 });
      const statusA = await a.userRollups!.status();
      const statusB = await b.userRollups!.status();
      // a's days have all ended (the clock is past END): merged once their deltas came from several writes, and left
      // with deltas under a tenth of their merged rows. b's rows come from one write: one per key (and day, in the day
      // tables, fewer than their hourly twins').
      expect(statusA.rows.user_session_day).toBeLessThanOrEqual(1.1 * (await merged(a, USER_SESSION_DAY)).length);
      for (const t of [...DAY_TABLES, ...HOUR_TABLES]) {
        const rows = await merged(b, t);
        expect(rows.length, t.name).toBeGreaterThan(t.name === 'persona_evolution_day' ? 10 : t.name.startsWith('interaction_') ? 100 : 1_000);
        expect(statusB.rows[t.name], t.name).toBe(rows.length);
        const twin = t.name.endsWith('_day') ? HOUR_TABLES.find((h) => h.name === t.name.replace(/_day$/, '_hour')) : undefined;
        if (twin) expect(statusB.rows[twin.name], t.name).toBeGreaterThan(rows.length);
        expect(await merged(a, t), t.name).toEqual(rows);
      }
      const users = await firstSeen(b);
      expect(users.length).toBeGreaterThan(1_000);
      expect(users.filter((u) => (u as { plan: string | null }).plan !== null).length).toBeGreaterThan(100);
      expect(await firstSeen(a)).toEqual(users);
      // The hour tables hold the day tables' rows, split by hour: more rows, the same per day.
      for (const [hours, days] of [[USER_SESSION_HOUR, USER_SESSION_DAY], [USER_HOUR, USER_DAY]] as const) {
        expect((await b.userRollups!.status()).rows[hours.name], hours.name).toBeGreaterThan((await merged(b, days)).length);
        expect(await merged(b, hours, true), hours.name).toEqual(await merged(b, days));
      }
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);

  it('append a write as delta rows and leave the merged rows alone until the deltas pile up', async () => {
    const s = await openEmbeddedStores({ dataDir: await dir(), userRollups: { compactMinRows: 1_000 } });
    const count = async (where: string): Promise<number> => Number((await s.store.query(`SELECT count(*) AS n FROM user_session_day WHERE ${where}`, []))[0]!.n);
    try {
      const day = END - 3 * DAY;
      const ev = (i: number, ts: number): Record<string, unknown> => ({ ts, type: 'message', user_id: `u${i}`, session_id: `s${i}`, persona: 'kai' });
      // 2,000 keys in one day, merged once a second write has added as many delta rows.
      await s.store.append({ events: stored(Array.from({ length: 2_000 }, (_, i) => ev(i, day + i))) });
      await s.userRollups!.catchUp();
      await s.store.append({ events: stored(Array.from({ length: 2_000 }, (_, i) => ev(i, day + 5_000 + i))) });
      // user_session_day's, user_day's, their hour twins' and user_topic_hour's 4,000 rows (all in one hour) each merged
      // into 2,000.
      expect((await s.userRollups!.catchUp()).compacted).toBe(10_000);
      expect((await s.userRollups!.status()).deltaRows).toMatchObject({ user_session_hour: 0, user_hour: 0, user_topic_hour: 0 });
      expect((await s.userRollups!.status()).rows).toMatchObject({ user_session_hour: 2_000, user_hour: 2_000, user_topic_hour: 2_000 });
      expect(await count('compacted')).toBe(2_000);
      // A few events on that day: appended as delta rows; the merged rows stay as they are.
      const rowIds = async (): Promise<string> => JSON.stringify(await s.store.query('SELECT rowid FROM user_session_day WHERE compacted ORDER BY rowid', []));
      const before = await rowIds();
      await s.store.append({ events: stored(Array.from({ length: 10 }, (_, i) => ev(i, day + 9_000 + i))) });
      expect(await s.userRollups!.catchUp()).toMatchObject({ events: 10, compacted: 0 });
      expect(await count('NOT compacted')).toBe(10);
      expect(await rowIds()).toBe(before);
      // Reads merge them: u3 has three events that day, in one row per key once merged or not.
      const [u3] = await s.store.query(`SELECT sum(n) AS n, epoch_ms(min(first_ts)) AS f, epoch_ms(max(last_ts)) AS l FROM user_session_day WHERE user_id = 'u3'`, []);
      expect(u3).toEqual({ n: 3, f: day + 3, l: day + 9_003 });
    } finally {
      await s.close();
    }
  });
  it("merge a day's delta rows while it lasts once they pile up, and once it has ended as soon as they are a tenth of its rows", async () => {
    const day = END - 3 * DAY - (END % DAY);
    let now = day + 12 * 3_600_000;
    const s = await openEmbeddedStores({ dataDir: await dir(), userRollups: { compactMinRows: 1_000, now: () => now } });
    const deltas = async (): Promise<number> => (await s.userRollups!.status()).deltaRows.user_session_day!;
    const write = async (n: number, at: number): Promise<number> => {
      await s.store.append({ events: stored(Array.from({ length: n }, (_, i) => ({ ts: at + i, type: 'message', user_id: `u${i}`, session_id: `s${i}`, persona: 'kai' }))) });
      return (await s.userRollups!.catchUp()).compacted;
    };
    try {
      // Two writes of the same 2,000 keys today: 4,000 delta rows, twice none merged → merged into 2,000 (in
      // user_session_day, user_day, their hourly twins and user_topic_hour).
      expect(await write(2_000, day)).toBe(0);
      expect(await write(2_000, day + 10_000)).toBe(10_000);
      // 150 more today: under twice the merged rows, left as deltas.
      expect(await write(150, day + 20_000)).toBe(0);
      expect(await deltas()).toBe(150);
      // The day ends: 150 is under a tenth of 2,000 — still left.
      now = day + DAY + 1;
      expect((await s.userRollups!.catchUp()).compacted).toBe(0);
      expect(await deltas()).toBe(150);
      // 100 late events make 250 delta rows, over a tenth: merged away by the run that wrote them.
      expect(await write(100, day + 30_000)).toBe(5 * 250);
      expect(await deltas()).toBe(0);
      expect((await s.userRollups!.status()).rows.user_session_day).toBe(2_000);
    } finally {
      await s.close();
    }
  });

  it('leave a checkpoint behind a run that wrote once the write-ahead log is large', async () => {
    const dataDir = await dir();
    const s = await openEmbeddedStores({ dataDir, userRollups: { checkpointWalBytes: 64 * 1024 } });
    const wal = async (): Promise<number> => (await stat(join(dataDir, 'pulse.duckdb.wal')).catch(() => ({ size: 0 }))).size;
    try {
      await s.store.append({ events: world().slice(0, 5_000) });
      const before = await wal();
      expect(before).toBeGreaterThan(64 * 1024);
      expect((await s.userRollups!.catchUp()).events).toBe(5_000);
      expect(await wal()).toBeLessThan(64 * 1024);
    } finally {
      await s.close();
    }
  });

  it('fill the hour and interaction tables from the events up to the watermark when a store gains them (migration 9)', async () => {
    const dataDir = await dir();
    const added = [...HOUR_TABLES, INTERACTION_DAY];
    const events = world();
    let s = await openEmbeddedStores({ dataDir, userRollups: { compactMinRows: 300 } });
    const expected = new Map<string, unknown[]>();
    try {
      await append(s, events.slice(0, 20_000), 4);
      await s.userRollups!.catchUp();
      // Past the watermark: left to the maintainer.
      await s.store.append({ events: events.slice(20_000) });
      for (const t of added) expected.set(t.name, await merged(s, t));
      expect(expected.get('user_session_hour')!.length).toBeGreaterThan(1_000);
      expect(expected.get('interaction_hour')!.length).toBeGreaterThan(100);
      // As a store of version 8 was: none of these tables.
      for (const t of added) await s.store.query(`DROP TABLE ${t.name}`, []);
      await s.store.query('DELETE FROM schema_migrations WHERE version = 9', []);
    } finally {
      await s.close();
    }
    s = await openEmbeddedStores({ dataDir });
    try {
      for (const t of added) expect(await merged(s, t), t.name).toEqual(expected.get(t.name));
      expect((await s.userRollups!.status()).deltaRows).toMatchObject({ user_session_hour: 0, user_hour: 0, interaction_hour: 0, interaction_day: 0, user_topic_hour: 0 });
      // The maintainer adds the events past the watermark: the same rows as a store that had the tables all along.
      await s.userRollups!.catchUp();
      const fresh = await openEmbeddedStores({ dataDir: await dir() });
      try {
        await append(fresh, events, Infinity);
        await fresh.userRollups!.catchUp();
        for (const t of added) expect(await merged(s, t), t.name).toEqual(await merged(fresh, t));
      } finally {
        await fresh.close();
      }
    } finally {
      await s.close();
    }
  }, 120_000);
});
