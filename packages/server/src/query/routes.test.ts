import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../store/types.js';
import { EVENTS, NOW, PROJECT } from './test-support/fixture.js';
import { openTestStore } from './test-support/open-store.js';
import { buildTestApp } from './test-support/test-app.js';

let store: EventStore;
let app: FastifyInstance;
beforeAll(async () => {
  store = await openTestStore(EVENTS);
  app = await buildTestApp({ store, clock: { now: () => NOW }, project: PROJECT, dataDir: tmpdir() });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
};

describe('GET /v1/query', () => {
  it('answers data and meta', async () => {
    const { status, body } = await get('/v1/query?measures=count,input_tokens&dimensions=model&model=gpt-4o&model=claude-3-sonnet&project=p2');
    expect(status).toBe(200);
    expect(body.data).toEqual([
      { model: 'gpt-4o', count: 2, input_tokens: 300 },
      { model: 'claude-3-sonnet', count: 1, input_tokens: 500 },
    ]);
    expect(body.meta).toMatchObject({
      measures: ['count', 'input_tokens'], dimensions: ['model'], interval: null, rows: 2, truncated: false,
      filters: { model: ['gpt-4o', 'claude-3-sonnet'] }, start: '2025-12-11T10:00:00Z', end: '2025-12-12T10:00:00Z',
    });
  });

  it('answers a time series with an attribute filter, and a heatmap', async () => {
    const series = await get('/v1/query?measures=count&interval=hour&attributes.channel=random');
    expect(series.body.data).toEqual([{ bucket: '2025-12-12T08:00:00Z', count: 1 }, { bucket: '2025-12-12T09:00:00Z', count: 1 }]);
    const heat = await get('/v1/query?dimensions=weekday,hour_of_day&order=hour_of_day&type=llm');
    expect(heat.body.data).toEqual([{ weekday: 5, hour_of_day: 8, count: 3 }, { weekday: 5, hour_of_day: 9, count: 2 }]);
  });

  it('keeps a SQL-looking or NUL-bearing filter value literal', async () => {
    for (const v of ["'; DROP TABLE events; --", 'a\u0000b', 'ünï 🎉']) {
      const { status, body } = await get(`/v1/query?model=${encodeURIComponent(v)}`);
      expect(status).toBe(200);
      expect(body.data).toEqual([{ count: 0 }]);
    }
  });
});

describe('GET /v1/analytics/usage/overview', () => {
  it('summarises llm usage with an hourly series over the default 24 h', async () => {
    const { status, body } = await get('/v1/analytics/usage/overview');
    expect(status).toBe(200);
    expect(body.summary).toEqual({
      total_requests: 5, total_tokens_requested: 1500, total_tokens_used: 2050, total_cost_usd: '0.063',
      average_response_time_ms: 400, success_rate: 0.6,
      period: { start: '2025-12-11T10:00:00Z', end: '2025-12-12T09:59:59Z', group_by: 'hour' },
    });
    const series = body.time_series as Array<Record<string, unknown>>;
    expect(series).toHaveLength(24);
    expect(series[0]).toEqual({ timestamp: '2025-12-11T10:00:00Z', requests: 0, tokens: 0, cost_usd: 0, avg_response_time_ms: null, success_rate: null });
    expect(series[22]).toEqual({ timestamp: '2025-12-12T08:00:00Z', requests: 3, tokens: 850, cost_usd: 0.031, avg_response_time_ms: 200, success_rate: 1 });
    expect(series[23]).toEqual({ timestamp: '2025-12-12T09:00:00Z', requests: 2, tokens: 1200, cost_usd: 0.032, avg_response_time_ms: 700, success_rate: 0 });
    expect(body.top_prompts).toEqual([
      { prompt_id: 'greet', requests: 2, tokens: 450, cost_usd: 0.03 },
      { prompt_id: 'summarize', requests: 2, tokens: 1000, cost_usd: 0.003 },
    ]);
  });

  it('groups by day over a date range, end date inclusive', async () => {
    const { body } = await get('/v1/analytics/usage/overview?start_date=2025-12-10&end_date=2025-12-12&group_by=day');
    expect((body.summary as Record<string, unknown>).period).toEqual({ start: '2025-12-10T00:00:00Z', end: '2025-12-12T23:59:59Z', group_by: 'day' });
    expect((body.summary as Record<string, unknown>).total_requests).toBe(8);
    expect((body.time_series as Array<Record<string, unknown>>).map((p) => [p.timestamp, p.requests])).toEqual([
      ['2025-12-10T00:00:00Z', 0], ['2025-12-11T00:00:00Z', 2], ['2025-12-12T00:00:00Z', 6],
    ]);
  });

  it('keeps the latest 10,000 buckets of a longer series and says so', async () => {
    const { status, body } = await get('/v1/analytics/usage/overview?start_date=2024-01-01&group_by=hour');
    expect(status).toBe(200);
    const series = body.time_series as Array<Record<string, unknown>>;
    expect(body.time_series_truncated).toBe(true);
    expect(series).toHaveLength(10_000);
    // The buckets with data are the last ones, as over 24 h; the summary still covers the whole range.
    expect(series.at(-1)).toMatchObject({ timestamp: '2025-12-12T09:00:00Z', requests: 2 });
    expect(series.at(-2)).toMatchObject({ timestamp: '2025-12-12T08:00:00Z', requests: 3 });
    expect(series.reduce((n, p) => n + Number(p.requests), 0)).toBe((body.summary as Record<string, number>).total_requests);
    expect((await get('/v1/analytics/usage/overview')).body.time_series_truncated).toBe(false);
  });

  it('lets a type filter replace the llm scope', async () => {
    const { body } = await get('/v1/analytics/usage/overview?type=http');
    expect((body.summary as Record<string, unknown>).total_requests).toBe(2);
  });
});

describe('GET /v1/analytics/performance/metrics', () => {
  it('analyses response times, throughput, errors, host and store', async () => {
    const { status, body } = await get('/v1/analytics/performance/metrics');
    expect(status).toBe(200);
    expect(body.response_time).toEqual({ events: 8, avg_ms: 314.3, p50_ms: 200, p95_ms: 820, p99_ms: 964, error_rate: 0.375 });
    expect(body.by_model).toEqual({
      'gpt-4o': { events: 2, avg_ms: 150, p50_ms: 150, p95_ms: 195, p99_ms: 199, error_rate: 0 },
      'gpt-4o-mini': { events: 2, avg_ms: 350, p50_ms: 350, p95_ms: 395, p99_ms: 399, error_rate: 0.5 },
      'claude-3-sonnet': { events: 1, avg_ms: 1000, p50_ms: 1000, p95_ms: 1000, p99_ms: 1000, error_rate: 1 },
    });
    expect(body.by_route).toEqual({ '/v1/chat': { events: 2, avg_ms: 100, p50_ms: 100, p95_ms: 145, p99_ms: 149, error_rate: 0.5 } });
    expect(body.throughput).toEqual({ events_per_minute: 0.00556, peak_events_per_minute: 1, peak_minute: '2025-12-12T07:00:00Z' });
    expect(body).toMatchObject({ total_errors: 3, error_rate: 0.375 });
    const db = body.database as { dialect: string; events: number; bytes: number; bytes_per_event: number };
    expect(db).toMatchObject({ dialect: 'duckdb', events: EVENTS.length });
    expect(db.bytes).toBeGreaterThan(0);
    expect(db.bytes_per_event).toBe(Math.round((db.bytes / EVENTS.length) * 10) / 10);
    const system = body.system as { cpu: { cores: number }; memory: { total_gb: number }; disk: unknown; process: { rss_mb: number } };
    expect(system.cpu.cores).toBeGreaterThan(0);
    expect(system.memory.total_gb).toBeGreaterThan(0);
    expect(system.process.rss_mb).toBeGreaterThan(0);
    expect(system.disk).toMatchObject({ path: tmpdir() });
  });

  it('divides throughput by the minutes elapsed, not by the part of the range still in the future', async () => {
    // Today as a date: [2025-12-12T00:00Z, 2025-12-13T00:00Z) at 10:00 — 9 events over the 600 minutes gone by.
    const { body } = await get('/v1/analytics/performance/metrics?start_date=2025-12-12&end_date=2025-12-12');
    expect(body.response_time).toMatchObject({ events: 9 });
    expect((body.throughput as Record<string, unknown>).events_per_minute).toBe(0.015);
    // A range wholly in the future has no elapsed minutes: no rate, not a division by zero.
    const future = await get('/v1/analytics/performance/metrics?start_date=2025-12-13&end_date=2025-12-14');
    expect(future.body.throughput).toEqual({ events_per_minute: 0, peak_events_per_minute: 0, peak_minute: null });
  });
});

describe('GET /api/metrics', () => {
  it("gives seed 001's picture", async () => {
    const { status, body } = await get('/api/metrics');
    expect(status).toBe(200);
    expect(body.response_time).toEqual({
      avg: 314.3, percentiles: { p50: 200, p95: 820, p99: 964 },
      components: { context_building: 15, discord_send: 30, llm_inference: 163.3 },
    });
    expect(body.token_usage).toEqual({
      // Every event with tokens carries a cost: no token is left out of it.
      daily: { prompt_tokens: 1500, completion_tokens: 550, total_tokens: 2050, estimated_cost: '$0.06', cost_usd: 0.063, unpriced_tokens: 0 },
      by_model: {
        'gpt-4o': { prompt_tokens: 300, completion_tokens: 150, avg_response_time: 0.15, unpriced_tokens: 0 },
        'gpt-4o-mini': { prompt_tokens: 700, completion_tokens: 300, avg_response_time: 0.35, unpriced_tokens: 0 },
        'claude-3-sonnet': { prompt_tokens: 500, completion_tokens: 100, avg_response_time: 1, unpriced_tokens: 0 },
      },
    });
    expect(body.error_analysis).toEqual({
      total_errors_24h: 3, error_rate: 0.375,
      top_errors: [
        { type: 'API Timeout', count: 2, percentage: 66.7, last_occurrence: '2025-12-12T09:50:00Z' },
        { type: 'Rate Limit', count: 1, percentage: 33.3, last_occurrence: '2025-12-12T09:30:00Z' },
      ],
      // Previous 24 h: 1 error in 2 events (0.5); now 0.375, 25 % lower.
      trend: 'decreasing',
    });
    expect(body.llm_performance).toEqual({
      models: {
        'gpt-4o': { avg_response_time: 0.15, tokens_per_second: 500, cost_per_1k_tokens: 0.066667, usage_percentage: 40 },
        'gpt-4o-mini': { avg_response_time: 0.35, tokens_per_second: 428.6, cost_per_1k_tokens: 0.003, usage_percentage: 40 },
        'claude-3-sonnet': { avg_response_time: 1, tokens_per_second: 100, cost_per_1k_tokens: 0.05, usage_percentage: 20 },
      },
    });
  });

  it('applies filters to every section', async () => {
    const { body } = await get('/api/metrics?model=gpt-4o');
    expect((body.error_analysis as Record<string, unknown>).total_errors_24h).toBe(0);
    expect(Object.keys((body.llm_performance as { models: object }).models)).toEqual(['gpt-4o']);
  });
});

describe('bad parameters', () => {
  const cases: Array<[string, string]> = [
    ['/v1/query?measures=count,bogus', 'measures'],
    ['/v1/query?dimensions=model%27%29%20OR%201%3D1', 'dimensions'],
    ['/v1/query?limit=99999', 'limit'],
    ['/v1/query?interval=decade', 'interval'],
    ['/v1/query?order=-cost_usd', 'order'],
    ['/v1/query?start_date=yesterday', 'start_date'],
    ['/v1/query?measures=avg_phase_ms', 'measures'],
    ['/v1/query?colour=red', 'colour'],
    ['/v1/analytics/usage/overview?group_by=minute', 'group_by'],
    ['/v1/analytics/usage/overview?group_by=day&group_by=hour', 'group_by'],
    ['/v1/analytics/usage/overview?start_date=2025-12-12&end_date=2025-12-01', 'end_date'],
    ['/v1/analytics/usage/overview?measures=count', 'measures'],
    ['/v1/analytics/performance/metrics?start_date=2025-13-01', 'start_date'],
    ['/v1/analytics/performance/metrics?attributes.a%20b=x', 'attributes.a b'],
    ['/api/metrics?end_date=not-a-date', 'end_date'],
    ['/api/metrics?limit=5', 'limit'],
    ['/api/metrics?model=', 'model'],
  ];
  it.each(cases)('%s → 400 naming %s', async (url, param) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    const error = body.error as { code: string; message: string };
    expect(error.code).toBe('invalid_parameter');
    expect(error.message.startsWith(`${param}: `)).toBe(true);
  });
});
