import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Counter, Registry } from 'prom-client';
import type { Metric } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_GAUGES_NAMED_TOTAL } from '@pulse/protocol';
import { Monitoring } from './monitoring.js';
import { silentLogger } from '../transport/log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';

let fake: FakePulse | undefined;
let monitoring: Monitoring | undefined;
afterEach(async () => {
  await monitoring?.shutdown();
  await fake?.close();
  monitoring = undefined;
  fake = undefined;
});

/** seed 002's families: exact name, type and label names. */
const SEED_FAMILIES: [string, string, string[]][] = [
  ['active_users_total', 'gauge', ['service']],
  ['generation_success_total', 'counter', ['service', 'type']],
  ['generation_failure_total', 'counter', ['service', 'type', 'error_type']],
  ['token_spend_total', 'counter', ['service', 'model', 'type']],
  ['payment_conversions_total', 'counter', ['service', 'payment_method', 'plan']],
  ['payment_failures_total', 'counter', ['service', 'payment_method', 'plan', 'error_type']],
  ['queue_failures_total', 'counter', ['service', 'queue_name']],
  ['queue_job_duration_seconds', 'histogram', ['service', 'queue_name']],
  ['active_jobs_total', 'gauge', ['service', 'queue_name']],
  ['http_requests_total', 'counter', ['service', 'route', 'method', 'status_code']],
  ['http_request_duration_seconds', 'histogram', ['service', 'route', 'method', 'status_code']],
  ['errors_total', 'counter', ['service', 'error_type', 'severity']],
];

async function started(env: Record<string, string> = {}): Promise<{ m: Monitoring; url: string | undefined }> {
  fake = await startFakePulse();
  monitoring = new Monitoring({ service: 'bot', url: fake.url, logger: silentLogger, env: { METRICS_PORT: '0', ...env }, metricsHost: '127.0.0.1' });
  const server = await monitoring.startMetricsServer();
  return { m: monitoring, url: server?.url };
}

function exercise(m: Monitoring): void {
  m.trackKPI({ type: 'active_user', data: { userId: 'u' } });
  m.trackKPI({ type: 'generation_success', data: { type: 'image' } });
  m.trackKPI({ type: 'generation_failure', data: { type: 'image', errorType: 'Timeout' } });
  m.trackKPI({ type: 'token_spend', data: { tokens: 10, model: 'gpt-4', type: 'completion' } });
  m.trackKPI({ type: 'payment_conversion', data: { paymentMethod: 'card', plan: 'premium' } });
  m.trackKPI({ type: 'payment_failure', data: { paymentMethod: 'card', plan: 'premium', errorType: 'declined' } });
  m.metrics.startJobTimer('main-queue', 'render')();
  m.alerts.alertQueueFailure('main-queue', new Error('x'));
  m.recordHttp({ route: '/users/:id', method: 'GET', statusCode: 200, durationMs: 12 });
  m.handleError(new Error('quote " and \\ backslash\nnewline'), { severity: 'critical' });
}


/** A port another server holds on 127.0.0.1 (close `blocker` to free it). */
async function takenPort(): Promise<{ blocker: ReturnType<typeof createServer>; port: number }> {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  return { blocker, port: (blocker.address() as AddressInfo).port };
}

