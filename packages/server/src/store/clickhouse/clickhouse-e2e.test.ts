/**
 * Pulse started with PULSE_STORE=clickhouse on a real ClickHouse and a real PostgreSQL (the real `startPulse`): events
 * sent over HTTP are answered by `/v1/query`, a 30-day preset, the live `/ws/metrics` feed, exports, the store's health
 * check and `/api/system` with the figures the input implies, and nothing is kept in the data directory.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../live/test-support/ws-client.js';
import { rfc3339 } from '../../query/time.js';
import { syntheticEvents } from '../../synthetic/index.js';
import { getJson, postJson, startTestPulse } from '../../test-support/pulse.js';
import { postgresMissing, testCluster } from '../postgres/test-support/pg-cluster.js';
import { useClickHouse } from './test-support/server.js';

const ch = useClickHouse();
const pgMissing = postgresMissing();
if (pgMissing !== null) console.warn(pgMissing);
const cluster = testCluster();
const ADMIN = 'ch-e2e-admin';
const auth = { authorization: `Bearer ${ADMIN}` };
const DAY = 86_400_000;
const H = 3_600_000;

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const running: Pulse[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.dispose()));
});

/**
 * 30 days, three llm events a day one hour before `now0` minus k days (k = 0…29):
 *   gpt-4o    100/50 tokens, $0.01, 100+k ms, ok
 *   gpt-4o    200/100 tokens, $0.02, 200 ms, ok
 *   claude-3  300/100 tokens, $0.03, 1000 ms, error Rate Limit
 * So over the 30 days: gpt-4o 60 events, 9000/4500 tokens, $0.90, durations 100…129 and 30 × 200 (mean 157.25,
 * p50 = 129 + 0.5 × 71 = 164.5, p95 = 200); claude-3 30 events, 30 errors, 9000/3000 tokens, $0.90, all 1000 ms.
 */
function dataset(now0: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let k = 0; k < 30; k++) {
    const ts = now0 - k * DAY - H;
    out.push(
      { ts, type: 'llm', model: 'gpt-4o', provider: 'openai', input_tokens: 100, output_tokens: 50, cost_usd: 0.01, duration_ms: 100 + k, status: 'ok' },
      { ts: ts + 1000, type: 'llm', model: 'gpt-4o', provider: 'openai', input_tokens: 200, output_tokens: 100, cost_usd: 0.02, duration_ms: 200, status: 'ok' },
      { ts: ts + 2000, type: 'llm', model: 'claude-3', provider: 'anthropic', input_tokens: 300, output_tokens: 100, cost_usd: 0.03, duration_ms: 1000, status: 'error', error_type: 'Rate Limit' },
    );
  }
  return out;
}

const within1 = (got: number, want: number): void => {
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(want * 0.01);
};

