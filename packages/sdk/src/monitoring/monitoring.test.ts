import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Monitoring } from './monitoring.js';
import { silentLogger } from '../transport/log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';

let fake: FakePulse;
let monitoring: Monitoring;
let clock = 1_000_000;

beforeEach(async () => {
  fake = await startFakePulse();
  clock = 1_000_000;
  monitoring = new Monitoring({
    service: 'api', environment: 'test', url: fake.url, logger: silentLogger, env: {}, defaultMetrics: false, now: () => clock,
  });
});
afterEach(async () => {
  await monitoring.shutdown();
  await fake.close();
});

async function values(name: string): Promise<{ labels: Record<string, unknown>; value: number; metricName?: string }[]> {
  const metric = monitoring.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as { labels: Record<string, unknown>; value: number; metricName?: string }[];
}

async function shipped(): Promise<Record<string, unknown>[]> {
  await monitoring.client.flush();
  return fake.stored.map((s) => s.event);
}

describe('Monitoring.trackKPI', () => {
  it('counts each seed 002 KPI in its family and ships it as an event', async () => {
    monitoring.trackKPI({ type: 'generation_success', data: { type: 'image' } });
    monitoring.trackKPI({ type: 'generation_success', data: { type: 'image' } });
    monitoring.trackKPI({ type: 'generation_failure', data: { type: 'image', errorType: 'Timeout' } });
    monitoring.trackKPI({ type: 'token_spend', data: { tokens: 1000, model: 'gpt-4', type: 'completion' } });
    monitoring.trackKPI({ type: 'token_spend', data: { tokens: 500, model: 'gpt-4', type: 'completion' } });
    monitoring.trackKPI({ type: 'payment_conversion', data: { paymentMethod: 'card', plan: 'premium', amount: 9.99, currency: 'USD' } });
    monitoring.trackKPI({ type: 'payment_failure', data: { paymentMethod: 'card', plan: 'premium', errorType: 'card_declined' } });

    expect(await values('generation_success_total')).toEqual([{ labels: { service: 'api', type: 'image' }, value: 2 }]);
    expect(await values('generation_failure_total')).toEqual([{ labels: { service: 'api', type: 'image', error_type: 'Timeout' }, value: 1 }]);
    expect(await values('token_spend_total')).toEqual([{ labels: { service: 'api', model: 'gpt-4', type: 'completion' }, value: 1500 }]);
    expect(await values('payment_conversions_total')).toEqual([{ labels: { service: 'api', payment_method: 'card', plan: 'premium' }, value: 1 }]);
    expect(await values('payment_failures_total')).toEqual([
      { labels: { service: 'api', payment_method: 'card', plan: 'premium', error_type: 'card_declined' }, value: 1 },
    ]);

    const events = await shipped();
    expect(events).toHaveLength(7);
    expect(events.every((e) => e.service === 'api' && e.environment === 'test')).toBe(true);
    expect(events[0]).toMatchObject({ type: 'metric', name: 'generation_success_total', value: 1, status: 'ok', attributes: { type: 'image' } });
    expect(events[2]).toMatchObject({ type: 'metric', name: 'generation_failure_total', status: 'error', error_type: 'Timeout' });
    expect(events[3]).toMatchObject({ type: 'metric', name: 'token_spend_total', value: 1000, model: 'gpt-4', attributes: { type: 'completion' } });
    expect(events[5]).toMatchObject({
      type: 'payment', name: 'premium', status: 'ok', value: 9.99, attributes: { payment_method: 'card', plan: 'premium', currency: 'USD' },
    });
    expect(events[6]).toMatchObject({ type: 'payment', status: 'error', error_type: 'card_declined' });
  });

  it('active_users_total is the number of distinct users seen in the last five minutes', async () => {
    monitoring.trackKPI({ type: 'active_user', data: { userId: 'a' } });
    monitoring.trackKPI({ type: 'active_user', data: { userId: 'b', persona: 'scav' } });
    monitoring.trackKPI({ type: 'active_user', data: { userId: 'a' } });
    expect(await values('active_users_total')).toEqual([{ labels: { service: 'api' }, value: 2 }]);
    clock += 4 * 60_000;
    monitoring.trackKPI({ type: 'active_user', data: { userId: 'c' } });
    clock += 2 * 60_000; // `b` was last seen 6 minutes ago, `a` too; `c` 2 minutes ago
    expect(await values('active_users_total')).toEqual([{ labels: { service: 'api' }, value: 1 }]);
    const events = await shipped();
    expect(events.map((e) => e.user_id)).toEqual(['a', 'b', 'a', 'c']);
    expect(events[1]).toMatchObject({ type: 'user', name: 'active', persona: 'scav' });
  });

  it('an over-long error type or plan (an error message passed as the type) is cut, not the whole event lost', async () => {
    const message = `Request failed: ${'the upstream model refused the prompt because '.repeat(8)}`;
    expect(message.length).toBeGreaterThan(256);
    monitoring.metrics.trackGenerationFailure('image', message);
    monitoring.trackKPI({ type: 'payment_failure', data: { paymentMethod: 'card', plan: 'p'.repeat(300), errorType: message } });
    monitoring.metrics.startJobTimer('main-queue', `render:${'x'.repeat(300)}`)();
    expect((await values('generation_failure_total'))[0]?.value).toBe(1);
    const events = await shipped();
    expect(monitoring.stats().dropped.total).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['metric', 'payment', 'metric', 'metric', 'job']);
    expect(events[0]).toMatchObject({ name: 'generation_failure_total', error_type: message.slice(0, 256) });
    expect(events[1]).toMatchObject({ name: 'p'.repeat(256), error_type: message.slice(0, 256) });
    expect(String(events[4]?.name)).toHaveLength(256);
  });

  it('never throws on junk from untyped callers', () => {
    const loose = monitoring as unknown as { trackKPI(k: unknown): void; handleError(e: unknown, c?: unknown): void };
    expect(() => loose.trackKPI(undefined)).not.toThrow();
    expect(() => loose.trackKPI({ type: 'token_spend' })).not.toThrow();
    expect(() => loose.trackKPI({ type: 'nope', data: {} })).not.toThrow();
    expect(() => loose.handleError(undefined, 42)).not.toThrow();
  });
});

