import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@pulse/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { compileExportSource } from '../../query/export-source.js';
import { executeQuery } from '../../query/run.js';
import type { QuerySpec } from '../../query/types.js';
import { openEmbeddedStores } from './index.js';

/** The embedded store's rollup bookkeeping across restarts, retention and an accumulator that overflows. */
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pulse-rollup-store-'));
  dirs.push(d);
  return d;
}

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const event = (i: number, ts: number): StoredEvent => ({
  project: 'p', id: null, ts, type: 'llm', name: null, service: null, environment: null, user_id: `u${i % 7}`, session_id: null,
  persona: null, channel: null, guild: null, prompt_id: null, model: i % 2 === 0 ? 'a' : 'b', provider: null, input_tokens: i,
  output_tokens: null, cost_usd: null, duration_ms: 100 + i, ttft_ms: null, status: i % 5 === 0 ? 'error' : 'ok', error_type: null,
  error_message: null, severity: null, value: null, target: null, text: null, sentiment: null, phases: null, attributes: null,
});
const events = (from: number, n: number, ts: (i: number) => number): StoredEvent[] => Array.from({ length: n }, (_, k) => event(from + k, ts(from + k)));
const rolledCount = async (s: Awaited<ReturnType<typeof openEmbeddedStores>>): Promise<number> =>
  Number((await s.store.query('SELECT coalesce(sum(n), 0) AS n FROM rollup_hour', []))[0]!.n);

