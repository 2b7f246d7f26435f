import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { PulseConfig } from '../config/types.js';
import { freePort, getJson, postJson, startTestPulse } from '../test-support/pulse.js';

/** Operator endpoints on a real server; SIGUSR2 on a real `pulse serve` child process. */
const ADMIN = 'operator-admin-key-0123456789';
const SECRETS = { ALERT_EMAIL_PASSWORD: 'smtp-pass-xyz', PAGERDUTY_ROUTING_KEY: 'pd-routing-abc', PULSE_CLICKHOUSE_URL: 'http://pulse:pg-pass-123@db:8123/pulse' };
const auth = { authorization: `Bearer ${ADMIN}` };
let dir: string;
let file: string;
let pulse: Awaited<ReturnType<typeof startTestPulse>>;
let readKey: string;

const writeChecks = (checks: unknown[]) => writeFileSync(file, stringify({ health_checks: checks }));
const probe = (name: string, port: number, extra = {}) => ({ name, type: 'tcp', host: '127.0.0.1', port, interval: '1h', ...extra });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pulse-ops-'));
  file = join(dir, 'pulse.yaml');
  writeFileSync(file, stringify({
    health_checks: [{ name: 'llm', type: 'http', url: 'http://127.0.0.1:9/v1/models?api_key=probe-key-777', interval: '1h', headers: { authorization: 'Bearer llm-header-secret' } }],
  }));
  pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, PULSE_CONFIG: file, ...SECRETS } });
  readKey = (await postJson(`${pulse.url}/v1/keys`, { project: 'default', scope: 'read' }, auth)).json.key;
});
afterAll(async () => {
  await pulse?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('operator endpoints', () => {
  it('are admin only', async () => {
    for (const path of ['/api/config', '/api/debug', '/api/debug/analytics', '/api/background-tasks', '/api/profiling/results', '/api/system', '/api/reports']) {
      expect((await getJson(`${pulse.url}${path}`, { authorization: `Bearer ${readKey}` })).status, path).toBe(403);
    }
    expect((await postJson(`${pulse.url}/api/profiling/enable`, { duration: 1 }, { authorization: `Bearer ${readKey}` })).status).toBe(403);
  });

  it('GET /api/config shows the effective settings with every secret as ***', async () => {
    const r = await getJson(`${pulse.url}/api/config`, auth);
    expect(r.status).toBe(200);
    const text = JSON.stringify(r.json);
    for (const secret of [ADMIN, ...Object.values(SECRETS).slice(0, 2), 'pg-pass-123', 'probe-key-777', 'llm-header-secret', readKey]) expect(text).not.toContain(secret);
    expect(r.json.apiKey).toBe('***');
    expect(r.json.alerts.emailPassword).toBe('***');
    // A connection URL keeps its host, not its credentials (the embedded store ignores this one).
    expect(r.json.clickhouseUrl).toBe('http://***@db:8123/pulse');
    expect(r.json.healthChecks[0]).toMatchObject({ url: 'http://127.0.0.1:9/v1/models?api_key=***', headers: { authorization: '***' } });
    expect(r.json.limits).toEqual(pulse.config.limits);
    expect(r.json.port).toBe(0);
  });

  it('GET /api/background-tasks lists the registry', async () => {
    const r = await getJson(`${pulse.url}/api/background-tasks`, auth);
    const names = r.json.tasks.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['retention', 'system-sample', 'health-check-store', 'health-check-llm']));
    expect(r.json.tasks.find((t: { name: string }) => t.name === 'retention')).toMatchObject({ intervalMs: expect.any(Number), failures: 0 });
  });

  it('GET /api/debug/analytics reports components, memory, WebSockets, tasks and recent errors', async () => {
    const r = await getJson(`${pulse.url}/api/debug/analytics`, auth);
    expect(r.status).toBe(200);
    expect(r.json.components.write_buffer).toMatchObject({ queuedEvents: 0, max_queued_events: pulse.config.ingest.maxQueuedEvents });
    expect(r.json.components.health_checks).toHaveProperty('store');
    expect(r.json.memory.process.rss_mb).toBeGreaterThan(10);
    expect(r.json.memory.duckdb.total_mb).toBeGreaterThan(0);
    expect(r.json.websockets.metrics).toMatchObject({ clients: 0 });
    expect(r.json.background_tasks.length).toBeGreaterThanOrEqual(4);
    expect(r.json.recent_errors).toEqual({ total: 0, recent: [] });
  });

  it('GET /api/debug (seed 001\'s "Dashboard Debug Info") answers the same system status', async () => {
    const r = await getJson(`${pulse.url}/api/debug`, auth);
    expect(r.status).toBe(200);
    expect(r.json.components).toHaveProperty('store');
    expect(r.json.components.health_checks).toHaveProperty('store');
    expect(r.json).toHaveProperty('background_tasks');
  });

  it('profiles the CPU through node:inspector and returns a .cpuprofile', async () => {
    expect((await getJson(`${pulse.url}/api/profiling/results`, auth)).status).toBe(404);
    const bad = await postJson(`${pulse.url}/api/profiling/enable`, { duration: 'long' }, auth);
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^duration: /);
    expect((await postJson(`${pulse.url}/api/profiling/enable`, { duration: 9999 }, auth)).json.error.message).toMatch(/^duration: .*600/);
    const on = await postJson(`${pulse.url}/api/profiling/enable`, { duration: 1 }, auth);
    expect(on.status).toBe(202);
    expect(on.json.profiling).toMatchObject({ state: 'running', duration_seconds: 1 });
    expect((await postJson(`${pulse.url}/api/profiling/enable`, { duration: 1 }, auth)).status).toBe(409);
    const early = await getJson(`${pulse.url}/api/profiling/results`, auth);
    expect(early.status).toBe(409);
    expect(early.headers.get('retry-after')).toBe('1');
    // Work for the profiler to see.
    for (let i = 0; i < 40; i++) await getJson(`${pulse.url}/v1/query?measures=count,p95_duration_ms&dimensions=type`, auth);
    await new Promise((r) => setTimeout(r, 1200));
    const res = await fetch(`${pulse.url}/api/profiling/results`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="pulse-.*\.cpuprofile"/);
    const profile = (await res.json()) as { nodes: { callFrame: { functionName: string } }[]; startTime: number; endTime: number; samples: number[] };
    expect(profile.nodes[0]!.callFrame.functionName).toBe('(root)');
    expect(profile.endTime - profile.startTime).toBeGreaterThanOrEqual(900_000); // microseconds
    expect(profile.samples.length).toBeGreaterThan(10);
  });
});

