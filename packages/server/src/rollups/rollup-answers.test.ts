import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEvents, type StoredEvent } from '@pulse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnricher } from '../ingest/enrich/enrich.js';
import { createPricing } from '../ingest/enrich/pricing.js';
import { MEASURE_NAMES, type MeasureName } from '../query/measures.js';
import { compileQuery } from '../query/compiler.js';
import { dialectFor } from '../query/dialects/index.js';
import { executeQuery, type Execution } from '../query/run.js';
import type { QuerySpec } from '../query/types.js';
import { openEmbeddedStores, type EmbeddedStores } from '../store/duckdb/index.js';
import { syntheticEvents } from '../synthetic/index.js';
import { ROLLUP_MEASURES } from './measures.js';
import { compareWithRaw, expectSameAnswers } from './test-support/same-answers.js';
import { mergeByTime, tsOf, unpricedEvents } from './test-support/unpriced-events.js';

/**
 * Rollup answers against raw answers, on the same stored events (the demo's synthetic world, ~10 days): every
 * measure the rollups keep, grouped by every kind of dimension, over ranges whose edges fall mid-hour and mid-day
 * (so rollup rows, finer rollup rows and raw edges all take part), with some events past the watermark, late events
 * and delta rows not compacted yet. Counts and sums must be equal (floating sums to 1e-9 relative), quantiles within
 * the sketch's stated 1 %.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 10, 20, 14, 37, 12, 345);
const PROJECT = 'p1';

let dir: string;
let stores: EmbeddedStores;

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
  dir = await mkdtemp(join(tmpdir(), 'pulse-rollups-'));
  const all = mergeByTime<object>([...syntheticEvents({ seed: 7, startMs: END - 10 * DAY, endMs: END, count: 24_000 })], unpricedEvents(END - 10 * DAY, END, 150), tsOf);
  const events = stored(all, END);
  const third = Math.floor(events.length / 3);
  // A third stored before rollups existed (PULSE_ROLLUPS=false): rolled up from the table (the SQL path) at the first
  // catch-up. The rest arrives while they run, rolled up in memory as batches commit (the accumulator), in three
  // runs that add late events (old timestamps) to buckets that already have rows; the last 2,000-odd events arrive
  // after the last run and stay past the watermark.
  const before = await openEmbeddedStores({ dataDir: dir, rollups: false });
  await before.store.append({ events: events.slice(0, third) });
  await before.close();
  // Written by these runs only (no early write of the rows held), so the last events do stay past the watermark.
  stores = await openEmbeddedStores({ dataDir: dir, rollups: { writeAtRows: 1_000_000, maxAccumulatedRows: 2_000_000, compactEveryMs: 0 } });
  await stores.store.append({ events: events.slice(third, third + 3_000) });
  await stores.store.rollups!.catchUp();
  for (let i = third + 3_000; i < 2 * third; i += 1_000) await stores.store.append({ events: events.slice(i, Math.min(i + 1_000, 2 * third)) });
  await stores.store.rollups!.catchUp();
  await stores.store.append({ events: events.slice(2 * third, 2 * third + 2_000) });
  await stores.store.rollups!.catchUp();
  await stores.store.append({ events: events.slice(2 * third + 2_000) });
  // Another project's events must never leak into p1's answers.
  await stores.store.append({ events: events.slice(0, 500).map((e) => ({ ...e, project: 'other' })) });
}, 120_000);

afterAll(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

const rolled = (spec: QuerySpec): Promise<Execution> => executeQuery(stores.store, spec, 'ms');
const raw = (spec: QuerySpec): Promise<Execution> => executeQuery(stores.store, spec, 'ms', { rollups: false });

const compare = (spec: QuerySpec): Promise<Execution> => compareWithRaw(stores.store, spec);

const ROLLED = (Object.keys(ROLLUP_MEASURES) as MeasureName[]).filter((m) => m !== 'avg_phase_ms');
const base = (days: number, over: Partial<QuerySpec> = {}): QuerySpec => ({
  project: PROJECT,
  measures: ROLLED,
  dimensions: [],
  filters: [],
  // Edges mid-hour and mid-day, so day, hour and minute rows and raw events all answer parts of the range.
  range: { startMs: END - days * DAY - 17 * 60_000 - 1_234, endMs: END - 3 * 60_000 },
  limit: 10_000,
  ...over,
});

describe('rollups answer as raw events do', () => {
  it('rolled up most events, and left the latest ones past the watermark', async () => {
    const status = await stores.store.rollups!.status();
    expect(status.watermark).toBeGreaterThan(16_000);
    expect(status.behind).toBeGreaterThan(5_000);
    expect(status.rows.rollup_hour).toBeGreaterThan(0);
    expect(status.rows.latency_day).toBeGreaterThan(0);
  });

  it('every kept measure, ungrouped, over 8 days', async () => {
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
  });

  it('up to 7 whole days of partial rows from hourly rows only, where daily ones would fit', async () => {
    const rollups = stores.store.rollups!;
    for (const spec of [
      base(6, { dimensions: ['error_type'], measures: ['count', 'last_seen', 'cost_usd'], filters: [{ field: 'status', values: ['error'] }] }),
      base(7, { interval: 'day', measures: ['count', 'cost_usd', 'errors', 'avg_duration_ms'] }),
    ]) {
      // Hourly rows are kept from the first event's hour on: before either range.
      expect(rollups.hoursFrom()).toBeLessThanOrEqual(spec.range.startMs);
      const options = { rollups: true, daysUntilMs: rollups.daysUntil(), caughtUp: rollups.caughtUp() };
      expect(compileQuery(spec, dialectFor('duckdb'), options).sql).toContain('rollup_day');
      const { sql } = compileQuery(spec, dialectFor('duckdb'), { ...options, hoursFromMs: rollups.hoursFrom() });
      expect(sql).toContain('rollup_hour');
      expect(sql).not.toContain('rollup_day');
      expect((await compare(spec)).rows.length).toBeGreaterThan(0);
    }
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
    const spec = base(3, { interval: 'minute', measures: ['count', 'errors'], order: [{ name: 'count', direction: 'desc' }], limit: 5 });
    await compare(spec);
  });

  it('phase averages from the phase rows', async () => {
    await compare(base(8, { dimensions: ['phase'], measures: ['avg_phase_ms', 'count'] }));
    await compare(base(8, { dimensions: ['phase', 'model'], measures: ['avg_phase_ms'] }));
  });

  it('latency percentiles stay within 1 % at p50, p95 and p99, per model', async () => {
    const spec = base(8, { dimensions: ['model'], measures: ['p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'p95_ttft_ms', 'count'], filters: [{ field: 'type', values: ['llm'] }] });
    const a = await compare(spec);
    expect(a.rows.length).toBeGreaterThan(2);
  });

  it('order and limit apply to the merged groups', async () => {
    const spec = base(8, { dimensions: ['model'], measures: ['count', 'p95_duration_ms'], order: [{ name: 'count', direction: 'desc' }], limit: 3 });
    const [a, b] = await Promise.all([rolled(spec), raw(spec)]);
    expect(a.rows.map((r) => r.model)).toEqual(b.rows.map((r) => r.model));
    expect(a.truncated).toBe(b.truncated);
  });

  it('reads raw events for what the rollups do not keep, and for ranges up to 6 h', async () => {
    for (const spec of [
      base(8, { measures: ['unique_users'] }),
      base(8, { dimensions: ['user_id'], measures: ['count'] }),
      base(8, { filters: [{ field: 'attributes.plan', values: ['pro'] }], measures: ['count'] }),
      base(8, { measures: ['sessions'], per: 'session' }),
      { ...base(1, { measures: ['count', 'p95_duration_ms'] }), range: { startMs: END - 6 * HOUR, endMs: END } },
      // Percentiles by persona (only the daily sketch has it) over 20 hours across a midnight,
      // before the latest rolled-up event: no whole day, so no rollup row answers.
      { ...base(1, { dimensions: ['persona'], measures: ['count', 'p95_duration_ms'] }), range: { startMs: Date.UTC(2026, 10, 15, 6), endMs: Date.UTC(2026, 10, 16, 2) } },
    ]) {
      const a = await rolled(spec);
      expect(a.rollups, JSON.stringify(spec.measures)).toBe(false);
      expect(a.exactPercentiles).toBe(true);
    }
  });

  it('covers a range older than every rollup bucket, and an empty one, with the raw answer', async () => {
    await compare(base(8, { range: { startMs: END - 40 * DAY, endMs: END - 30 * DAY }, measures: ['count', 'p95_duration_ms', 'avg_value'] }));
  });

  it('runs merge the delta rows of ended buckets into one row per key; the answers do not move', async () => {
    const perKey = `SELECT count(*) AS n, count(DISTINCT (project, ts, type, name, service, environment, persona, model, provider, status, error_type, prompt_id)) AS keys,
      count(*) FILTER (WHERE NOT compacted) AS deltas FROM rollup_hour`;
    const [hour] = await stores.store.query(perKey, []);
    expect(hour).toMatchObject({ deltas: 0 });
    expect(hour!.n).toBe(hour!.keys);
    // A late event adds a delta row to an ended hour; the next run merges it.
    const before = await rolled(base(8, { dimensions: ['model'] }));
    const late = stored([{ type: 'llm', ts: new Date(END - 5 * DAY).toISOString(), model: 'gpt-4o', duration_ms: 1234, input_tokens: 10 }], END);
    await stores.store.append({ events: late });
    const run = await stores.store.rollups!.catchUp();
    expect(run.compacted).toBeGreaterThan(0);
    const after = await compare(base(8, { dimensions: ['model'] }));
    const [again] = await stores.store.query(perKey, []);
    expect(again).toMatchObject({ deltas: 0 });
    expect(Number(after.rows.find((r) => r.model === 'gpt-4o')!.count)).toBe(Number(before.rows.find((r) => r.model === 'gpt-4o')!.count) + 1);
  });

  it('quantiles finished in JavaScript equal the SQL ones: groups, cuts and percentile orders', async () => {
    const sqlWay = (spec: QuerySpec): Promise<Execution> => executeQuery(stores.store, spec, 'ms', { quantilesAfter: false });
    const latency: MeasureName[] = ['count', 'avg_duration_ms', 'p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'error_rate'];
    const byCount = [{ name: 'count', direction: 'desc' as const }];
    const shapes: QuerySpec[] = [
      // The performance preset's three: overall, by model (NULL for events without one), by route.
      base(8, { measures: [...latency, 'errors'] }),
      base(8, { dimensions: ['model'], measures: latency, order: byCount, limit: 100 }),
      base(8, { dimensions: ['name'], measures: latency, filters: [{ field: 'type', values: ['http'] }], order: byCount, limit: 100 }),
      // Two sketched columns, two keys, a filter; only percentiles (no partial measure besides the grouping).
      base(9, { dimensions: ['model', 'provider'], measures: ['count', 'p95_duration_ms', 'p95_ttft_ms'], filters: [{ field: 'type', values: ['llm'] }] }),
      base(8, { measures: ['p99_duration_ms'] }),
      // Cut by the limit before the bins are read, ascending, ties broken by the dimension.
      base(8, { dimensions: ['name'], measures: ['count', 'p50_duration_ms'], order: [{ name: 'count', direction: 'asc' }], limit: 4 }),
      // Groups with events but no duration at all: their percentiles are null both ways.
      base(8, { dimensions: ['type'], measures: ['count', 'p95_duration_ms'] }),
      // Ordered by a percentile: every group's bins are read, the order and the cut happen after the quantiles.
      base(8, { dimensions: ['model'], measures: ['p95_duration_ms', 'count'], filters: [{ field: 'type', values: ['llm'] }], limit: 2 }),
      base(8, { dimensions: ['name'], measures: ['count', 'p99_duration_ms'], order: [{ name: 'p99_duration_ms', direction: 'asc' }] }),
    ];
    for (const spec of shapes) {
      const compiled = compileQuery(spec, dialectFor('duckdb'), { rollups: true, quantilesAfter: true, extraRow: true });
      expect(compiled.quantilesAfter, JSON.stringify(spec.dimensions)).toBeDefined();
      const [js, sql] = await Promise.all([rolled(spec), sqlWay(spec)]);
      expect(js.rows.length).toBeGreaterThan(0);
      expect(js.rows, JSON.stringify({ d: spec.dimensions, m: spec.measures })).toEqual(sql.rows);
      expect(js.truncated).toBe(sql.truncated);
    }
    for (const i of [5, 7]) {
      const cut = await rolled(shapes[i]!);
      expect(cut.truncated).toBe(true);
      expect(cut.rows).toHaveLength(shapes[i]!.limit!);
    }
    const types = await rolled(shapes[6]!);
    expect(types.rows.some((r) => r.p95_duration_ms === null)).toBe(true);
    expect(types.rows.some((r) => r.p95_duration_ms !== null)).toBe(true);
  });

  it('series keep the SQL quantiles', () => {
    const spec = base(8, { interval: 'day', dimensions: ['model'], measures: ['count', 'p95_duration_ms'] });
    const compiled = compileQuery(spec, dialectFor('duckdb'), { rollups: true, quantilesAfter: true });
    expect(compiled.rollups).toBe(true);
    expect(compiled.quantilesAfter).toBeUndefined();
  });

  // Last: these roll up events at and after the ranges' end, so later queries no longer read the last hour whole.
  it('reads the last hour whole while every rolled-up event is before the end, and from raw events once one is not', async () => {
    // Up to 14:57:12, past every stored event (they end at END, 14:37:12), in the same hour.
    const endMs = END + 20 * 60_000;
    const spec = base(8, { dimensions: ['model'], measures: ['count', 'errors', 'cost_usd', 'p95_duration_ms'] });
    spec.range = { startMs: spec.range.startMs, endMs };
    const options = { rollups: true, extraRow: true, quantilesAfter: true } as const;
    const latestBefore = stores.store.rollups!.latestRolled(PROJECT);
    expect(latestBefore).not.toBeNull();
    expect(latestBefore!).toBeLessThan(endMs);
    expect(compileQuery(spec, dialectFor('duckdb'), { ...options, latestRolledMs: latestBefore }).openEnd).toBe(true);
    expect(stores.store.rollups!.latestRolled('other')!).toBeLessThan(latestBefore!);
    expect(stores.store.rollups!.latestRolled('nobody')).toBeNull();
    await compare(spec);

    // Rolled up while the query reads: an event after the end (same hour) and every event past the watermark, some
    // of them after the end too. The answer must not count them: the query sees the latest event move and reads again.
    const after = stored([{ type: 'llm', ts: new Date(endMs + 60_000).toISOString(), model: 'gpt-4o', duration_ms: 5, cost_usd: 1 }], END);
    let reads = 0;
    const racing = new Proxy(stores.store, {
      get(target, property) {
        if (property === 'query') {
          return async (sql: string, params: never[]) => {
            if (reads++ === 0) {
              await target.append({ events: after });
              await target.rollups!.catchUp();
            }
            return target.query(sql, params);
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const answer = await executeQuery(racing, spec, 'ms');
    expectSameAnswers(answer, await raw(spec), spec);
    expect(reads).toBe(2);
    expect(stores.store.rollups!.latestRolled(PROJECT)!).toBeGreaterThanOrEqual(endMs + 60_000);
    // From now on the plan reads the part of the last hour before the end raw.
    expect(compileQuery(spec, dialectFor('duckdb'), { ...options, latestRolledMs: stores.store.rollups!.latestRolled(PROJECT) }).openEnd).toBe(false);
    await compare(spec);
  });

  it('every measure the rollups keep is tested above', () => {
    const kept = Object.keys(ROLLUP_MEASURES);
    expect(kept.every((m) => MEASURE_NAMES.includes(m as MeasureName))).toBe(true);
    expect(ROLLED.length + 1).toBe(kept.length);
  });
});
