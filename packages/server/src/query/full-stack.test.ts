import type { EventInput, StoredEvent } from '@pulse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import { EVENTS, NOW } from './test-support/fixture.js';

/**
 * The whole path with the real parts: events go in through `POST /v1/events` over HTTP into the real
 * DuckDB store, and the query endpoints answer over HTTP what the fixture's hand-worked figures say.
 */
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;

function toInput(e: StoredEvent): EventInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (v !== null && k !== 'project') out[k] = v;
  return out as unknown as EventInput;
}

beforeAll(async () => {
  pulse = await startTestPulse({ clock: { now: () => NOW } });
  for (const project of ['p1', 'p2']) {
    const r = await postJson(`${pulse.url}/v1/events?project=${project}`, EVENTS.filter((e) => e.project === project).map(toInput));
    expect(r.status).toBe(200);
  }
});
afterAll(async () => {
  await pulse?.dispose();
});

describe('query endpoints over the real store', () => {
  it('answers /v1/query for the project only', async () => {
    const r = await getJson(`${pulse.url}/v1/query?project=p1&measures=count,errors,total_tokens,p95_duration_ms,unique_users&dimensions=type`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual([
      { type: 'llm', count: 5, errors: 2, total_tokens: 2050, p95_duration_ms: 880, unique_users: 3 },
      { type: 'http', count: 2, errors: 1, total_tokens: 0, p95_duration_ms: 145, unique_users: 0 },
      { type: 'feedback', count: 1, errors: 0, total_tokens: 0, p95_duration_ms: null, unique_users: 1 },
    ]);
  });

  it('answers the presets', async () => {
    const usage = await getJson(`${pulse.url}/v1/analytics/usage/overview?project=p1`);
    expect(usage.json.summary).toMatchObject({ total_requests: 5, total_tokens_used: 2050, total_cost_usd: '0.063', success_rate: 0.6 });
    const api = await getJson(`${pulse.url}/api/metrics?project=p1`);
    // A 24-hour range reads the rollups: means and sums as raw, percentiles from the latency sketch, within 1 % of
    // the exact 200 / 820 / 964 (rollups/; `/v1/query` says so in meta.percentiles).
    const { percentiles, ...exact } = api.json.response_time;
    expect(exact).toEqual({ avg: 314.3, components: { context_building: 15, discord_send: 30, llm_inference: 163.3 } });
    for (const [q, want] of [['p50', 200], ['p95', 820], ['p99', 964]] as const) {
      expect(Math.abs(percentiles[q] - want), q).toBeLessThanOrEqual(want * 0.01);
    }
    expect(api.json.error_analysis.trend).toBe('decreasing');
    const perf = await getJson(`${pulse.url}/v1/analytics/performance/metrics?project=p1`);
    expect(perf.json.response_time).toMatchObject({ events: 8 });
    expect(Math.abs(perf.json.response_time.p95_ms - 820)).toBeLessThanOrEqual(8.2);
    expect(perf.json.database.events).toBe(EVENTS.length);
  });

  it('answers a bad parameter with a 400 naming it', async () => {
    const r = await getJson(`${pulse.url}/v1/query?project=p1&measures=count;DROP`);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^measures: /);
  });
});
