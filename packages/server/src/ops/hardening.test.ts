import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

/** Real servers over real DuckDB files; each test starts the one its settings need. */
const ADMIN = 'admin-secret-for-hardening-tests';
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let running: Pulse | null = null;
afterEach(async () => {
  await running?.dispose();
  running = null;
});

async function start(env: Record<string, string> = {}, extra: Parameters<typeof startTestPulse>[0] = {}): Promise<Pulse> {
  running = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, ...env }, ...extra });
  return running;
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
async function createKey(pulse: Pulse, scope: string, project = 'default'): Promise<string> {
  const r = await postJson(`${pulse.url}/v1/keys`, { project, scope, name: scope }, bearer(ADMIN));
  expect(r.status).toBe(201);
  return r.json.key as string;
}
const count = async (pulse: Pulse, query = ''): Promise<number> =>
  (await getJson(`${pulse.url}/v1/query?measures=count${query}`, bearer(ADMIN))).json.data[0].count;

describe('performance metrics', () => {
  it('shows host and whole-store figures to admin keys only', async () => {
    const pulse = await start();
    const read = await createKey(pulse, 'read', 'other');
    expect((await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', value: 1 }] }, bearer(ADMIN))).status).toBe(200);
    const asRead = await getJson(`${pulse.url}/v1/analytics/performance/metrics`, bearer(read));
    expect(asRead.status).toBe(200);
    expect(asRead.json.system).toBeNull();
    expect(asRead.json.database).toBeNull();
    expect(JSON.stringify(asRead.json)).not.toMatch(/total_gb|load_average|bytes_per_event/);
    const asAdmin = await getJson(`${pulse.url}/v1/analytics/performance/metrics`, bearer(ADMIN));
    expect(asAdmin.json.database.events).toBe(1);
    expect(asAdmin.json.system.cpu.cores).toBeGreaterThan(0);
  });
});

describe('store failures and shutdown', () => {
  it('answers a read route 503 with Retry-After when the store is gone, never 500', async () => {
    const pulse = await start();
    await pulse.store.close();
    for (const path of ['/v1/query?measures=count', '/api/metrics', '/v1/analytics/usage/overview']) {
      const r = await getJson(`${pulse.url}${path}`, bearer(ADMIN));
      expect(r.status, path).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.json.error.code).toBe('store_unavailable');
    }
    // …and each shows under /api/debug/analytics' recent errors.
    const recent = pulse.ops.errors.snapshot().recent;
    expect(recent.filter((e) => e.source === 'http').length, JSON.stringify(recent)).toBeGreaterThanOrEqual(3);
  });
});

describe('commit timeout', () => {
  it('answers 503 with Retry-After when the commit cannot start in time, and writes nothing of that request', async () => {
    const pulse = await start({ PULSE_COMMIT_TIMEOUT_MS: '200' });
    let release!: () => void;
    const held = pulse.buffer.betweenCommits(() => new Promise<void>((r) => (release = r)));
    const r = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'stalled', value: 1 }] }, bearer(ADMIN));
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.json.error.code).toBe('store_unavailable');
    expect(r.json.error.message).toMatch(/within 200 ms/);
    release();
    await held;
    const ok = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'later', value: 1 }] }, bearer(ADMIN));
    expect(ok.status).toBe(200);
    expect(await count(pulse, '&name=stalled')).toBe(0);
    expect(await count(pulse, '&name=later')).toBe(1);
  });
});

describe('query limits', () => {
  it('refuses a range holding more than PULSE_QUERY_MAX_RANGE_DAYS of events with a 400 naming start_date', async () => {
    const pulse = await start({ PULSE_QUERY_MAX_RANGE_DAYS: '31', METRICS_RETENTION_DAYS: '365' });
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const wide = await getJson(`${pulse.url}/v1/query?measures=count&start_date=${day(-60)}&end_date=${day(-1)}`, bearer(ADMIN));
    expect(wide.status).toBe(400);
    expect(wide.json.error.message).toMatch(/^start_date: .*31 days/);
    const preset = await getJson(`${pulse.url}/api/metrics?start_date=${day(-60)}&end_date=${day(-1)}`, bearer(ADMIN));
    expect(preset.status).toBe(400);
    // Every read that takes a range, the conversation, persona and user analytics included.
    for (const path of ['/v1/analytics/usage/overview', '/api/analytics/conversations', '/api/analytics/personas', '/api/analytics/llm', '/api/analytics/users', '/api/analytics/margin']) {
      const res = await getJson(`${pulse.url}${path}?start_date=${day(-60)}&end_date=${day(-1)}`, bearer(ADMIN));
      expect(res.status, path).toBe(400);
      expect(res.json.error.message, path).toMatch(/^start_date: .*31 days/);
      expect((await getJson(`${pulse.url}${path}?start_date=${day(-20)}&end_date=${day(-1)}`, bearer(ADMIN))).status, path).toBe(200);
    }
    const fits = await getJson(`${pulse.url}/v1/query?measures=count&start_date=${day(-20)}&end_date=${day(-1)}`, bearer(ADMIN));
    expect(fits.status).toBe(200);
  });

  it('counts only the part of a range within retention: "everything" stays allowed', async () => {
    const pulse = await start({ PULSE_QUERY_MAX_RANGE_DAYS: '31', METRICS_RETENTION_DAYS: '30' });
    const all = await getJson(`${pulse.url}/v1/query?measures=count&start_date=2000-01-01&end_date=2100-01-01`, bearer(ADMIN));
    expect(all.status).toBe(200);
  });
});

describe('rate limits', () => {
  it('limits queries and ingest per key with 429, Retry-After and the error shape', async () => {
    const pulse = await start({ PULSE_RATE_LIMIT_QUERY: '3', PULSE_RATE_LIMIT_INGEST: '2' });
    const [readA, readB, ingest] = [await createKey(pulse, 'read'), await createKey(pulse, 'read'), await createKey(pulse, 'ingest')];
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await getJson(`${pulse.url}/v1/query?measures=count`, bearer(readA))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await getJson(`${pulse.url}/api/metrics`, bearer(readA));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.json.error.code).toBe('rate_limited');
    // Another key has its own budget; ingest has a separate one.
    expect((await getJson(`${pulse.url}/v1/query?measures=count`, bearer(readB))).status).toBe(200);
    const sent: number[] = [];
    for (let i = 0; i < 3; i++) sent.push((await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', value: i }] }, bearer(ingest))).status);
    expect(sent).toEqual([200, 200, 429]);
    expect(await count(pulse)).toBe(2);
  });
});

describe('request logging', () => {
  it('never writes an api_key from a URL to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
    const pulse = await start({ PULSE_LOG_REQUESTS: 'true' }, { logger: createLogger('info', sink) });
    const read = await createKey(pulse, 'read');
    expect((await getJson(`${pulse.url}/v1/query?measures=count&api_key=${read}`)).status).toBe(200);
    await getJson(`${pulse.url}/health?api_key=${read}&x=1`);
    const log = lines.join('');
    expect(log).toContain('api_key=[redacted]');
    expect(log).toContain('/health?api_key=[redacted]&x=1');
    expect(log).not.toContain(read);
    expect(log).not.toContain(ADMIN);
  });
});