describe('reload', () => {
  it('re-reads health checks from the file and runs registered hooks; a broken file changes nothing', async () => {
    const seen: PulseConfig[] = [];
    const off = pulse.onReload('test-hook', (c) => void seen.push(c));
    writeChecks([probe('cache', 6379), probe('queue', 5672)]);
    const ok = await pulse.reload();
    expect(ok).toEqual({ ok: true, error: null, health_checks: 2 });
    expect(seen).toHaveLength(1);
    const r = await getJson(`${pulse.url}/api/health`, auth);
    expect(Object.keys(r.json.services).sort()).toEqual(['cache', 'queue', 'store']);
    expect((await getJson(`${pulse.url}/api/config`, auth)).json.healthChecks.map((c: { name: string }) => c.name)).toEqual(['cache', 'queue']);
    writeFileSync(file, 'health_checks: [ {name: x, type: tcp');
    const broken = await pulse.reload();
    expect(broken.ok).toBe(false);
    expect(broken.error).toMatch(/PULSE_CONFIG/);
    expect(Object.keys((await getJson(`${pulse.url}/api/health`, auth)).json.services).sort()).toEqual(['cache', 'queue', 'store']);
    off();
  });

  it('a file whose alert rules are invalid changes nothing: the health checks stay as they were', async () => {
    writeChecks([probe('cache', 6379), probe('queue', 5672)]);
    expect((await pulse.reload()).ok).toBe(true);
    writeFileSync(file, stringify({ health_checks: [probe('other', 1)], alerts: [{ name: 'Broken', condition: 'p95_duration_ms >' }] }));
    const bad = await pulse.reload();
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/alert rules/);
    expect(bad.health_checks).toBe(2);
    expect(Object.keys((await getJson(`${pulse.url}/api/health`, auth)).json.services).sort()).toEqual(['cache', 'queue', 'store']);
    expect((await getJson(`${pulse.url}/api/config`, auth)).json.healthChecks.map((c: { name: string }) => c.name)).toEqual(['cache', 'queue']);
    writeChecks([probe('cache', 6379), probe('queue', 5672)]);
  });

  it('kill -USR2 reloads a running `pulse serve` without dropping a request', async () => {
    const port = await freePort();
    const childDir = mkdtempSync(join(tmpdir(), 'pulse-usr2-'));
    const childFile = join(childDir, 'pulse.yaml');
    writeFileSync(childFile, stringify({ health_checks: [probe('one', 1)] }));
    const repo = resolve(import.meta.dirname, '../../../..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'], {
      cwd: repo,
      env: { ...process.env, PULSE_DATA_DIR: join(childDir, 'data'), ANALYTICS_PORT: String(port), PULSE_CONFIG: childFile, LOG_LEVEL: 'warn', ANALYTICS_API_KEY: ADMIN },
      stdio: 'ignore',
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      let up = false;
      for (let i = 0; i < 150 && !up; i++) {
        up = (await fetch(`${base}/health`).catch(() => null))?.status === 200;
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      expect(up).toBe(true);
      const services = async () => Object.keys((await getJson(`${base}/api/health`, auth)).json.services).sort();
      expect(await services()).toEqual(['one', 'store']);
      writeFileSync(childFile, stringify({ health_checks: [probe('two', 2), probe('three', 3)] }));
      // Requests keep flowing while the signal is handled.
      let stop = false;
      const statuses: number[] = [];
      const load = (async () => {
        while (!stop) statuses.push((await postJson(`${base}/v1/events`, { events: [{ type: 'metric', value: 1 }] }, auth)).status);
      })();
      await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGUSR2');
      let reloaded: string[] = [];
      for (let i = 0; i < 50; i++) {
        reloaded = await services();
        if (reloaded.includes('two')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await load;
      expect(reloaded).toEqual(['store', 'three', 'two']);
      expect(statuses.length).toBeGreaterThan(5);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(childDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a SIGUSR2 while `pulse serve` is still starting does not kill it: the file is read again once it runs', async () => {
    const port = await freePort();
    const childDir = mkdtempSync(join(tmpdir(), 'pulse-usr2-early-'));
    const childFile = join(childDir, 'pulse.yaml');
    writeFileSync(childFile, stringify({ health_checks: [probe('first', 1)] }));
    const dataDir = join(childDir, 'data');
    const repo = resolve(import.meta.dirname, '../../../..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'], {
      cwd: repo,
      env: { ...process.env, PULSE_DATA_DIR: dataDir, ANALYTICS_PORT: String(port), PULSE_CONFIG: childFile, LOG_LEVEL: 'warn', ANALYTICS_API_KEY: ADMIN },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    const base = `http://127.0.0.1:${port}`;
    try {
      // The store file appears while the server starts (it opens and migrates it before listening).
      for (let i = 0; i < 300 && !existsSync(join(dataDir, 'pulse.duckdb')); i++) await new Promise((r) => setTimeout(r, 20));
      expect((await fetch(`${base}/health`).catch(() => null))?.status).toBeUndefined();
      writeFileSync(childFile, stringify({ health_checks: [probe('second', 2)] }));
      child.kill('SIGUSR2');
      let up = false;
      for (let i = 0; i < 150 && !up && child.exitCode === null && child.signalCode === null; i++) {
        up = (await fetch(`${base}/health`).catch(() => null))?.status === 200;
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      expect(child.signalCode).toBeNull();
      expect(up).toBe(true);
      let services: string[] = [];
      for (let i = 0; i < 50 && !services.includes('second'); i++) {
        services = Object.keys((await getJson(`${base}/api/health`, auth)).json.services).sort();
        if (!services.includes('second')) await new Promise((r) => setTimeout(r, 100));
      }
      expect(services).toEqual(['second', 'store']);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(childDir, { recursive: true, force: true });
    }
  }, 30_000);
});
