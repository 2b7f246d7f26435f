import { validateEvents, type StoredEvent } from '@pulse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnricher } from '../../ingest/enrich/enrich.js';
import { createPricing } from '../../ingest/enrich/pricing.js';
import { type MeasureName } from '../../query/measures.js';
import { executeQuery, type Execution } from '../../query/run.js';
import type { QuerySpec } from '../../query/types.js';
import { ROLLUP_MEASURES } from '../../rollups/measures.js';
import { syntheticEvents } from '../../synthetic/index.js';
import { ClickHouseEventStore } from './event-store.js';
import { useClickHouse } from './test-support/server.js';
import { compareWithRaw, expectSameAnswers } from '../../rollups/test-support/same-answers.js';
import { mergeByTime, tsOf, unpricedEvents } from '../../rollups/test-support/unpriced-events.js';

/**
 * Rollups on a real ClickHouse (rollups.ts) against raw answers on the same stored events (the demo's synthetic world,
 * ~10 days, appended in batches with late events), as rollups/rollup-answers.test.ts does on DuckDB: every measure
 * the rollups keep, grouped by every kind of dimension, over ranges whose edges fall mid-hour and mid-day.
 * Counts and sums must be equal (floating sums to 1e-6 relative), quantiles within the sketch's 1 %.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 10, 20, 14, 37, 12, 345);
const PROJECT = 'p1';

const ch = useClickHouse();
let store: ClickHouseEventStore;

function stored(events: unknown[], receivedAt: number): StoredEvent[] {
  const enricher = createEnricher({ pricing: createPricing([]) });
  const { records, rejected } = validateEvents(JSON.parse(JSON.stringify(events)), receivedAt);
  expect(rejected).toEqual([]);
  return records.map((r) => {
    enricher.enrich(r, { storeText: false });
    return { ...r, project: PROJECT };
  });
}

beforeAll(async () => {
  if (ch.skip) return;
  store = new ClickHouseEventStore({ url: ch.server().url, database: 'rollups_test', clock: { now: () => END } });
  await store.init();
  const events = stored(mergeByTime<object>([...syntheticEvents({ seed: 7, startMs: END - 10 * DAY, endMs: END, count: 24_000 })], unpricedEvents(END - 10 * DAY, END, 150), tsOf), END);
  // Several inserts in shuffled slices: the views roll each insert up separately, so buckets get several rows per key
  // (summed again by queries, and by SummingMergeTree when parts merge), and older events arrive after newer ones.
  const slices: StoredEvent[][] = [];
  for (let i = 0; i < events.length; i += 3_000) slices.push(events.slice(i, i + 3_000));
  for (const slice of [...slices.filter((_, i) => i % 2 === 1), ...slices.filter((_, i) => i % 2 === 0)]) await store.append({ events: slice });
  // Another project's events must never leak into p1's answers.
  await store.append({ events: events.slice(0, 500).map((e) => ({ ...e, project: 'other' })) });
}, 120_000);

afterAll(async () => {
  await store?.close();
});

const rolled = (spec: QuerySpec): Promise<Execution> => executeQuery(store, spec, 'ms');
const raw = (spec: QuerySpec): Promise<Execution> => executeQuery(store, spec, 'ms', { rollups: false });

const compare = (spec: QuerySpec): Promise<Execution> => compareWithRaw(store, spec);

const ROLLED = (Object.keys(ROLLUP_MEASURES) as MeasureName[]).filter((m) => m !== 'avg_phase_ms');
const base = (days: number, over: Partial<QuerySpec> = {}): QuerySpec => ({
  project: PROJECT,
  measures: ROLLED,
  dimensions: [],
  filters: [],
  range: { startMs: END - days * DAY - 17 * 60_000 - 1_234, endMs: END - 3 * 60_000 },
  limit: 10_000,
  ...over,
});

describe.skipIf(ch.skip)('ClickHouse rollups (materialized views) answer as raw events do', { timeout: 60_000 }, () => {
  it('keep every event at insert: caught up, every day rolled, rows in each table', async () => {
    const rollups = store.rollups!;
    expect(rollups.caughtUp()).toBe(true);
    expect(rollups.daysUntil()).toBe(Number.POSITIVE_INFINITY);
    const status = await rollups.status();
    for (const table of ['rollup_minute', 'rollup_hour', 'rollup_day', 'latency_hour_by_model', 'latency_day_by_model', 'latency_day', 'phases_hour', 'phases_day']) {
      expect(status.rows[table], table).toBeGreaterThan(0);
    }
    const [counted] = await store.query(`SELECT sum(n) AS n FROM rollup_day WHERE project = 'p1'`, []);
    const [events] = await store.query(`SELECT count() AS n FROM events WHERE project = 'p1'`, []);
    expect(Number(counted!.n)).toBe(Number(events!.n));
  });

  it('every kept measure, ungrouped, over 8 days', async () => {
    expect(ROLLED.length).toBe(Object.keys(ROLLUP_MEASURES).length - 1);
    const a = await compare(base(8));
    expect(a.exactPercentiles).toBe(false);
    expect(Number(a.rows[0]!.count)).toBeGreaterThan(15_000);
  });

  it('tokens of priced calls: none for a model never priced, some for one priced on some calls of a row', async () => {
    const a = await compare(base(8, { dimensions: ['model'], measures: ['count', 'total_tokens', 'priced_tokens', 'cost_usd'], filters: [{ field: 'type', values: ['llm'] }] }));
    const of = (model: string) => a.rows.find((r) => r.model === model)!;
    expect(of('house-7b').priced_tokens).toBe(0);
    expect(Number(of('house-7b').total_tokens)).toBeGreaterThan(0);
    expect(Number(of('house-13b').priced_tokens)).toBeGreaterThan(0);
    expect(Number(of('house-13b').priced_tokens)).toBeLessThan(Number(of('house-13b').total_tokens));
    // Every call of a model the table prices is priced.
    expect(of('gpt-4o').priced_tokens).toBe(of('gpt-4o').total_tokens);
  });

  it('grouped by model and type, by persona with a filter, and by status', async () => {
    await compare(base(8, { dimensions: ['model', 'type'] }));
    await compare(base(6, { dimensions: ['persona'], filters: [{ field: 'type', values: ['message', 'llm'] }] }));
    await compare(base(9, { dimensions: ['status', 'error_type'], measures: ['count', 'errors', 'last_seen', 'first_seen'] }));
    // Minima, maxima and arg pairs (aggregate-function states), where some groups have no values at all.
    await compare(base(8, { dimensions: ['type', 'model'], measures: ['max_value', 'last_value', 'first_value', 'avg_value', 'last_seen'] }));
  });

  it('as time series by hour, day, week and month', async () => {
    for (const interval of ['hour', 'day', 'week', 'month'] as const) {
      await compare(base(8, { interval, measures: ['count', 'cost_usd', 'p95_duration_ms', 'avg_duration_ms', 'error_rate'] }));
    }
  });

  it('by hour of day and weekday (the heatmap)', async () => {
    await compare(base(8, { dimensions: ['weekday', 'hour_of_day'], measures: ['count', 'avg_duration_ms'] }));
  });

  it('per minute from the minute rows (peak throughput)', async () => {
    await compare(base(3, { interval: 'minute', measures: ['count', 'errors'], order: [{ name: 'count', direction: 'desc' }, { name: 'bucket', direction: 'asc' }], limit: 5 }));
  });

  it('phase averages from the phase rows', async () => {
    await compare(base(8, { dimensions: ['phase'], measures: ['avg_phase_ms', 'count'] }));
    await compare(base(8, { dimensions: ['phase', 'model'], measures: ['avg_phase_ms'] }));
  });

  it('latency percentiles within 1 % at p50, p95 and p99, per model, with both sketched columns in one query', async () => {
    const spec = base(8, { dimensions: ['model'], measures: ['p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'p95_ttft_ms', 'count'], filters: [{ field: 'type', values: ['llm'] }] });
    const a = await compare(spec);
    expect(a.rows.length).toBeGreaterThan(2);
    // A dimension outside the hourly sketch tables: daily sketches by all ten, raw events for the rest.
    await compare(base(8, { dimensions: ['persona'], measures: ['p95_duration_ms', 'count'] }));
  });

  it('order and limit apply to the merged groups', async () => {
    const spec = base(8, { dimensions: ['model'], measures: ['count', 'p95_duration_ms'], order: [{ name: 'count', direction: 'desc' }], limit: 3 });
    const [a, b] = await Promise.all([rolled(spec), raw(spec)]);
    expect(a.rows.map((r) => r.model)).toEqual(b.rows.map((r) => r.model));
    expect(a.truncated).toBe(b.truncated);
  });

  it('reads raw events for what no rollup keeps, and for ranges up to 6 h', async () => {
    for (const spec of [
      base(8, { measures: ['unique_users'] }),
      base(8, { dimensions: ['user_id'], measures: ['count'] }),
      { ...base(1, { measures: ['count', 'p95_duration_ms'] }), range: { startMs: END - 6 * HOUR, endMs: END } },
    ]) {
      const a = await rolled(spec);
      expect(a.rollups, JSON.stringify(spec.measures)).toBe(false);
      expectSameAnswers(a, await raw(spec), spec);
    }
  });

  it('answers do not move when parts merge (sums added, min/max/arg states merged)', async () => {
    const spec = base(8, { dimensions: ['type', 'model'] });
    const before = await rolled(spec);
    const tables = ['rollup_minute', 'rollup_hour', 'rollup_day', 'latency_hour_by_model', 'latency_day', 'phases_day'];
    const rowsOf = async (): Promise<number> => {
      let n = 0;
      for (const t of tables) n += Number((await store.query(`SELECT count() AS n FROM ${t}`, []))[0]!.n);
      return n;
    };
    const unmerged = await rowsOf();
    for (const t of tables) await store.client.command({ query: `OPTIMIZE TABLE ${t} FINAL` });
    expect(await rowsOf()).toBeLessThan(unmerged);
    const after = await compare(spec);
    expectSameAnswers(after, before, spec);
  });

  it('an empty range answers as raw does', async () => {
    await compare(base(8, { range: { startMs: END - 40 * DAY, endMs: END - 30 * DAY }, measures: ['count', 'p95_duration_ms', 'avg_value'] }));
  });

  it('a late event lands in its old bucket at once', async () => {
    const before = await rolled(base(8, { dimensions: ['model'] }));
    await store.append({ events: stored([{ type: 'llm', ts: new Date(END - 5 * DAY).toISOString(), model: 'gpt-4o', duration_ms: 1234, input_tokens: 10 }], END) });
    const after = await compare(base(8, { dimensions: ['model'] }));
    const count = (e: Execution): number => Number(e.rows.find((r) => r.model === 'gpt-4o')!.count);
    expect(count(after)).toBe(count(before) + 1);
  });

  it('retention deletes rollup rows before each grain\'s cutoff, and rollups outlive the raw events', async () => {
    const spec = base(8, { measures: ['count'] });
    const whole = Number((await rolled(spec)).rows[0]!.count);
    // Raw events older than 2 days go; the rollups keep answering for the whole range from their rows.
    await store.deleteBefore(END - 2 * DAY);
    const rawLeft = Number((await raw(spec)).rows[0]!.count);
    expect(rawLeft).toBeLessThan(whole);
    const dayAligned = { ...spec, range: { startMs: Math.ceil(spec.range.startMs / DAY) * DAY, endMs: Math.floor((END - 2 * DAY) / DAY) * DAY } };
    const fromRollups = await rolled(dayAligned);
    expect(fromRollups.rollups).toBe(true);
    expect(Number(fromRollups.rows[0]!.count)).toBeGreaterThan(0);
    const cutoff = Math.floor((END - 4 * DAY) / DAY) * DAY;
    const [dayRows] = await store.query(`SELECT count() AS n FROM rollup_day WHERE ts < ${cutoff}`, []);
    const deleted = await store.rollups!.deleteBefore({ minute: cutoff, hour: cutoff, day: cutoff });
    expect(deleted).toBeGreaterThanOrEqual(Number(dayRows!.n));
    for (const table of ['rollup_minute', 'rollup_hour', 'rollup_day', 'latency_day', 'phases_hour']) {
      const [left] = await store.query(`SELECT count() AS n FROM ${table} WHERE ts < ${cutoff}`, []);
      expect(Number(left!.n), table).toBe(0);
    }
    const [kept] = await store.query(`SELECT count() AS n FROM rollup_day WHERE ts >= ${cutoff}`, []);
    expect(Number(kept!.n)).toBeGreaterThan(0);
  });
});