describe('Monitoring.handleError', () => {
  it('counts errors_total by type and severity and ships an error event with the context', async () => {
    class PaymentGatewayError extends Error {}
    monitoring.handleError(new PaymentGatewayError('gateway down'), { context: 'additional info', orderId: 42 });
    monitoring.handleError(new TypeError('x is not a function'));
    monitoring.handleError(new Error('429 rate limit exceeded'));
    monitoring.handleError(new Error('boom'), { severity: 'critical' });
    monitoring.handleError('a string was thrown');
    expect(await values('errors_total')).toEqual([
      { labels: { service: 'api', error_type: 'PaymentGatewayError', severity: 'medium' }, value: 1 },
      { labels: { service: 'api', error_type: 'TypeError', severity: 'high' }, value: 1 },
      { labels: { service: 'api', error_type: 'Error', severity: 'high' }, value: 1 },
      { labels: { service: 'api', error_type: 'Error', severity: 'critical' }, value: 1 },
      { labels: { service: 'api', error_type: 'StringError', severity: 'medium' }, value: 1 },
    ]);
    const [first] = await shipped();
    expect(first).toMatchObject({
      type: 'error', name: 'PaymentGatewayError', status: 'error', error_type: 'PaymentGatewayError', error_message: 'gateway down',
      severity: 'medium', attributes: { context: 'additional info', orderId: 42 },
    });
  });
});

describe('Monitoring.handleError from untyped callers', () => {
  it('a string context (`handleError(err, \'while charging\')`) is kept as `context`, not split into one attribute per character', async () => {
    const loose = monitoring as unknown as { handleError(e: unknown, c?: unknown): void };
    loose.handleError(new Error('card declined'), 'while charging');
    loose.handleError(new Error('again'), ['a', 'b']);
    const [first, second] = await shipped();
    expect(first?.attributes).toEqual({ context: 'while charging' });
    expect(second?.attributes).toEqual({ context: '["a","b"]' });
  });
});

