import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../store/types.js';
import { runQuery } from './run.js';
import { event, EVENTS, NOW, PROJECT } from './test-support/fixture.js';
import { queryBackends } from './test-support/backends.js';
import { LATENCY_GAMMA, type QuerySpec } from './types.js';

const DAY = { startMs: NOW - 86_400_000, endMs: NOW };

/** The fixture's hand-derived answers, on every event store engine. */
describe.each(queryBackends())('runQuery on $name', ({ open: openTestStore }) => {
let store: EventStore;
beforeAll(async () => {
  store = await openTestStore(EVENTS);
});
afterAll(async () => {
  await store.close();
});

const q = (over: Partial<QuerySpec>) =>
  runQuery(store, { project: PROJECT, measures: ['count'], dimensions: [], filters: [], range: DAY, ...over });

  it('gives the time of the latest and earliest event that has a value (the feedback at 07:00), not of any event', async () => {
    const { data } = await q({ measures: ['last_value', 'last_value_seen', 'first_value_seen', 'last_seen'] });
    expect(data).toEqual([{ last_value: 4, last_value_seen: '2025-12-12T07:00:00Z', first_value_seen: '2025-12-12T07:00:00Z', last_seen: '2025-12-12T09:50:00Z' }]);
  });

  it('computes every measure over the range, only for the project', async () => {
    const { data, meta } = await q({
      measures: [
        'count', 'errors', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'avg_duration_ms',
        'p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'avg_ttft_ms', 'p95_ttft_ms', 'error_rate',
        'success_rate', 'unique_users', 'tokens_per_second', 'avg_sentiment', 'sum_value', 'avg_value', 'last_seen',
      ],
    });
    expect(data).toHaveLength(1);
    const r = data[0]!;
    expect(r).toMatchObject({
      count: 8, errors: 3, input_tokens: 1500, output_tokens: 550, total_tokens: 2050, p50_duration_ms: 200,
      avg_ttft_ms: 40, error_rate: 0.375, success_rate: 0.625, unique_users: 4, tokens_per_second: 275,
      sum_value: 4, avg_value: 4, last_seen: '2025-12-12T09:50:00Z',
    });
    expect(r.cost_usd).toBeCloseTo(0.063, 10);
    expect(r.avg_duration_ms).toBe(Number((2200 / 7).toPrecision(7))); // floats are answered to 7 significant digits
    // Durations 50,100,150,200,300,400,1000: p95 at rank 5.7 → 400 + 0.7 × 600; p99 at 5.94.
    expect(r.p95_duration_ms).toBeCloseTo(820, 6);
    expect(r.p99_duration_ms).toBeCloseTo(964, 6);
    expect(r.p95_ttft_ms).toBeCloseTo(58, 6);
    expect(r.avg_sentiment).toBeCloseTo(0.25 / 3, 6);
    expect(meta).toMatchObject({ rows: 1, truncated: false, start: '2025-12-11T10:00:00Z', end: '2025-12-12T10:00:00Z', percentiles: 'exact' });
  });

  it('answers zeros and nulls over an empty range', async () => {
    const { data } = await q({
      range: { startMs: 0, endMs: 1000 }, measures: ['count', 'input_tokens', 'cost_usd', 'avg_duration_ms', 'error_rate'],
    });
    expect(data).toEqual([{ count: 0, input_tokens: 0, cost_usd: 0, avg_duration_ms: null, error_rate: null }]);
  });

  it('buckets per hour with RFC 3339 bucket starts', async () => {
    const { data } = await q({ interval: 'hour', measures: ['count', 'errors'] });
    expect(data).toEqual([
      { bucket: '2025-12-12T07:00:00Z', count: 1, errors: 0 },
      { bucket: '2025-12-12T08:00:00Z', count: 3, errors: 0 },
      { bucket: '2025-12-12T09:00:00Z', count: 4, errors: 3 },
    ]);
  });

  it('buckets per ISO week and month', async () => {
    const range = { startMs: Date.parse('2025-11-01T00:00:00Z'), endMs: NOW + 1 };
    expect((await q({ range, interval: 'week' })).data).toEqual([
      { bucket: '2025-12-08T00:00:00Z', count: 11 },
    ]);
    expect((await q({ range, interval: 'month' })).data).toEqual([{ bucket: '2025-12-01T00:00:00Z', count: 11 }]);
  });

  it('groups by a dimension, largest first, the group without a value included', async () => {
    const { data } = await q({ dimensions: ['model'], measures: ['count', 'input_tokens'] });
    expect(data).toEqual([
      { model: null, count: 3, input_tokens: 0 },
      { model: 'gpt-4o', count: 2, input_tokens: 300 },
      { model: 'gpt-4o-mini', count: 2, input_tokens: 700 },
      { model: 'claude-3-sonnet', count: 1, input_tokens: 500 },
    ]);
  });

  it('filters with any-of values and on attributes', async () => {
    expect((await q({ filters: [{ field: 'model', values: ['gpt-4o', 'claude-3-sonnet'] }] })).data).toEqual([{ count: 3 }]);
    const byChannel = await q({ filters: [{ field: 'attributes.channel', values: ['general'] }], measures: ['count', 'input_tokens'] });
    expect(byChannel.data).toEqual([{ count: 2, input_tokens: 300 }]);
    const both = await q({
      filters: [{ field: 'attributes.channel', values: ['random', 'general'] }, { field: 'status', values: ['error'] }],
    });
    expect(both.data).toEqual([{ count: 1 }]);
  });

  it('groups by an attribute', async () => {
    const { data } = await q({ dimensions: ['attributes.channel'], order: [{ name: 'attributes.channel', direction: 'asc' }] });
    expect(data).toEqual([
      { 'attributes.channel': 'general', count: 2 },
      { 'attributes.channel': 'random', count: 2 },
      { 'attributes.channel': null, count: 4 },
    ]);
  });

  it('gives the hour × weekday heatmap', async () => {
    const { data } = await q({ dimensions: ['weekday', 'hour_of_day'], order: [{ name: 'hour_of_day', direction: 'asc' }] });
    expect(data).toEqual([
      { weekday: 5, hour_of_day: 7, count: 1 },
      { weekday: 5, hour_of_day: 8, count: 3 },
      { weekday: 5, hour_of_day: 9, count: 4 },
    ]);
  });

  it('buckets latency logarithmically, as a 1 % DDSketch indexes it', async () => {
    const { data } = await q({ dimensions: ['duration_bucket'], order: [{ name: 'duration_bucket', direction: 'asc' }] });
    const index = (ms: number): number => Math.ceil(Math.log(ms) / Math.log(LATENCY_GAMMA));
    const expected = new Map<number | null, number>();
    for (const ms of [100, 200, 300, 400, 1000, 50, 150, null]) {
      const k = ms === null ? null : index(ms);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    expect(data).toEqual([...expected].sort((a, b) => (a[0] ?? Infinity) - (b[0] ?? Infinity)).map(([k, n]) => ({ duration_bucket: k, count: n })));
    // Bucket i holds (γ^(i−1), γ^i]: 100 ms lies in it.
    const i = index(100);
    expect(LATENCY_GAMMA ** (i - 1)).toBeLessThan(100);
    expect(LATENCY_GAMMA ** i).toBeGreaterThanOrEqual(100);
  });

  it('breaks response time down by phase', async () => {
    const { data } = await q({ dimensions: ['phase'], measures: ['count', 'avg_phase_ms'], order: [{ name: 'phase', direction: 'asc' }] });
    expect(data).toHaveLength(3);
    expect(data[0]).toEqual({ phase: 'context_building', count: 2, avg_phase_ms: 15 });
    expect(data[1]).toEqual({ phase: 'discord_send', count: 1, avg_phase_ms: 30 });
    expect(data[2]!.phase).toBe('llm_inference');
    expect(data[2]!.avg_phase_ms).toBeCloseTo(490 / 3, 4);
  });

  it('orders, limits and reports truncation', async () => {
    const { data, meta } = await q({
      dimensions: ['user_id'], measures: ['count'], order: [{ name: 'user_id', direction: 'desc' }], limit: 2,
      filters: [{ field: 'type', values: ['llm', 'feedback'] }],
    });
    expect(data).toEqual([{ user_id: 'u4', count: 1 }, { user_id: 'u3', count: 2 }]);
    expect(meta).toMatchObject({ rows: 2, truncated: true, limit: 2, order: ['-user_id'] });
  });

  it('treats a SQL-looking filter value as a literal', async () => {
    const { data } = await q({ filters: [{ field: 'model', values: ["gpt-4o' OR '1'='1"] }] });
    expect(data).toEqual([{ count: 0 }]);
    expect((await store.query('SELECT count(*) AS n FROM events', []))[0]!.n).toBe(EVENTS.length);
  });

  it('counts users per cohort (first active hour) and active hour, and sessions', async () => {
    const { data } = await q({
      per: 'cohort', interval: 'hour', dimensions: ['cohort'], measures: ['cohort_users'], order: [{ name: 'bucket', direction: 'asc' }],
    });
    // First hours: u4 07:00; u1 and u2 08:00; u3 09:00 — each active only in its first hour.
    expect(data).toEqual([
      { bucket: '2025-12-12T07:00:00Z', cohort: '2025-12-12T07:00:00Z', cohort_users: 1 },
      { bucket: '2025-12-12T08:00:00Z', cohort: '2025-12-12T08:00:00Z', cohort_users: 2 },
      { bucket: '2025-12-12T09:00:00Z', cohort: '2025-12-12T09:00:00Z', cohort_users: 1 },
    ]);
    // No event of the fixture carries a session_id.
    expect((await q({ per: 'session', measures: ['sessions'] })).data).toEqual([{ sessions: 0 }]);
  });

describe('answer precision', () => {
  it('rounds float32-derived measures to 7 significant digits but keeps cost and value sums exact', async () => {
    const s = await openTestStore([
      event({ ts: NOW - 1000, cost_usd: 12_345.678912, value: 0.000123456789, duration_ms: 1000.1 }),
    ]);
    try {
      const { data } = await runQuery(s, {
        project: PROJECT, measures: ['cost_usd', 'sum_value', 'avg_duration_ms'], dimensions: [], filters: [], range: DAY,
      });
      // 1000.1 is stored as the float32 1000.0999755859375; the answer shows what was sent.
      expect(data).toEqual([{ cost_usd: 12_345.678912, sum_value: 0.000123456789, avg_duration_ms: 1000.1 }]);
    } finally {
      await s.close();
    }
  });

  it('answers DOUBLE sums to 15 significant digits, so the order rows are added in does not show', async () => {
    // In doubles 0.1 + 0.2 is 0.30000000000000004, and 0.7 + 0.2 + 0.1 is 0.9999999999999999 but 0.1 + 0.2 + 0.7 is 1.
    const s = await openTestStore([
      event({ ts: NOW - 3000, cost_usd: 0.1, value: 0.2 }),
      event({ ts: NOW - 2000, cost_usd: 0.2, value: 0.1 }),
      event({ ts: NOW - 1000, cost_usd: 0.7, value: 0.7, model: 'other' }),
    ]);
    try {
      const ask = (dimensions: string[]) => runQuery(s, {
        project: PROJECT, measures: ['cost_usd', 'sum_value', 'avg_value'], dimensions: dimensions as never, filters: [], range: DAY,
      });
      expect((await ask([])).data).toEqual([{ cost_usd: 1, sum_value: 1, avg_value: 0.333333333333333 }]);
      const byModel = (await ask(['model'])).data.find((r) => r.model !== 'other');
      expect(byModel).toMatchObject({ cost_usd: 0.3, sum_value: 0.3, avg_value: 0.15 });
    } finally {
      await s.close();
    }
  });
});
});
