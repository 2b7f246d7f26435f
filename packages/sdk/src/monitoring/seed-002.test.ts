import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitoring } from '../index.js';
import { eventsOfService, loadStartPulse, startRealPulse } from '../test-support/real-pulse.js';
import type { RealPulse } from '../test-support/real-pulse.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';

// seed 002's "Usage in Services" snippet, run as written (TypeScript needs `(error as Error).name`),
// against the real server when @pulse/server can be loaded, else against the local fake.
const start = await loadStartPulse();
let real: RealPulse | undefined;
let fake: FakePulse | undefined;
const saved = { ...process.env };

beforeAll(async () => {
  if (typeof start === 'string') {
    console.log(`seed 002 snippet runs against the fake server: ${start}`);
    fake = await startFakePulse();
  } else {
    real = await startRealPulse(start);
  }
  process.env.PULSE_URL = real?.url ?? fake?.url;
  process.env.METRICS_PORT = '0';
  process.env.NODE_ENV = 'test';
});
afterAll(async () => {
  process.env = saved;
  await real?.close();
  await fake?.close();
});

async function stored(): Promise<Record<string, unknown>[]> {
  if (real) return eventsOfService(real, 'api');
  return (fake?.stored ?? []).map((s) => s.event);
}

describe('seed 002 snippet', () => {
  it('runs as written: metrics on /metrics, and every KPI, error, job and alert shipped as an event', async () => {
    const jobData = { id: 'job-1', prompt: 'a cat' };
    const processJob = (): void => {
      throw Object.assign(new Error('GPU out of memory'), { name: 'GenerationError' });
    };

    const monitoring = new Monitoring({
      service: 'api',
      environment: process.env.NODE_ENV,
    });

    // Start metrics server
    await monitoring.startMetricsServer();

    // Track KPIs
    monitoring.trackKPI({
      type: 'active_user',
      data: { userId: 'user123' },
    });

    monitoring.trackKPI({
      type: 'generation_success',
      data: { type: 'image' },
    });

    monitoring.trackKPI({
      type: 'token_spend',
      data: { tokens: 1000, model: 'gpt-4', type: 'completion' },
    });

    monitoring.trackKPI({
      type: 'payment_conversion',
      data: { paymentMethod: 'card', plan: 'premium' },
    });

    // Handle errors
    try {
      JSON.parse('{ not json');
    } catch (error) {
      monitoring.handleError(error, { context: 'additional info' });
    }

    // Queue job tracking
    const endTimer = monitoring.metrics.startJobTimer('main-queue', 'image-generation');
    try {
      processJob();
      monitoring.metrics.trackGenerationSuccess('image');
    } catch (error) {
      monitoring.metrics.trackGenerationFailure('image', (error as Error).name);
      monitoring.alerts.alertQueueFailure('main-queue', error, jobData);
    } finally {
      endTimer();
    }

    const server = await monitoring.startMetricsServer();
    const text = await (await fetch(`${server?.url}/metrics`)).text();
    expect(text).toContain('active_users_total{service="api"} 1');
    expect(text).toContain('generation_success_total{service="api",type="image"} 1');
    expect(text).toContain('generation_failure_total{service="api",type="image",error_type="GenerationError"} 1');
    expect(text).toContain('token_spend_total{service="api",model="gpt-4",type="completion"} 1000');
    expect(text).toContain('payment_conversions_total{service="api",payment_method="card",plan="premium"} 1');
    expect(text).toContain('errors_total{service="api",error_type="SyntaxError",severity="high"} 1');
    expect(text).toContain('queue_failures_total{service="api",queue_name="main-queue"} 1');
    expect(text).toContain('queue_job_duration_seconds_count{service="api",queue_name="main-queue"} 1');
    expect(text).toContain('active_jobs_total{service="api",queue_name="main-queue"} 0');

    await monitoring.shutdown();
    expect(monitoring.stats()).toMatchObject({ sent: 10, dropped: { total: 0 } });
    const events = await stored();
    expect(events.map((e) => [e.type, e.name])).toEqual([
      ['user', 'active'],
      ['metric', 'generation_success_total'],
      ['metric', 'token_spend_total'],
      ['payment', 'premium'],
      ['error', 'SyntaxError'],
      // The job's running count, for Pulse's own active_jobs_total: 1 at the start, 0 at the end.
      ['metric', 'active_jobs_total'],
      ['metric', 'generation_failure_total'],
      ['error', 'queue_failure'],
      ['metric', 'active_jobs_total'],
      ['job', 'image-generation'],
    ]);
    expect(events.filter((e) => e.name === 'active_jobs_total').map((e) => e.value)).toEqual([1, 0]);
    expect(events[7]).toMatchObject({ severity: 'high', error_type: 'GenerationError' });
    // The metrics server is closed by shutdown.
    await expect(fetch(`${server?.url}/metrics`)).rejects.toThrow();
  });
});