describe('Monitoring.metrics and alerts', () => {
  it('startJobTimer tracks active jobs, observes the duration once, and ships a job event', async () => {
    const end = monitoring.metrics.startJobTimer('main-queue', 'image-generation');
    expect(await values('active_jobs_total')).toEqual([{ labels: { service: 'api', queue_name: 'main-queue' }, value: 1 }]);
    await new Promise((r) => setTimeout(r, 20));
    const seconds = end();
    expect(end()).toBe(seconds);
    expect(seconds).toBeGreaterThanOrEqual(0.015);
    expect(await values('active_jobs_total')).toEqual([{ labels: { service: 'api', queue_name: 'main-queue' }, value: 0 }]);
    const hist = await values('queue_job_duration_seconds');
    expect(hist.find((v) => v.metricName === 'queue_job_duration_seconds_count')).toMatchObject({
      labels: { service: 'api', queue_name: 'main-queue' }, value: 1,
    });
    expect(hist.find((v) => v.metricName === 'queue_job_duration_seconds_sum')?.value).toBeCloseTo(seconds, 6);
    monitoring.metrics.startJobTimer('main-queue', 'image-generation')({ error: new RangeError('too big') });
    const shippedEvents = await shipped();
    // The running count goes to Pulse too (its /metrics sets active_jobs_total from it): 1, 0, 1, 0.
    const counts = shippedEvents.filter((e) => e.name === 'active_jobs_total');
    expect(counts.map((e) => [e.type, e.value, e.attributes?.queue_name])).toEqual([
      ['metric', 1, 'main-queue'], ['metric', 0, 'main-queue'], ['metric', 1, 'main-queue'], ['metric', 0, 'main-queue'],
    ]);
    const events = shippedEvents.filter((e) => e.type === 'job');
    expect(events[0]).toMatchObject({ type: 'job', name: 'image-generation', status: 'ok', attributes: { queue_name: 'main-queue' } });
    expect(events[0]?.duration_ms).toBeCloseTo(seconds * 1000, 3);
    expect(events[1]).toMatchObject({ type: 'job', status: 'error', error_type: 'RangeError', error_message: 'too big' });
  });

  it('trackGenerationSuccess/Failure count and ship like the KPIs', async () => {
    monitoring.metrics.trackGenerationSuccess('image');
    monitoring.metrics.trackGenerationFailure('image', 'ContentPolicyError');
    expect(await values('generation_success_total')).toEqual([{ labels: { service: 'api', type: 'image' }, value: 1 }]);
    expect(await values('generation_failure_total')).toEqual([
      { labels: { service: 'api', type: 'image', error_type: 'ContentPolicyError' }, value: 1 },
    ]);
    expect((await shipped()).map((e) => e.name)).toEqual(['generation_success_total', 'generation_failure_total']);
  });

  it('alertQueueFailure counts queue_failures_total and ships a routable high-severity error event', async () => {
    const err = new Error('worker crashed');
    monitoring.alerts.alertQueueFailure('main-queue', err, { id: 'job-7', name: 'render', data: { secret: 'x' } });
    expect(await values('queue_failures_total')).toEqual([{ labels: { service: 'api', queue_name: 'main-queue' }, value: 1 }]);
    const [event] = await shipped();
    expect(event).toEqual({
      type: 'error', name: 'queue_failure', status: 'error', severity: 'high', error_type: 'Error', error_message: 'worker crashed',
      attributes: { alert: 'queue_failure', queue_name: 'main-queue', job_id: 'job-7', job_name: 'render' },
      service: 'api', environment: 'test', ts: expect.any(Number),
    });
  });

  it('http_request_duration_seconds resolves LLM-length requests: a p95 of 25 s is not reported as 10 s', async () => {
    // An endpoint that waits for a model: 19 answers in 20–30 s, one in 1 s.
    for (let i = 0; i < 19; i++) monitoring.recordHttp({ route: '/v1/chat', method: 'POST', statusCode: 200, durationMs: 20_000 + i * 500 });
    monitoring.recordHttp({ route: '/v1/chat', method: 'POST', statusCode: 200, durationMs: 1000 });
    const buckets = (await values('http_request_duration_seconds'))
      .filter((v) => v.metricName === 'http_request_duration_seconds_bucket')
      .map((v) => [Number(v.labels.le), v.value] as const);
    // histogram_quantile(0.95, …) needs a finite bucket above the 95th value (rank 19 of 20 ≈ 29 s), else
    // it answers the highest finite bound.
    const covering = buckets.find(([le, count]) => Number.isFinite(le) && count >= 19);
    expect(covering?.[0]).toBeGreaterThanOrEqual(29);
    expect(covering?.[0]).toBeLessThanOrEqual(60);
  });

  it('bounds label values: the 201st distinct route is reported as __other__', async () => {
    for (let i = 0; i < 205; i++) monitoring.recordHttp({ route: `/r${i}`, method: 'GET', statusCode: 200, durationMs: 1 });
    const routes = new Set((await values('http_requests_total')).map((v) => v.labels.route));
    expect(routes.size).toBe(201);
    expect(routes.has('__other__')).toBe(true);
    expect(routes.has('/r204')).toBe(false);
  });
});

describe('Monitoring.withContext', () => {
  it('applies user, session, persona and channel to everything tracked inside', async () => {
    await monitoring.withContext({ userId: 'u1', persona: 'scav', channel: 'general', sessionId: 's1' }, async () => {
      await Promise.resolve();
      monitoring.trackMessage({ text: 'hi there', direction: 'in' });
      monitoring.trackFeedback({ score: 5 });
    });
    monitoring.trackInteraction({ persona: 'scav', target: 'dagoth_ur', kind: 'banter', value: 72 });
    const events = await shipped();
    expect(events[0]).toMatchObject({
      type: 'message', name: 'message', text: 'hi there', user_id: 'u1', persona: 'scav', channel: 'general', session_id: 's1',
      attributes: { direction: 'in' },
    });
    expect(events[1]).toMatchObject({ type: 'feedback', name: 'helpfulness', value: 5, user_id: 'u1' });
    expect(events[2]).toMatchObject({ type: 'interaction', name: 'banter', persona: 'scav', target: 'dagoth_ur', value: 72 });
    expect(events[2]?.user_id).toBeUndefined();
  });
});