describe('embedded rollups', () => {
  it('write what they hold in memory when the store closes', async () => {
    const d = await dir();
    const s1 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    await s1.store.append({ events: events(0, 300, (i) => NOW - 30 * HOUR + i * 1000) });
    await s1.close();
    const s2 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      expect(await s2.store.rollups!.status()).toMatchObject({ watermark: 300, behind: 0 });
      expect(await rolledCount(s2)).toBe(300);
    } finally {
      await s2.close();
    }
  });

  it('know the latest event time rolled up per project, from memory and from the table, and across restarts', async () => {
    const d = await dir();
    const before = await openEmbeddedStores({ dataDir: d, rollups: false });
    await before.store.append({ events: events(0, 40, (i) => NOW - 20 * HOUR + i * 1000) });
    await before.close();
    const s1 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      // Nothing rolled up yet (the first run reads the table).
      expect(s1.store.rollups!.latestRolled('p')).toBeNull();
      await s1.store.rollups!.catchUp();
      expect(s1.store.rollups!.latestRolled('p')).toBe(NOW - 20 * HOUR + 39_000);
      // Accumulated in memory, written by the next run: a late event does not lower it, a newer one raises it.
      await s1.store.append({ events: [...events(40, 5, (i) => NOW - 30 * HOUR + i), { ...event(99, NOW - 2 * HOUR), project: 'q' }] });
      expect(s1.store.rollups!.latestRolled('q')).toBeNull();
      await s1.store.rollups!.catchUp();
      expect(s1.store.rollups!.latestRolled('p')).toBe(NOW - 20 * HOUR + 39_000);
      expect(s1.store.rollups!.latestRolled('q')).toBe(NOW - 2 * HOUR);
      await s1.store.append({ events: events(50, 1, () => NOW - HOUR + 123) });
      expect(s1.store.rollups!.latestRolled('p')).toBe(NOW - 20 * HOUR + 39_000);
    } finally {
      await s1.close();
    }
    const s2 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      expect(s2.store.rollups!.latestRolled('p')).toBe(NOW - HOUR + 123);
      expect(s2.store.rollups!.latestRolled('q')).toBe(NOW - 2 * HOUR);
    } finally {
      await s2.close();
    }
  });

  it('know from when hourly rows are whole: the earliest hour left, raised by each deletion before it commits, across restarts', async () => {
    const d = await dir();
    const hourOf = (ms: number): number => Math.floor(ms / HOUR) * HOUR;
    const cutoff = NOW - 40 * HOUR + 1;
    const s1 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      // Nothing ever deleted: every hour is whole.
      expect(s1.store.rollups!.hoursFrom()).toBe(Number.NEGATIVE_INFINITY);
      await s1.store.append({ events: events(0, 60, (i) => NOW - 50 * HOUR + i * HOUR / 2) });
      await s1.store.rollups!.catchUp();
      expect(s1.store.rollups!.hoursFrom()).toBe(Number.NEGATIVE_INFINITY);
      const deleting = s1.store.rollups!.deleteBefore({ minute: cutoff, hour: cutoff, day: 0 });
      // Raised as the deletion starts, not after it.
      expect(s1.store.rollups!.hoursFrom()).toBe(cutoff);
      expect(await deleting).toBeGreaterThan(0);
      // An older cutoff does not lower it.
      await s1.store.rollups!.deleteBefore({ minute: 0, hour: NOW - 45 * HOUR, day: 0 });
      expect(s1.store.rollups!.hoursFrom()).toBe(cutoff);
    } finally {
      await s1.close();
    }
    const s2 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      // From the table: the earliest hourly row left is the hour after the cutoff.
      expect(s2.store.rollups!.hoursFrom()).toBe(hourOf(cutoff) + HOUR);
      await s2.store.rollups!.deleteBefore({ minute: NOW, hour: NOW, day: 0 });
    } finally {
      await s2.close();
    }
    const s3 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      // No hourly row left, no day rolled: hours written from now on are whole.
      expect(await rolledCount(s3)).toBe(0);
      expect(s3.store.rollups!.hoursFrom()).toBe(s3.store.rollups!.daysUntil() ?? Number.NEGATIVE_INFINITY);
    } finally {
      await s3.close();
    }
  });

  it('a week read from hourly rows is read again from daily ones when a retention run deletes hours in it meanwhile', async () => {
    const DAY = 24 * HOUR;
    const s = await openEmbeddedStores({ dataDir: await dir(), clock: { now: () => NOW } });
    try {
      // Every 20 minutes over the 10 days before NOW; the days before NOW's are rolled into the daily tables.
      await s.store.append({ events: events(0, 720, (i) => NOW - 10 * DAY + i * 20 * 60_000) });
      await s.store.rollups!.catchUp();
      const start = Math.floor(NOW / DAY) * DAY - 8 * DAY;
      expect(s.store.rollups!.daysUntil()).toBeGreaterThanOrEqual(start + 7 * DAY);
      // Midnight to 6.5 days later: hourly rows for the whole range, or — exactly, the start being a day's — days.
      const spec: QuerySpec = { project: 'p', measures: ['count', 'errors'], dimensions: ['model'], filters: [], range: { startMs: start, endMs: start + 6.5 * DAY }, limit: 100 };
      const statements: string[] = [];
      const store = new Proxy(s.store, {
        get(target, key) {
          if (key === 'query') {
            return async (sql: string, params: never[]) => {
              statements.push(sql);
              // Between planning and reading: a retention run with a 5-day-old hourly cutoff.
              if (statements.length === 1) await target.rollups!.deleteBefore({ minute: 0, hour: start + 3 * DAY, day: 0 });
              return target.query(sql, params);
            };
          }
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const answer = await executeQuery(store, spec);
      expect(statements).toHaveLength(2);
      expect(statements[0]).not.toContain('rollup_day');
      expect(statements[1]).toContain('rollup_day');
      const raw = await executeQuery(s.store, spec, 'ms', { rollups: false });
      expect(answer.rows).toEqual(raw.rows);
      expect(answer.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(6.5 * 72);
      // The first statement alone would have missed the 3 days of hourly rows deleted.
      const [hourly] = await s.store.query(
        `SELECT sum(n) AS n FROM rollup_hour WHERE project = 'p' AND ts >= epoch_ms(${start}) AND ts < epoch_ms(${start + 6.5 * DAY})`, []);
      expect(Number(hourly!.n)).toBe(3.5 * 72);
    } finally {
      await s.close();
    }
  });

  it('never number new events at or below the watermark, even after retention emptied the table', async () => {
    const d = await dir();
    const s1 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    await s1.store.append({ events: events(0, 50, () => NOW - 40 * 24 * HOUR) });
    expect(await s1.store.deleteBefore(NOW - 30 * 24 * HOUR)).toBe(50);
    await s1.close();
    const s2 = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      await s2.store.append({ events: events(50, 10, () => NOW - HOUR) });
      const [row] = await s2.store.query('SELECT min(seq) AS lo FROM events', []);
      expect(row!.lo).toBe(51);
      const run = await s2.store.rollups!.catchUp();
      expect(run).toMatchObject({ events: 10, watermark: 60 });
      expect(await rolledCount(s2)).toBe(60);
    } finally {
      await s2.close();
    }
  });

  it('roll up from the table what an overflowing accumulator dropped: every event counted once', async () => {
    const d = await dir();
    const s = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      // Distinct hours make distinct rows: 40 rows per batch against a bound of 50 held rows.
      const store = s.store as unknown as { rollups: { maxAccumulatedRows: number } };
      store.rollups.maxAccumulatedRows = 50;
      for (let b = 0; b < 5; b++) await s.store.append({ events: events(b * 40, 40, (i) => NOW - (i + 1) * HOUR) });
      const run = await s.store.rollups!.catchUp();
      expect(run.watermark).toBe(200);
      expect(await rolledCount(s)).toBe(200);
      const [again] = await s.store.query('SELECT count(*) AS rows, sum(n) AS n FROM rollup_minute', []);
      expect(again).toEqual({ rows: 200, n: 200 });
    } finally {
      await s.close();
    }
  });

  it('write the rows held as soon as they reach writeAtRows, without waiting for the task', async () => {
    const s = await openEmbeddedStores({ dataDir: await dir(), clock: { now: () => NOW }, rollups: { writeAtRows: 30, maxAccumulatedRows: 1_000 } });
    const watermark = async (): Promise<number> => (await s.store.rollups!.status()).watermark;
    try {
      // Two events of one hour: a few rows held, under the threshold — nothing written until a run.
      await s.store.append({ events: events(0, 2, () => NOW - HOUR) });
      await new Promise((r) => setTimeout(r, 200));
      expect(await watermark()).toBe(0);
      // 40 distinct hours: 40 hourly and 40 minute rows (and their sketch bins), past 30 — written at once.
      await s.store.append({ events: events(2, 40, (i) => NOW - (i + 1) * HOUR) });
      const deadline = Date.now() + 10_000;
      while ((await watermark()) < 42 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await watermark()).toBe(42);
      expect(await rolledCount(s)).toBe(42);
    } finally {
      await s.close();
    }
  });

  it('start another accumulator when one is full while a run holds the writes up, and write them all in order', async () => {
    const s = await openEmbeddedStores({ dataDir: await dir(), clock: { now: () => NOW }, rollups: { writeAtRows: 30, maxAccumulatedRows: 1_000 } });
    // White-box: the runs' lock, to hold a run up, and the full accumulators waiting.
    const rollups = s.store.rollups as unknown as { runs: { run<T>(f: () => Promise<T>): Promise<T> }; full: { size: number }[] };
    try {
      let release!: () => void;
      const held = rollups.runs.run(() => new Promise<void>((r) => (release = r)));
      // Three batches of 40 distinct hours (~80 rows each): each fills an accumulator of its own.
      for (let b = 0; b < 3; b++) await s.store.append({ events: events(b * 40, 40, (i) => NOW - (i + 1) * HOUR) });
      expect(rollups.full.map((a) => a.size >= 30)).toEqual([true, true]);
      expect((await s.store.query('SELECT count(*) AS n FROM rollup_hour', []))[0]!.n).toBe(0);
      release();
      await held;
      const deadline = Date.now() + 10_000;
      while ((await s.store.rollups!.status()).watermark < 120 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await s.store.rollups!.status()).toMatchObject({ watermark: 120, behind: 0 });
      expect(rollups.full).toEqual([]);
      expect(await rolledCount(s)).toBe(120);
      const [minutes] = await s.store.query('SELECT count(*) AS rows, sum(n) AS n FROM rollup_minute', []);
      expect(minutes).toEqual({ rows: 120, n: 120 });
    } finally {
      await s.close();
    }
  });

  it('roll each day into the daily tables once it has ended, and late events of rolled days reach them as deltas', async () => {
    const DAY = 24 * HOUR;
    const d0 = Math.floor(NOW / DAY) * DAY - DAY; // yesterday, as NOW sees it
    let now = d0 + DAY + 10 * HOUR; // today 10:00
    const s = await openEmbeddedStores({ dataDir: await dir(), clock: { now: () => now } });
    const daySums = async (): Promise<Record<number, number>> =>
      Object.fromEntries((await s.store.query('SELECT epoch_ms(ts) AS t, sum(n) AS n FROM rollup_day GROUP BY 1', [])).map((r) => [Number(r.t), Number(r.n)]));
    const bySketch = async (): Promise<number> => Number((await s.store.query('SELECT coalesce(sum(n), 0) AS n FROM latency_day', []))[0]!.n);
    try {
      // 200 events yesterday, 100 today (0:00–10:00).
      await s.store.append({ events: events(0, 200, (i) => d0 + i * 400_000) });
      await s.store.append({ events: events(200, 100, (i) => d0 + DAY + (i - 200) * 360_000) });
      const first = await s.store.rollups!.catchUp();
      // The first run rolls the days from the earliest hourly row up to today; today stays in the hourly rows.
      expect(first.days).toBe(1);
      expect(s.store.rollups!.daysUntil()).toBe(d0 + DAY);
      expect(await daySums()).toEqual({ [d0]: 200 });
      expect(await bySketch()).toBe(200);

      // Today ends. Events of tomorrow, and 10 late events of yesterday (already rolled: they come as deltas).
      now = d0 + 2 * DAY + 5 * HOUR;
      await s.store.append({ events: events(300, 50, (i) => d0 + 2 * DAY + (i - 300) * 60_000) });
      await s.store.append({ events: events(350, 10, (i) => d0 + 3 * HOUR + (i - 350) * 1000) });
      const second = await s.store.rollups!.catchUp();
      expect(second.days).toBe(1);
      expect(s.store.rollups!.daysUntil()).toBe(d0 + 2 * DAY);
      expect(await daySums()).toEqual({ [d0]: 210, [d0 + DAY]: 100 });
      expect(await bySketch()).toBe(310);
      expect((await s.store.rollups!.status()).daysUntil).toBe(d0 + 2 * DAY);

      // Queries over the three days: daily rows for the rolled days, hourly and raw for the rest — the raw answers.
      const spec = (dimensions: QuerySpec['dimensions']): QuerySpec => ({
        project: 'p', measures: ['count', 'errors', 'p95_duration_ms', 'input_tokens'], dimensions, filters: [],
        range: { startMs: d0, endMs: now }, limit: 100,
      });
      for (const dims of [[], ['model'], ['status']] as QuerySpec['dimensions'][]) {
        const [a, b] = await Promise.all([executeQuery(s.store, spec(dims)), executeQuery(s.store, spec(dims), 'ms', { rollups: false })]);
        expect(a.rollups).toBe(true);
        expect(a.rows.map((r) => [r.model, r.status, r.count, r.errors, r.input_tokens])).toEqual(b.rows.map((r) => [r.model, r.status, r.count, r.errors, r.input_tokens]));
        a.rows.forEach((r, i) => expect(Math.abs(Number(r.p95_duration_ms) - Number(b.rows[i]!.p95_duration_ms))).toBeLessThanOrEqual(Number(b.rows[i]!.p95_duration_ms) * 0.01));
      }
      // Everything was rolled up, so those queries read no raw tail; one more event and they read it again.
      expect(s.store.rollups!.caughtUp()).toBe(true);
      expect((await executeQuery(s.store, spec([]))).rows[0]!.count).toBe(360);
      await s.store.append({ events: events(360, 1, () => d0 + 2 * DAY + HOUR) });
      expect(s.store.rollups!.caughtUp()).toBe(false);
      expect((await executeQuery(s.store, spec([]))).rows[0]!.count).toBe(361);
    } finally {
      await s.close();
    }
  });

  it('roll only the days that have hourly rows, moving past empty days to today in one run', async () => {
    const DAY = 24 * HOUR;
    const today = Math.floor(NOW / DAY) * DAY;
    const long = today - 400 * DAY;
    const s = await openEmbeddedStores({ dataDir: await dir(), clock: { now: () => today + 10 * HOUR } });
    try {
      // 30 events 400 days ago, 20 events three days ago, 5 today; 397 empty days between.
      await s.store.append({ events: events(0, 30, (i) => long + i * 60_000) });
      await s.store.append({ events: events(30, 20, (i) => today - 3 * DAY + (i - 30) * 60_000) });
      await s.store.append({ events: events(50, 5, (i) => today + (i - 50) * 60_000) });
      const run = await s.store.rollups!.catchUp();
      expect(run.days).toBe(2);
      expect(s.store.rollups!.daysUntil()).toBe(today);
      const days = await s.store.query('SELECT epoch_ms(ts) AS t, sum(n) AS n FROM rollup_day GROUP BY 1 ORDER BY 1', []);
      expect(days.map((r) => [Number(r.t), Number(r.n)])).toEqual([[long, 30], [today - 3 * DAY, 20]]);
      const spec: QuerySpec = { project: 'p', measures: ['count'], dimensions: [], filters: [], range: { startMs: long - DAY, endMs: today + DAY }, limit: 10 };
      const answer = await executeQuery(s.store, spec);
      expect(answer.rollups).toBe(true);
      expect(answer.rows[0]!.count).toBe(55);
      // Nothing more to roll until today ends.
      expect((await s.store.rollups!.catchUp()).days).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('export daily summaries from the rollups, so days whose raw events have expired are still in them', async () => {
    const DAY = 24 * HOUR;
    const today = Math.floor(NOW / DAY) * DAY;
    const d = await dir();
    const s = await openEmbeddedStores({ dataDir: d, clock: { now: () => NOW } });
    try {
      // 120 events three days ago (40 per model a/b/... by event()), 30 today.
      await s.store.append({ events: events(0, 120, (i) => today - 3 * DAY + i * 60_000) });
      await s.store.append({ events: events(120, 30, (i) => today + (i - 120) * 60_000) });
      await s.store.rollups!.catchUp();
      expect(await s.store.deleteBefore(today - DAY)).toBe(120);
      const selection = { project: 'p', filters: [], range: { startMs: today - 5 * DAY, endMs: NOW } };
      const out = join(d, 'summary.json');
      const rows = await s.store.exportTo(compileExportSource('summary', selection, s.store), out, 'json');
      const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows).toBe(4);
      const count = (day: number, model: string): unknown => lines.find((l) => l.bucket === new Date(day).toISOString() && l.model === model)?.count;
      expect([count(today - 3 * DAY, 'a'), count(today - 3 * DAY, 'b'), count(today, 'a'), count(today, 'b')]).toEqual([60, 60, 15, 15]);
      // The same export from raw events alone no longer has the expired day.
      await s.store.exportTo(compileExportSource('summary', selection, { dialect: 'duckdb' }), out, 'json');
      expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(2);
    } finally {
      await s.close();
    }
  });

  it('merge the delta rows of ended buckets at most every 10 minutes, not on every run', async () => {
    let now = NOW;
    const s = await openEmbeddedStores({ dataDir: await dir(), clock: { now: () => now } });
    const deltas = async (): Promise<number> => Number((await s.store.query('SELECT count(*) AS n FROM rollup_hour WHERE NOT compacted', []))[0]!.n);
    try {
      // Deltas of three runs for one ended hour (two models: two keys).
      await s.store.append({ events: events(0, 10, () => NOW - 3 * HOUR) });
      await s.store.rollups!.catchUp(); // the first run of a process merges (nothing to merge yet)
      await s.store.append({ events: events(10, 10, () => NOW - 3 * HOUR) });
      now += 60_000;
      expect((await s.store.rollups!.catchUp()).compacted).toBe(0);
      expect(await deltas()).toBe(4);
      now += 10 * 60_000;
      await s.store.append({ events: events(20, 10, () => NOW - 3 * HOUR) });
      expect((await s.store.rollups!.catchUp()).compacted).toBeGreaterThan(0);
      expect(await deltas()).toBe(0);
      expect(Number((await s.store.query('SELECT sum(n) AS n FROM rollup_hour', []))[0]!.n)).toBe(30);
    } finally {
      await s.close();
    }
  });
});
