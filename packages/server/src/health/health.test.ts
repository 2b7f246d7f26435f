import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../config/load.js';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import { formatUptime } from './report.js';
import { FakeService } from './test-support/fake-service.js';

/**
 * A real Pulse with `health_checks:` from a YAML file, probing a real fake service that goes down and comes back.
 * Checks run every hour, so the test drives them with runNow (deterministic); one runs every 200 ms to show the
 * schedule.
 */
const ADMIN = 'health-test-admin';
const auth = { authorization: `Bearer ${ADMIN}` };
let dir: string;
let svc: FakeService;
let pulse: Awaited<ReturnType<typeof startTestPulse>>;

beforeAll(async () => {
  svc = await new FakeService().start();
  dir = mkdtempSync(join(tmpdir(), 'pulse-health-'));
  const file = join(dir, 'pulse.yaml');
  writeFileSync(file, stringify({
    health_checks: [
      { name: 'ollama', type: 'http', url: `${svc.url}/api/tags?api_key=probe-secret&sig=probe-signature`, interval: '1h', timeout: '300ms', expect: { status: 200, max_latency: '150ms', json: { status: 'ok', 'models.0.name': 'llama3.2' } } },
      { name: 'ollama-port', type: 'tcp', host: '127.0.0.1', port: svc.port, interval: '1h', timeout: '1s' },
      { name: 'bot', type: 'heartbeat', service: 'bot', interval: '1h', max_age: '5s' },
      { name: 'ticker', type: 'http', url: `${svc.url}/`, interval: '200ms', timeout: '150ms' },
      // Names differing only by `.` and `_` are two checks (their tasks were one name, and the start failed).
      { name: 'db.main', type: 'tcp', host: '127.0.0.1', port: svc.port, interval: '1h', timeout: '1s' },
      { name: 'db_main', type: 'tcp', host: '127.0.0.1', port: svc.port, interval: '1h', timeout: '1s' },
    ],
  }));
  pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, PULSE_CONFIG: file } });
});
afterAll(async () => {
  await pulse?.dispose();
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const service = async (name: string) => (await getJson(`${pulse.url}/api/health/${name}`, auth)).json;
const run = (name: string) => pulse.ops.health.runNow(name);
/** The `health` events recorded for a check, oldest first: [previous, state] (each pair occurs once in these tests). */
async function transitions(name: string): Promise<string[][]> {
  const r = await getJson(`${pulse.url}/v1/query?type=health&name=${name}&dimensions=attributes.previous,attributes.state&measures=count,last_seen&order=last_seen`, auth);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect(r.json.data.every((row: { count: number }) => row.count === 1)).toBe(true);
  return r.json.data.map((row: Record<string, string>) => [row['attributes.previous'], row['attributes.state']]);
}

describe('health checks', () => {
  it('reports every configured service and the store in seed 001\'s shape', async () => {
    for (const n of ['ollama', 'ollama-port', 'bot', 'store']) await run(n);
    const r = await getJson(`${pulse.url}/api/health`, auth);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.services).sort()).toEqual(['bot', 'db.main', 'db_main', 'ollama', 'ollama-port', 'store', 'ticker']);
    expect(r.json).toMatchObject({ timestamp: expect.any(String), uptime: expect.stringMatching(/^0 days, 0:00:\d\d$/) });
    expect(r.json.services.ollama).toMatchObject({ status: 'healthy', type: 'http', last_check: expect.any(String), http_status: 200 });
    expect(r.json.services.ollama.response_time_ms).toBeGreaterThan(0);
    expect(r.json.services.ollama.details).toContain('/api/tags?api_key=[redacted]&sig=[redacted]');
    expect(JSON.stringify(r.json)).not.toMatch(/probe-secret|probe-signature/);
    expect(r.json.services['ollama-port'].status).toBe('healthy');
    expect(r.json.services.store).toMatchObject({ status: 'healthy', type: 'store', dialect: 'duckdb' });
    // No event of service `bot` yet: its heartbeat is stale, so Pulse as a whole is degraded (its store is fine).
    expect(r.json.services.bot.status).toBe('unhealthy');
    expect(r.json.status).toBe('degraded');
  });

  it('follows a service that goes wrong, goes down and comes back, and records each change as an event', async () => {
    svc.mode = 'wrong-model';
    expect((await run('ollama')).status).toBe('unhealthy');
    expect((await service('ollama')).details).toMatch(/models\.0\.name is "other", expected "llama3\.2"/);
    svc.mode = 'slow';
    svc.slowMs = 200;
    expect((await run('ollama')).status).toBe('degraded');
    svc.slowMs = 1000;
    expect((await run('ollama')).status).toBe('unhealthy'); // past the 300 ms timeout
    svc.mode = 'up';
    await svc.stop();
    const down = await run('ollama');
    expect(down.status).toBe('unhealthy');
    expect(down.details).toMatch(/ECONNREFUSED/);
    // No answer, so no HTTP status: not the one an earlier probe got.
    expect(down).not.toHaveProperty('http_status');
    expect((await run('ollama-port')).status).toBe('unhealthy');
    await svc.start(); // same port
    expect((await run('ollama')).status).toBe('healthy');
    expect((await run('ollama-port')).status).toBe('healthy');
    const h = await service('ollama');
    expect(h.history.map((s: { status: string }) => s.status).slice(-6)).toEqual(['healthy', 'unhealthy', 'degraded', 'unhealthy', 'unhealthy', 'healthy']);
    // Each change once, through the write path; the first (healthy) result after start is not a change.
    expect(await transitions('ollama')).toEqual([
      ['healthy', 'unhealthy'], ['unhealthy', 'degraded'], ['degraded', 'unhealthy'], ['unhealthy', 'healthy'],
    ]);
    expect(await transitions('ollama-port')).toEqual([['healthy', 'unhealthy'], ['unhealthy', 'healthy']]);
    // The change away from healthy says when the check last succeeded (seed 001's health alert `last_successful_check`).
    const lastOk = await getJson(`${pulse.url}/v1/query?type=health&name=ollama-port&attributes.previous=healthy&dimensions=attributes.last_success&measures=count`, auth);
    expect(lastOk.json.data).toEqual([{ 'attributes.last_success': expect.stringMatching(/^\d{4}-\d\d-\d\dT/), count: 1 }]);
  });

  it('keeps a heartbeat healthy while events of its service arrive', async () => {
    const sent = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'message', service: 'bot' }] }, auth);
    expect(sent.json).toMatchObject({ accepted: 1 });
    const h = await run('bot');
    expect(h.status).toBe('healthy');
    expect(Date.parse(h.last_event as string)).toBeGreaterThan(Date.now() - 5000);
    expect(await transitions('bot')).toEqual([['unknown', 'unhealthy'], ['unhealthy', 'healthy']]);
  });

  it('runs checks periodically on the background-task registry', async () => {
    const before = svc.requests;
    // Three runs of a short interval, waited for rather than slept on: on a loaded machine 700 ms held only two.
    const deadline = Date.now() + 10_000;
    while (svc.requests - before < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await service('ticker')).history.length).toBeGreaterThanOrEqual(3);
    expect(svc.requests - before).toBeGreaterThanOrEqual(3);
    const tasks = pulse.tasks.list().map((t) => t.name);
    expect(tasks).toEqual(expect.arrayContaining(['health-check-ollama', 'health-check-store', 'health-check-ticker', 'health-check-db.main', 'health-check-db_main']));
  });

  it('answers 404 for an unknown service and needs a key', async () => {
    const r = await getJson(`${pulse.url}/api/health/nope`, auth);
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/^service: no health check named nope/);
    expect((await getJson(`${pulse.url}/api/health`)).status).toBe(401);
    expect((await getJson(`${pulse.url}/health`)).status).toBe(200);
  });
});

