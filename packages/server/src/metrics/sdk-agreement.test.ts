import { SEED_FAMILIES } from '@pulse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitoring } from '../../../sdk/src/monitoring/monitoring.js';
import { silentLogger } from '../../../sdk/src/transport/log.js';
import { startTestPulse } from '../test-support/pulse.js';
import { parseExposition, type Sample } from './test-support/exposition.js';

/**
 * The SDK's local /metrics and Pulse's /metrics, fed by the same calls (the SDK ships every one of them to this
 * Pulse), hold the same seed 002 series with the same values — Pulse's with a `project` label. docs/prometheus.md
 * offers either as the source of the seed's families, so a dashboard must read the same from both.
 */
const SEED = new Set(Object.values(SEED_FAMILIES).map((f) => f.name));
const seedSamples = (text: string): Map<string, number> => {
  const out = new Map<string, number>();
  for (const s of parseExposition(text) as Sample[]) {
    const family = s.name.replace(/_(bucket|sum|count)$/, '');
    if (!SEED.has(s.name) && !SEED.has(family)) continue;
    const { project: _project, ...labels } = s.labels;
    const key = `${s.name}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    out.set(key, s.value);
  }
  return out;
};

let pulse: Awaited<ReturnType<typeof startTestPulse>>;
let m: Monitoring;
let sdkUrl: string;
beforeAll(async () => {
  pulse = await startTestPulse();
  m = new Monitoring({ service: 'api', url: pulse.url, logger: silentLogger, env: {}, metricsPort: 0, metricsHost: '127.0.0.1', defaultMetrics: false });
  sdkUrl = (await m.startMetricsServer())!.url;
});
afterAll(async () => {
  await m?.shutdown();
  await pulse?.dispose();
});

describe('the SDK\'s /metrics and Pulse\'s agree on what the same calls tracked', () => {
  it('seed 002\'s usage, and untyped callers that leave fields out', async () => {
    m.trackKPI({ type: 'active_user', data: { userId: 'user123' } });
    m.trackKPI({ type: 'generation_success', data: { type: 'image' } });
    m.trackKPI({ type: 'token_spend', data: { tokens: 1000, model: 'gpt-4', type: 'completion' } });
    m.trackKPI({ type: 'payment_conversion', data: { paymentMethod: 'card', plan: 'premium' } });
    m.trackKPI({ type: 'payment_failure', data: { paymentMethod: 'card', plan: 'premium', errorType: 'card_declined' } });
    m.handleError(new TypeError('bad input'), { context: 'additional info' });
    const endTimer = m.metrics.startJobTimer('main-queue', 'image-generation');
    m.metrics.trackGenerationFailure('image', 'Timeout');
    m.alerts.alertQueueFailure('main-queue', new Error('worker crashed'), { id: 7 });
    endTimer();
    m.recordHttp({ route: '/chat', method: 'POST', statusCode: 500, durationMs: 1234 });
    // A job that ends in failure, told to its timer.
    m.metrics.startJobTimer('render-queue', 'thumbnail')({ error: new RangeError('too large') });
    // From plain JavaScript, without the fields the types ask for.
    const untyped = m as unknown as { trackKPI(kpi: unknown): void };
    untyped.trackKPI({ type: 'payment_failure', data: { paymentMethod: 'card', plan: 'basic' } });
    untyped.trackKPI({ type: 'payment_conversion', data: {} });
    untyped.trackKPI({ type: 'generation_failure', data: { type: 'text' } });
    await m.client.flush();

    const read = async (url: string) => seedSamples(await (await fetch(`${url}/metrics`)).text());
    const sdk = await read(sdkUrl);
    let server = new Map<string, number>();
    // Pulse counts once its KPI subscriber has had the committed batch.
    for (let i = 0; i < 100; i++) {
      server = await read(pulse.url);
      if ([...sdk.keys()].every((k) => server.has(k))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Durations cross the wire in milliseconds: sums agree to float precision, everything else exactly.
    const rounded = (xs: Map<string, number>) => Object.fromEntries([...xs].map(([k, v]) => [k, k.includes('_sum{') ? Number(v.toPrecision(9)) : v]));
    expect(rounded(server)).toEqual(rounded(sdk));
  });
});
