import { spawnSync } from 'node:child_process';
import { SEED_GAUGES_NAMED_TOTAL } from '@pulse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../live/test-support/ws-client.js';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import { wantsOpenMetrics } from './exposition.js';
import { parseExposition, total } from './test-support/exposition.js';
import { allEvents, knownTraffic } from './test-support/traffic.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const ADMIN = 'admin-key-for-metrics-route-tests';
const SCRAPE = 'scrape-key-for-metrics-route-tests';
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('GET /metrics', () => {
  let pulse: Pulse;
  beforeAll(async () => {
    pulse = await startTestPulse({ apiKey: ADMIN, metrics: { key: SCRAPE, maxSeriesPerFamily: 2000, kpi: true } });
    const r = await postJson(`${pulse.url}/v1/events`, { events: [...allEvents(knownTraffic()), { type: 'Not A Type' }] }, bearer(ADMIN));
    expect(r.status).toBe(207);
  });
  afterAll(async () => pulse?.dispose());

  it('takes the admin key or the scrape key; the scrape key opens nothing else; project keys are refused', async () => {
    expect((await fetch(`${pulse.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${pulse.url}/metrics`, { headers: bearer('wrong') })).status).toBe(401);
    expect((await fetch(`${pulse.url}/metrics`, { headers: bearer(ADMIN) })).status).toBe(200);
    expect((await fetch(`${pulse.url}/metrics`, { headers: bearer(SCRAPE) })).status).toBe(200);
    expect((await fetch(`${pulse.url}/metrics?api_key=${SCRAPE}`)).status).toBe(200);
    expect((await getJson(`${pulse.url}/v1/query?measures=count`, bearer(SCRAPE))).status).toBe(401);
    expect((await postJson(`${pulse.url}/v1/events`, [{ type: 'llm' }], bearer(SCRAPE))).status).toBe(401);
    const key = await postJson(`${pulse.url}/v1/keys`, { project: 'shop', scope: 'admin', name: 'shop admin' }, bearer(ADMIN));
    expect(key.status).toBe(201);
    const refused = await getJson(`${pulse.url}/metrics`, bearer(key.json.key));
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toContain('PULSE_METRICS_KEY');
  });

  it('serves text 0.0.4 by default and OpenMetrics when Accept prefers it, with the same values', async () => {
    const text = await fetch(`${pulse.url}/metrics`, { headers: bearer(SCRAPE) });
    expect(text.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const t = await text.text();
    const om = await fetch(`${pulse.url}/metrics`, { headers: { ...bearer(SCRAPE), accept: PROMETHEUS_ACCEPT } });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const o = await om.text();
    expect(o.endsWith('# EOF\n')).toBe(true);
    // OpenMetrics names the counter family without `_total`; its sample keeps it.
    expect(o).toContain('# TYPE errors counter\n');
    expect(o).toMatch(/^errors_total\{project="default",service="api",error_type="Timeout",severity="medium"\} \d+$/m);
    expect(t).toContain('# TYPE errors_total counter\n');
    const a = parseExposition(t);
    const b = parseExposition(o.replace('# EOF\n', ''));
    for (const name of ['errors_total', 'http_requests_total', 'llm_tokens_total', 'queue_job_duration_seconds_bucket']) {
      expect(total(b, name), name).toBe(total(a, name));
      expect(total(a, name), name).toBeGreaterThan(0);
    }
    // A text scrape after an OpenMetrics one still names counters with `_total` (prom-client renames in place otherwise).
    expect(await (await fetch(`${pulse.url}/metrics`, { headers: bearer(SCRAPE) })).text()).toContain('# TYPE errors_total counter\n');
  });

  it('passes promtool check metrics except for the seed\'s two gauges named _total', async (ctx) => {
    if (spawnSync('promtool', ['--version']).error) {
      console.log('skipped: promtool is not on PATH (Debian: apt-get install prometheus)');
      ctx.skip();
    }
    const text = await (await fetch(`${pulse.url}/metrics`, { headers: bearer(SCRAPE) })).text();
    const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${out.stdout}${out.stderr}`.trim().split('\n').filter(Boolean).sort();
    expect(problems).toEqual([...SEED_GAUGES_NAMED_TOTAL].sort().map((n) => `${n} non-counter metrics should not have "_total" suffix`));
    expect(out.status).toBe(3);
  });

  it('counts invalid events, WebSocket clients and request latency per route', async () => {
    const c = await connect(`${pulse.url.replace('http', 'ws')}/ws/metrics?api_key=${ADMIN}`);
    await c.next((f) => f.type === 'metrics_update');
    await getJson(`${pulse.url}/v1/query?measures=count`, bearer(ADMIN));
    const s = parseExposition(await (await fetch(`${pulse.url}/metrics`, { headers: bearer(SCRAPE) })).text());
    expect(total(s, 'pulse_ingest_events_rejected_total', { reason: 'invalid' })).toBe(1);
    expect(total(s, 'pulse_ingest_requests_total', { endpoint: '/v1/events', outcome: 'partial' })).toBe(1);
    expect(total(s, 'pulse_ingest_requests_total', { endpoint: '/v1/events', outcome: 'unauthorized' })).toBe(1);
    expect(total(s, 'pulse_websocket_clients', { endpoint: '/ws/metrics' })).toBe(1);
    expect(total(s, 'pulse_http_request_duration_seconds_count', { route: '/v1/query', method: 'GET', status_code: '200' })).toBe(1);
    expect(total(s, 'pulse_http_request_duration_seconds_count', { route: 'unmatched' })).toBe(0);
    c.close();
    await fetch(`${pulse.url}/no/such/path/${Math.random()}`);
    const s2 = parseExposition(await (await fetch(`${pulse.url}/metrics`, { headers: bearer(SCRAPE) })).text());
    expect(total(s2, 'pulse_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBe(1);
  });
});

describe('shedding and store failures on /metrics', () => {
  it('counts 429-shed and 503-failed events and requests, and commit failures', async () => {
    // Commits wait 300 ms for company and the queue holds 5 events, so a second request is shed.
    const pulse = await startTestPulse({ ingest: { flushMaxEvents: 1000, flushIntervalMs: 300, maxQueuedEvents: 5, retryAfterSeconds: 1 } });
    try {
      // The built-in `store` health check runs at start and may record its state through the same write path: let it
      // finish first, so its event cannot take a slot of the 5-event queue (and count as shed).
      for (let i = 0; i < 100 && !pulse.tasks.list().some((t) => t.name === 'health-check-store' && t.runs > 0); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 50));
      const five = Array.from({ length: 5 }, () => ({ type: 'llm' }));
      const first = postJson(`${pulse.url}/v1/events`, five);
      await new Promise((r) => setTimeout(r, 50));
      const shed = await postJson(`${pulse.url}/v1/events`, [{ type: 'llm' }, { type: 'llm' }]);
      expect(shed.status).toBe(429);
      expect((await first).status).toBe(200);
      // Fault injection (no real disk can be made to fail on demand here): the store refuses the next append.
      const append = pulse.store.append.bind(pulse.store);
      pulse.store.append = () => Promise.reject(new Error('disk full'));
      const failed = await postJson(`${pulse.url}/v1/events`, [{ type: 'llm' }, { type: 'llm' }, { type: 'llm' }]);
      expect(failed.status).toBe(503);
      pulse.store.append = append;
      const s = parseExposition(await (await fetch(`${pulse.url}/metrics`)).text());
      expect(total(s, 'pulse_ingest_events_rejected_total', { reason: 'shed' })).toBe(2);
      expect(total(s, 'pulse_ingest_events_rejected_total', { reason: 'unavailable' })).toBe(3);
      expect(total(s, 'pulse_ingest_requests_total', { outcome: 'shed' })).toBe(1);
      expect(total(s, 'pulse_ingest_requests_total', { outcome: 'unavailable' })).toBe(1);
      expect(total(s, 'pulse_commit_failures_total')).toBe(1);
      expect(total(s, 'pulse_ingest_events_accepted_total')).toBe(5);
      expect(total(s, 'pulse_write_queue_capacity_events')).toBe(5);
    } finally {
      await pulse.dispose();
    }
  });
});

describe('wantsOpenMetrics', () => {
  it('follows the q-values of Accept', () => {
    expect(wantsOpenMetrics(undefined)).toBe(false);
    expect(wantsOpenMetrics('*/*')).toBe(false);
    expect(wantsOpenMetrics(PROMETHEUS_ACCEPT)).toBe(true);
    expect(wantsOpenMetrics('application/openmetrics-text; version=1.0.0')).toBe(true);
    expect(wantsOpenMetrics('text/plain;version=0.0.4,application/openmetrics-text;q=0.5')).toBe(false);
    expect(wantsOpenMetrics('application/openmetrics-text;q=0')).toBe(false);
  });
});