describe('the local /metrics endpoint', () => {
  it('serves seed 002 families with exact names, types and labels, plus process metrics', async () => {
    const { m, url } = await started();
    exercise(m);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const [name, type, labels] of SEED_FAMILIES) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
      const sample = text.split('\n').find((l) => l.startsWith(type === 'histogram' ? `${name}_count{` : `${name}{`));
      expect(sample, name).toBeDefined();
      const names = [...(sample ?? '').matchAll(/(\w+)="/g)].map((x) => x[1]);
      expect(names, name).toEqual(labels);
    }
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^nodejs_active_handles\{type=/m);
    expect(text).toContain('active_users_total{service="bot"} 1\n');
  });

  it('passes promtool check metrics, except the _total suffix on gauges whose names are fixed elsewhere', async (ctx) => {
    const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      console.log('skipped: promtool is not on PATH (Debian: apt-get install prometheus)');
      ctx.skip();
    }
    const { m, url } = await started();
    exercise(m);
    const text = await (await fetch(`${url}/metrics`)).text();
    const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${out.stdout}${out.stderr}`.trim().split('\n').filter(Boolean).sort();
    // promtool's lint wants gauges without `_total`. Seed 002 names two gauges so (its PromQL and
    // dashboards use those names); prom-client's three `nodejs_active_*_total` gauges are removed (their
    // by-type twins stay). Any other finding fails the test; a parse error would exit 1 instead of 3.
    const suffixLint = (name: string): string => `${name} non-counter metrics should not have "_total" suffix`;
    expect(problems).toEqual([...SEED_GAUGES_NAMED_TOTAL].sort().map(suffixLint));
    expect(out.status).toBe(3);
  });

  it('answers /health and 404 elsewhere', async () => {
    const { url } = await started();
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'bot' });
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('ENABLE_METRICS=false disables the endpoint', async () => {
    const { url } = await started({ ENABLE_METRICS: 'false' });
    expect(url).toBeUndefined();
  });

  it('a taken port does not throw into the host: startMetricsServer resolves undefined', async () => {
    const { blocker, port } = await takenPort();
    fake = await startFakePulse();
    monitoring = new Monitoring({ service: 'bot', url: fake.url, logger: silentLogger, env: {}, metricsPort: port, metricsHost: '127.0.0.1' });
    await expect(monitoring.startMetricsServer()).resolves.toBeUndefined();
    await new Promise<void>((r) => blocker.close(() => r()));
  });

  it('a start that failed on a taken port is tried again by the next call, once the port is free', async () => {
    const { blocker, port } = await takenPort();
    fake = await startFakePulse();
    monitoring = new Monitoring({ service: 'bot', url: fake.url, logger: silentLogger, env: {}, metricsPort: port, metricsHost: '127.0.0.1' });
    await expect(monitoring.startMetricsServer()).resolves.toBeUndefined();
    await new Promise<void>((r) => blocker.close(() => r())); // the old process let go of the port
    const server = await monitoring.startMetricsServer();
    expect(server?.port).toBe(port);
    expect((await fetch(`${server?.url}/health`)).status).toBe(200);
    expect(await monitoring.startMetricsServer()).toBe(server);
  });

  it('after shutdown() no metrics server is started or handed out', async () => {
    const { m, url } = await started();
    await m.shutdown();
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
    await expect(m.startMetricsServer()).resolves.toBeUndefined();
  });

  it('an empty METRICS_PORT (a compose file\'s `METRICS_PORT=${METRICS_PORT}` when unset) means the default 9091, not a random port', async () => {
    // Holds 9091 where it can, so the test never serves on it; either way the facade must try 9091 and nothing else.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.once('error', () => r()).listen(9091, '127.0.0.1', r));
    const warned: unknown[] = [];
    fake = await startFakePulse();
    monitoring = new Monitoring({
      service: 'bot', url: fake.url, env: { METRICS_PORT: ' ' }, metricsHost: '127.0.0.1',
      logger: { ...silentLogger, warn: (fields: unknown) => void warned.push(fields) },
    });
    const server = await monitoring.startMetricsServer();
    expect(server?.port ?? 9091).toBe(9091);
    if (!server) expect(JSON.stringify(warned)).toContain('"port":9091');
    if (blocker.listening) await new Promise<void>((r) => blocker.close(() => r()));
  });

  it('uses its own registry: two facades in one process do not collide', async () => {
    const { m } = await started();
    const other = new Monitoring({ service: 'worker', url: fake?.url, logger: silentLogger, env: {} });
    other.trackKPI({ type: 'generation_success', data: { type: 'image' } });
    expect(await m.registry.getSingleMetricAsString('generation_success_total')).not.toContain('worker');
    expect(await other.registry.getSingleMetricAsString('generation_success_total')).toContain('service="worker"');
    await other.shutdown();
  });

  describe('shutdown() releases prom-client\'s default metrics', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    const value = async (metric: Metric | undefined, pick = (_: { value: number; metricName?: string }) => true): Promise<number> =>
      ((await metric?.get())?.values ?? []).filter(pick).reduce((sum, v) => sum + v.value, 0);
    const gcCount = (m: Metric | undefined): Promise<number> => value(m, (v) => v.metricName === 'nodejs_gc_duration_seconds_count');
    /**
     * The event-loop-delay monitor's p50 over 60 ms (prom-client's nodejs_eventloop_lag_seconds collect
     * copies the monitor into the _p50 gauge and resets it): about its 10 ms resolution while it samples,
     * under 1 ms once it has stopped (an empty histogram reads 511 ns). A forced GC in the same window
     * feeds the GC observer.
     */
    const sampleWindow = async (lag: Metric | undefined, p50: Metric | undefined): Promise<number> => {
      await lag?.get();
      gc();
      await sleep(60);
      await lag?.get();
      return value(p50);
    };
    const monitorsOf = (registry: Registry) => ({
      lag: registry.getSingleMetric('nodejs_eventloop_lag_seconds'),
      p50: registry.getSingleMetric('nodejs_eventloop_lag_p50_seconds'),
      gc: registry.getSingleMetric('nodejs_gc_duration_seconds'),
    });

    it('the event-loop-delay monitor and the GC observer stop, and the registry can serve a new instance', async () => {
      fake = await startFakePulse();
      const registry = new Registry();
      const options = { service: 'bot', url: fake.url, logger: silentLogger, env: {}, registry };
      monitoring = new Monitoring(options);
      const first = monitorsOf(registry);
      // Running while the instance lives.
      expect(await sampleWindow(first.lag, first.p50)).toBeGreaterThan(0.005);
      const seenGcs = await gcCount(first.gc);
      expect(seenGcs).toBeGreaterThan(0);

      // A metric the application adds to the same registry is its own: shutdown() leaves it.
      new Counter({ name: 'app_custom_total', help: 'the application\'s', registers: [registry] });
      await monitoring.shutdown();
      expect(registry.getSingleMetric('app_custom_total')).toBeDefined();
      expect(registry.getSingleMetric('generation_success_total')).toBeUndefined();
      expect(await sampleWindow(first.lag, first.p50)).toBeLessThan(0.001);
      expect(await gcCount(first.gc)).toBe(seenGcs);

      // The registry no longer holds this instance's metrics: a new one starts on it, with live monitors.
      monitoring = new Monitoring(options);
      const second = monitorsOf(registry);
      expect(second.gc).not.toBe(first.gc);
      expect(await sampleWindow(second.lag, second.p50)).toBeGreaterThan(0.005);
      expect(await gcCount(second.gc)).toBeGreaterThan(0);
      expect(await registry.getSingleMetricAsString('generation_success_total')).toContain('generation_success_total');
    });

    it('a second live instance keeps its own monitors running when the first shuts down', async () => {
      fake = await startFakePulse();
      const first = new Monitoring({ service: 'bot', url: fake.url, logger: silentLogger, env: {} });
      monitoring = new Monitoring({ service: 'worker', url: fake.url, logger: silentLogger, env: {} });
      await first.shutdown();
      const live = monitorsOf(monitoring.registry);
      expect(await sampleWindow(live.lag, live.p50)).toBeGreaterThan(0.005);
      expect(await gcCount(live.gc)).toBeGreaterThan(0);
    });
  });
});
