import { Registry } from 'prom-client';
import type { EventInput } from '@pulse/protocol';
import { SEED_FAMILIES } from '@pulse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeedMetrics } from '../../../sdk/src/monitoring/prom-metrics.js';
import { postJson, startTestPulse } from '../test-support/pulse.js';
import { parseExposition, total, type Sample } from './test-support/exposition.js';
import { allEvents, knownTraffic, usersByService } from './test-support/traffic.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const ADMIN = 'admin-key-for-kpi-tests';
const auth = { authorization: `Bearer ${ADMIN}` };

async function send(p: Pulse, events: EventInput[], project: string): Promise<void> {
  const r = await postJson(`${p.url}/v1/events?project=${project}`, { events }, auth);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

/** Scrapes until the KPI subscriber has been handed `events` events (it runs off the ack path). */
async function scrapeAfter(p: Pulse, events: number, headers: Record<string, string> = auth): Promise<Sample[]> {
  for (let i = 0; i < 200; i++) {
    const samples = parseExposition(await (await fetch(`${p.url}/metrics`, { headers })).text());
    const delivered = total(samples, 'pulse_fanout_delivered_events_total', { subscriber: 'prometheus-kpi' });
    const queued = total(samples, 'pulse_fanout_queued_events', { subscriber: 'prometheus-kpi' });
    if (delivered >= events && queued === 0) return samples;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the KPI subscriber did not catch up');
}

const count = <T>(xs: readonly T[], pred: (x: T) => boolean): number => xs.filter(pred).length;
const sum = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((a, x) => a + f(x), 0);

describe('KPI families on /metrics, computed from committed events', () => {
  let pulse: Pulse;
  let s: Sample[];
  const t = knownTraffic();
  const events = allEvents(t);
  // A second project gets the LLM traffic only, so `project` must separate them.
  beforeAll(async () => {
    pulse = await startTestPulse({ apiKey: ADMIN });
    await send(pulse, events, 'default');
    await send(pulse, t.llm, 'shop');
    s = await scrapeAfter(pulse, events.length + t.llm.length);
  });
  afterAll(async () => pulse?.dispose());

  it('counts HTTP requests by route and status code, and their durations in seed 002\'s buckets', () => {
    for (const route of ['/chat', '/users/:id']) {
      const mine = t.http.filter((e) => e.name === route);
      for (const code of ['200', '404', '500']) {
        const n = count(mine, (e) => String(e.attributes!.status_code) === code);
        expect(total(s, 'http_requests_total', { project: 'default', route, status_code: code }), `${route} ${code}`).toBe(n);
      }
      expect(total(s, 'http_request_duration_seconds_count', { route })).toBe(mine.length);
      expect(total(s, 'http_request_duration_seconds_sum', { route })).toBeCloseTo(sum(mine, (e) => e.duration_ms! / 1000), 6);
      expect(total(s, 'http_request_duration_seconds_bucket', { route, le: '0.5' })).toBe(count(mine, (e) => e.duration_ms! <= 500));
    }
  });

  it('counts errors by type and severity, generations, payments and queue failures with the seed\'s labels', () => {
    const errorEvents = [...t.errors, ...t.queueAlerts];
    expect(total(s, 'errors_total', { severity: 'critical' })).toBe(count(errorEvents, (e) => e.severity === 'critical'));
    expect(total(s, 'errors_total', { error_type: 'Timeout', service: 'api' })).toBe(count(errorEvents, (e) => e.error_type === 'Timeout' && e.service === 'api'));
    expect(total(s, 'generation_success_total', { type: 'image' })).toBe(count(t.generations, (e) => e.name === 'generation_success_total' && e.attributes!.type === 'image'));
    expect(total(s, 'generation_failure_total', { error_type: 'ContentFilter' })).toBe(count(t.generations, (e) => e.name === 'generation_failure_total'));
    const ok = t.payments.filter((e) => e.status !== 'error');
    expect(total(s, 'payment_conversions_total', { plan: 'premium', payment_method: 'card' })).toBe(count(ok, (e) => e.attributes!.plan === 'premium' && e.attributes!.payment_method === 'card'));
    expect(total(s, 'payment_failures_total', { error_type: 'card_declined' })).toBe(count(t.payments, (e) => e.status === 'error'));
    // A failed job event and an SDK queue-failure alert both count.
    const failedMain = count(t.jobs, (e) => e.status === 'error' && e.attributes!.queue_name === 'main-queue') + t.queueAlerts.length;
    expect(total(s, 'queue_failures_total', { queue_name: 'main-queue' })).toBe(failedMain);
    expect(total(s, 'queue_job_duration_seconds_count', { queue_name: 'slow-queue' })).toBe(count(t.jobs, (e) => e.attributes!.queue_name === 'slow-queue'));
    expect(total(s, 'active_jobs_total', { queue_name: 'main-queue' })).toBe(t.gauges[0]!.value);
  });

  it('counts LLM tokens, cost, latency and TTFT per model and project; token_spend_total splits prompt and completion', () => {
    for (const project of ['default', 'shop']) {
      for (const model of ['gpt-4o-mini', 'claude-3-haiku']) {
        const mine = t.llm.filter((e) => e.model === model);
        const m = { project, model };
        expect(total(s, 'llm_tokens_total', { ...m, direction: 'input' })).toBe(sum(mine, (e) => e.input_tokens!));
        expect(total(s, 'token_spend_total', { ...m, type: 'completion' })).toBe(sum(mine, (e) => e.output_tokens!));
        expect(total(s, 'llm_cost_usd_total', m)).toBeCloseTo(sum(mine, (e) => e.cost_usd!), 9);
        expect(total(s, 'llm_requests_total', { ...m, status: 'error' })).toBe(count(mine, (e) => e.status === 'error'));
        expect(total(s, 'llm_errors_total', { ...m, error_type: 'RateLimit' })).toBe(count(mine, (e) => e.status === 'error'));
        expect(total(s, 'llm_request_duration_seconds_bucket', { ...m, le: '2' })).toBe(count(mine, (e) => e.duration_ms! <= 2000));
        expect(total(s, 'llm_time_to_first_token_seconds_bucket', { ...m, le: '0.2' })).toBe(count(mine, (e) => e.ttft_ms! <= 200));
      }
    }
  });

  it('a KPI metric event without attributes.type is labelled type="unknown", never its own type "metric"', async () => {
    await send(pulse, [{ type: 'metric', name: 'token_spend_total', value: 1000, model: 'gpt-4o' }], 'typeless');
    const after = await scrapeAfter(pulse, events.length + t.llm.length + 1);
    expect(total(after, 'token_spend_total', { project: 'typeless', type: 'unknown' })).toBe(1000);
    expect(total(after, 'token_spend_total', { project: 'typeless', type: 'metric' })).toBe(0);
  });

  it('active_users_total counts distinct users per project and service', () => {
    for (const [service, users] of usersByService(events)) {
      expect(total(s, 'active_users_total', { project: 'default', service }), service).toBe(users.size);
    }
    expect(total(s, 'active_users_total', { project: 'shop', service: 'bot' })).toBe(usersByService(t.llm).get('bot')!.size);
  });

  it('counts the pipeline: accepted events, ingest requests by outcome, commits', () => {
    expect(total(s, 'pulse_ingest_events_accepted_total')).toBe(events.length + t.llm.length);
    expect(total(s, 'pulse_ingest_requests_total', { endpoint: '/v1/events', outcome: 'accepted' })).toBe(2);
    expect(total(s, 'pulse_commit_batch_events_sum')).toBe(events.length + t.llm.length);
    expect(total(s, 'pulse_fanout_dropped_events_total', { subscriber: 'prometheus-kpi' })).toBe(0);
  });
});

describe('the KPI families agree with the SDK\'s', () => {
  it('in name, type, label names (plus project) and buckets', async () => {
    const sdk = new Registry();
    createSeedMetrics(sdk, { service: 'x', activeUsers: () => 0, defaultMetrics: false });
    const pulse = await startTestPulse();
    try {
      const server = pulse.metrics.registry;
      for (const spec of Object.values(SEED_FAMILIES)) {
        const a = sdk.getSingleMetric(spec.name) as unknown as { type: string; labelNames: string[]; upperBounds?: number[] };
        const b = server.getSingleMetric(spec.name) as unknown as { type: string; labelNames: string[]; upperBounds?: number[] };
        expect(b.type, spec.name).toBe(a.type);
        expect(b.labelNames, spec.name).toEqual(['project', ...a.labelNames]);
        expect(b.upperBounds, spec.name).toEqual(a.upperBounds);
      }
    } finally {
      await pulse.dispose();
    }
  });
});

describe('the series cap', () => {
  it('folds label sets beyond the cap into __other__ and counts each folded update', async () => {
    const pulse = await startTestPulse({ metrics: { key: null, maxSeriesPerFamily: 3, kpi: true } });
    try {
      const before = parseExposition(await (await fetch(`${pulse.url}/metrics`)).text());
      // Every family's overflow counter is there at 0 before any fold, so increase() sees the first one.
      expect(total(before, 'pulse_metrics_series_overflow_total', { family: 'llm_requests_total' })).toBe(0);
      expect(before.filter((x) => x.name === 'pulse_metrics_series_overflow_total').length).toBeGreaterThanOrEqual(10);
      const models = ['m1', 'm2', 'm3', 'm4', 'm5', 'm4'];
      const r = await postJson(`${pulse.url}/v1/events`, models.map((model) => ({ type: 'llm', model, provider: 'p', input_tokens: 1 })));
      expect(r.status).toBe(200);
      const samples = await scrapeAfter(pulse, models.length, {});
      const req = samples.filter((x) => x.name === 'llm_requests_total');
      expect(req.map((x) => x.labels.model).sort()).toEqual(['__other__', 'm1', 'm2', 'm3']);
      expect(total(samples, 'llm_requests_total', { model: '__other__', project: '__other__' })).toBe(3);
      // llm_requests_total, llm_tokens_total and token_spend_total each folded the three m4/m5 events.
      expect(total(samples, 'pulse_metrics_series_overflow_total', { family: 'llm_requests_total' })).toBe(3);
      expect(total(samples, 'pulse_metrics_series_overflow_total', { family: 'token_spend_total' })).toBe(3);
      expect(total(samples, 'pulse_metrics_series', { family: 'llm_requests_total' })).toBe(3);
    } finally {
      await pulse.dispose();
    }
  });
});