describe('health_checks config', () => {
  const load = (checks: unknown) => {
    const d = mkdtempSync(join(tmpdir(), 'pulse-hc-'));
    writeFileSync(join(d, 'p.yaml'), stringify({ health_checks: checks }));
    try {
      return loadConfig({ env: { PULSE_CONFIG: 'p.yaml' }, cwd: d });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  };
  it('applies defaults and parses durations', () => {
    const [c] = load([{ name: 'api', type: 'http', url: 'http://127.0.0.1:1/' }]).healthChecks;
    expect(c).toMatchObject({ intervalMs: 30_000, timeoutMs: 5_000, method: 'GET', project: 'default', expect: { status: [], maxLatencyMs: null, json: {} } });
    const [h] = load([{ name: 'w', type: 'heartbeat', service: 'worker', interval: '1m' }]).healthChecks;
    expect(h).toMatchObject({ intervalMs: 60_000, maxAgeMs: 180_000 });
  });
  it('names the bad field', () => {
    expect(() => load([{ name: 'a', type: 'http', url: 'ftp://x' }])).toThrow(/health_checks\.0\.url/);
    expect(() => load([{ name: 'a', type: 'tcp', host: 'h', port: 1, interval: '5 weeks' }])).toThrow(/health_checks\.0\.interval/);
    expect(() => load([{ name: 'store', type: 'tcp', host: 'h', port: 1 }])).toThrow(/health_checks\.0\.name/);
    expect(() => load([{ name: 'a', type: 'tcp', host: 'h', port: 1 }, { name: 'a', type: 'tcp', host: 'h', port: 2 }])).toThrow(/used twice/);
    expect(() => load([{ name: 'a', type: 'ping' }])).toThrow(ConfigError);
  });
  it('formats uptime as seed 001 does', () => {
    expect(formatUptime(2 * 86_400 + 5 * 3600 + 32 * 60 + 10)).toBe('2 days, 5:32:10');
    expect(formatUptime(86_400)).toBe('1 day, 0:00:00');
  });
});