describe.skipIf(ch.skip || pgMissing !== null)('PULSE_STORE=clickhouse (real ClickHouse + real PostgreSQL, real server)', { timeout: 120_000 }, () => {
  it('ingests over HTTP and answers queries, a 30-day preset, /ws/metrics, exports, health and /api/system', async () => {
    const c = await cluster();
    const env = {
      PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: `${ch.server().url}/pulse_e2e`,
      PULSE_POSTGRES_URL: c.url, PULSE_POSTGRES_SCHEMA: c.schema(), LOG_LEVEL: 'warn',
    };
    const pulse = await startTestPulse({ env, apiKey: ADMIN, live: { intervalMs: 250, tailMaxRate: 100 } });
    running.push(pulse);
    expect(pulse.store.dialect).toBe('clickhouse');
    const now0 = Math.floor(Date.now() / 60_000) * 60_000;
    const r = await postJson(`${pulse.url}/v1/events?project=bot`, { events: dataset(now0) }, auth);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const range = `start_date=${new Date(now0 - 30 * DAY).toISOString()}&end_date=${new Date(now0).toISOString()}`;

    // /v1/query over 30 days.
    const q = await getJson(
      `${pulse.url}/v1/query?project=bot&measures=count,errors,input_tokens,output_tokens,cost_usd,avg_duration_ms,p50_duration_ms,p95_duration_ms&dimensions=model&${range}`,
      auth,
    );
    expect(q.status, JSON.stringify(q.json)).toBe(200);
    const byModel = Object.fromEntries(q.json.data.map((row: Record<string, unknown>) => [row.model, row]));
    expect(Object.keys(byModel).sort()).toEqual(['claude-3', 'gpt-4o']);
    expect(byModel['gpt-4o']).toMatchObject({ count: 60, errors: 0, input_tokens: 9000, output_tokens: 4500, avg_duration_ms: 157.25 });
    expect(byModel['claude-3']).toMatchObject({ count: 30, errors: 30, input_tokens: 9000, output_tokens: 3000, avg_duration_ms: 1000 });
    expect(byModel['gpt-4o'].cost_usd).toBeCloseTo(0.9, 9);
    expect(byModel['claude-3'].cost_usd).toBeCloseTo(0.9, 9);
    within1(byModel['gpt-4o'].p50_duration_ms, 164.5);
    within1(byModel['gpt-4o'].p95_duration_ms, 200);
    within1(byModel['claude-3'].p95_duration_ms, 1000);
    expect(q.json.meta).toMatchObject({ source: 'rollups', percentiles: 'approximate' });
    // First and last times from the rollups' min/max states; unique users from raw events (no rollup keeps them).
    const seen = await getJson(`${pulse.url}/v1/query?project=bot&measures=first_seen,last_seen&${range}`, auth);
    expect(seen.status).toBe(200);
    expect(seen.json.meta.source).toBe('rollups');
    const users = await getJson(`${pulse.url}/v1/query?project=bot&measures=unique_users&${range}`, auth);
    expect(users.json.data[0]).toEqual({ unique_users: 0 });
    expect(seen.json.data[0]).toEqual({
      first_seen: rfc3339(now0 - 29 * DAY - H), last_seen: rfc3339(now0 - H + 2000),
    });

    // A 30-day preset: one bucket per day, every day 3 requests.
    const usage = await getJson(`${pulse.url}/v1/analytics/usage/overview?project=bot&${range}`, auth);
    expect(usage.status, JSON.stringify(usage.json)).toBe(200);
    expect(usage.json.summary).toMatchObject({ total_requests: 90, total_tokens_used: 25_500, total_cost_usd: '1.8', success_rate: 0.6667 });
    expect(usage.json.summary.period.group_by).toBe('day');
    const perDay = usage.json.time_series.map((b: { requests: number }) => b.requests);
    expect(perDay.reduce((a: number, b: number) => a + b, 0)).toBe(90);
    expect(perDay.filter((n: number) => n === 3).length).toBe(30);

    // The live feed: seeded from ClickHouse, then the events this instance commits.
    const ws = await connect(`${pulse.url.replace('http', 'ws')}/ws/metrics?api_key=${ADMIN}&project=bot&model=live-model`);
    await ws.next((f) => f.type === 'hello');
    const before = (await ws.next((f) => f.type === 'metrics_update')).data;
    expect(before.events_seen).toBe(0);
    const live = await postJson(`${pulse.url}/v1/events?project=bot`, { events: [
      { type: 'llm', model: 'live-model', duration_ms: 300, user_id: 'l1', status: 'ok' },
      { type: 'llm', model: 'live-model', duration_ms: 500, user_id: 'l2', status: 'error', error_type: 'Timeout' },
    ] }, auth);
    expect(live.status).toBe(200);
    const frame = await ws.fresh((f) => f.type === 'metrics_update' && f.data.events_seen === 2);
    expect(frame.data).toMatchObject({ avg_response_time_ms: 400, error_rate: 0.5, active_users: 2 });
    ws.close();

    // Exports: the claude-3 events in full, and the daily summary (read from the rollups when the store keeps them).
    const full = await exportAndDownload(pulse, `export_type=json&${range}&model=claude-3`);
    const lines = full.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(full.job.rows).toBe(30);
    expect(lines.every((l) => l.model === 'claude-3' && l.cost_usd === 0.03 && l.status === 'error' && l.input_tokens === 300)).toBe(true);
    expect(new Set(lines.map((l) => l.ts)).size).toBe(30);
    const summary = await exportAndDownload(pulse, `export_type=json&format=summary&${range}`);
    const rows = summary.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBe(summary.job.rows);
    const gpt = rows.filter((row) => row.model === 'gpt-4o');
    const claude = rows.filter((row) => row.model === 'claude-3');
    expect(gpt.reduce((a, row) => a + row.count, 0)).toBe(60);
    expect(claude.reduce((a, row) => a + row.count, 0)).toBe(30);
    expect(claude.every((row) => row.errors === row.count && row.error_rate === 1 && row.input_tokens === 300 * row.count)).toBe(true);
    for (const row of claude) within1(row.p50_duration_ms, 1000);
    // In Parquet (written by an in-memory DuckDB from ClickHouse's rows): counts and token sums as integers.
    const parquet = await exportAndDownload(pulse, `export_type=parquet&format=summary&${range}`);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const file = join(pulse.dataDir, 'exports', `${parquet.job.id}.parquet`);
    const described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
    expect(Object.fromEntries(described.map((r) => [String(r.column_name), String(r.column_type)]))).toMatchObject({
      bucket: 'TIMESTAMP', model: 'VARCHAR', count: 'BIGINT', errors: 'BIGINT', input_tokens: 'BIGINT', output_tokens: 'BIGINT',
      cost_usd: 'DOUBLE', p50_duration_ms: 'DOUBLE', error_rate: 'DOUBLE',
    });
    const [sums] = (await db.runAndReadAll(`SELECT sum(count)::INTEGER AS n FROM read_parquet('${file}') WHERE model = 'claude-3'`)).getRowObjects();
    expect(sums).toEqual({ n: 30 });
    db.closeSync();

    // The store's health check answers through ClickHouse; /api/system shows its figures.
    const health = await waitFor(async () => {
      const h = await getJson(`${pulse.url}/api/health`, auth);
      const store = h.json.services?.store;
      return store && store.status !== 'unknown' ? store : null;
    });
    expect(health).toMatchObject({ status: 'healthy', details: expect.stringMatching(/^clickhouse answering/) });
    const system = await getJson(`${pulse.url}/api/system`, auth);
    expect(system.status).toBe(200);
    expect(system.json.database_health.clickhouse.rows).toBe(92);
    expect(system.json.database_health.clickhouse.file_size_mb).toBeGreaterThan(0);
    expect(system.json.database_health.clickhouse.path).toBe(`${ch.server().url}/pulse_e2e`);
    // Stateless: no event data in the data directory (export files only).
    expect(readdirSync(pulse.dataDir).filter((f) => f !== 'exports')).toEqual([]);
  });

  it('refuses to start without PULSE_POSTGRES_URL, naming it', async () => {
    await expect(startTestPulse({ env: { PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: ch.server().url } })).rejects.toThrow(/PULSE_POSTGRES_URL/);
  });
});

describe.skipIf(ch.skip || pgMissing !== null)('every read endpoint answers on ClickHouse as on DuckDB (same events over HTTP)', { timeout: 180_000 }, () => {
  it('presets, analytics, queries and the alerts list give the same figures (percentiles within 1 %)', async () => {
    const END = Date.UTC(2026, 10, 20, 14, 37, 12, 345);
    const clock = { now: () => END };
    const c = await cluster();
    const onClickHouse = await startTestPulse({
      clock, apiKey: ADMIN,
      env: { PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: `${ch.server().url}/pulse_same`, PULSE_POSTGRES_URL: c.url, PULSE_POSTGRES_SCHEMA: c.schema(), LOG_LEVEL: 'warn' },
    });
    running.push(onClickHouse);
    const onDuckDb = await startTestPulse({ clock, apiKey: ADMIN });
    running.push(onDuckDb);
    const events = [...syntheticEvents({ seed: 11, startMs: END - 9 * DAY, endMs: END - 60_000, count: 6_000 })];
    for (const pulse of [onClickHouse, onDuckDb]) {
      for (let i = 0; i < events.length; i += 1_000) {
        const r = await postJson(`${pulse.url}/v1/events`, { events: events.slice(i, i + 1_000) }, auth);
        expect(r.status, JSON.stringify(r.json)).toBe(200);
      }
    }
    const range = `start_date=${new Date(END - 8 * DAY - 1_234_567).toISOString()}&end_date=${new Date(END).toISOString()}`;
    const paths = [
      `/v1/analytics/usage/overview?${range}`, `/api/metrics?${range}`, `/v1/analytics/performance/metrics?${range}`,
      `/api/analytics/conversations?${range}`, `/api/analytics/personas?${range}`, `/api/analytics/personas/relationships?${range}`,
      `/api/analytics/banter?${range}`, `/api/analytics/llm?${range}`, `/api/analytics/users?${range}`,
      `/api/analytics/users/preferences?${range}`, `/api/analytics/margin?${range}`, '/v1/analytics/usage/overview', '/api/metrics',
      `/v1/query?measures=sessions,avg_session_ms,p95_session_ms,avg_session_events&dimensions=persona&per=session&${range}`,
      `/v1/query?measures=cohort_users&interval=day&per=cohort&${range}`,
      `/v1/query?measures=count,cost_usd,p95_duration_ms,last_seen&dimensions=model,type&interval=day&${range}`,
      `/v1/query?measures=avg_phase_ms,count&dimensions=phase&${range}`,
      `/v1/query?measures=count&dimensions=hour_of_day,weekday&${range}`, '/v1/analytics/alerts',
    ];
    for (const path of paths) {
      const [a, b] = await Promise.all([onClickHouse, onDuckDb].map((p) => getJson(`${p.url}${path}`, auth)));
      expect(a!.status, `${path}: ${JSON.stringify(a!.json)}`).toBe(200);
      expect(b!.status, path).toBe(200);
      expectAlike(a!.json, b!.json, path);
    }
    const users = (await getJson(`${onDuckDb.url}/api/analytics/users?${range}`, auth)).json;
    const someone = JSON.stringify(users).match(/"user_id":"([^"]+)"/)?.[1];
    expect(someone).toBeDefined();
    const detail = await Promise.all([onClickHouse, onDuckDb].map((p) => getJson(`${p.url}/api/analytics/users/${someone}?${range}`, auth)));
    expect(detail[0]!.status).toBe(200);
    expectAlike(detail[0]!.json, detail[1]!.json, 'user detail');
  });
});

/**
 * Fields that say how an answer was computed or where, not what it is: the host (`system`), the engine and its bytes
 * (the event count is compared).
 */
const HOW = new Set(['elapsed_ms', 'source', 'percentiles', 'generated_at', 'query_time_ms', 'system', 'dialect', 'bytes', 'bytes_per_event']);

/** The same JSON, numbers within 1 % (+0.06 for figures rounded to one decimal): sketch percentiles against exact ones. */
function expectAlike(a: unknown, b: unknown, where: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    expect(Math.abs(a - b), `${where}: ${a} vs ${b}`).toBeLessThanOrEqual(Math.abs(b) * 0.011 + 0.06);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, `${where}: length`).toBe(b.length);
    a.forEach((x, i) => expectAlike(x, b[i], `${where}[${i}]`));
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), `${where}: keys`).toEqual(Object.keys(b).sort());
    for (const [k, v] of Object.entries(a)) if (!HOW.has(k)) expectAlike(v, (b as Record<string, unknown>)[k], `${where}.${k}`);
    return;
  }
  expect(a, where).toEqual(b);
}

async function waitFor<T>(probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== null) return got;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function exportAndDownload(pulse: Pulse, query: string): Promise<{ job: any; body: string }> {
  const res = await fetch(`${pulse.url}/v1/analytics/exports?project=bot&${query}`, { method: 'POST', headers: auth });
  const created = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(created)).toBe(202);
  const job = await waitFor(async () => {
    const { json } = await getJson(`${pulse.url}/v1/analytics/exports/${created.id}?project=bot`, auth);
    return json.status === 'done' || json.status === 'failed' ? json : null;
  });
  expect(job.status, JSON.stringify(job)).toBe('done');
  const dl = await fetch(`${pulse.url}${job.download_url}?project=bot`, { headers: auth });
  return { job, body: await dl.text() };
}
