import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import { emptyEvent } from '../store/contract/fixtures.js';
import { LiveWindow } from './live-window.js';
import { buildMetricsData, formatUptime, botStatus } from './metrics-frame.js';

const NOW = Date.parse('2026-03-04T12:30:30Z');
const ago = (ms: number): number => NOW - ms;
const MIN = 60_000;

function make(): { w: LiveWindow; clock: { t: number } } {
  const clock = { t: NOW };
  return { w: new LiveWindow(() => clock.t), clock };
}
const e = (over: Partial<StoredEvent>): StoredEvent => emptyEvent({ project: 'p', ts: NOW, ...over });

describe('LiveWindow', () => {
  it('computes seed 001 values over the windows the docs state', () => {
    const { w } = make();
    w.apply([
      e({ type: 'llm', duration_ms: 1000, ttft_ms: 200, user_id: 'u1', model: 'm1', input_tokens: 10, output_tokens: 5, cost_usd: 0.5 }),
      e({ type: 'llm', duration_ms: 3000, ttft_ms: 400, user_id: 'u2', status: 'error', model: 'm1', input_tokens: 1, output_tokens: 1 }),
      e({ type: 'message', persona: 'scav', sentiment: 0.5, user_id: 'u1', guild: 'g1' }),
      e({ type: 'message', persona: 'scav', sentiment: -0.1, guild: 'g2', ts: ago(3 * MIN) }),
      e({ type: 'message', persona: 'toad', ts: ago(30 * MIN), user_id: 'u3' }), // outside recent and active
      e({ type: 'message', persona: 'old', ts: ago(2 * 3600_000), status: 'error' }), // only in 24 h / today
      e({ type: 'llm', duration_ms: 99_000, ts: ago(25 * 3600_000) }), // older than 24 h: ignored
    ]);
    const d = buildMetricsData(w, w.snapshot(), 90_061_000);
    // Recent = the buckets from 12:26 to now (12:30:30): 4.5 minutes.
    expect(d.messages_per_minute).toBe(Math.round((2 / 4.5) * 100) / 100);
    expect(d.avg_response_time_ms).toBe(2000);
    expect(d.avg_ttft_ms).toBe(300);
    expect(d.error_rate).toBe(0.25); // 1 of the 4 recent events
    expect(d.active_users).toBe(2); // u1, u2 (u3 is 30 minutes old)
    expect(d.system.active_guilds).toBe(2);
    expect(d.personas).toEqual({ scav: { messages: 2, sentiment: 0.2 }, toad: { messages: 1, sentiment: null } });
    expect(d.tokens_by_model).toEqual({ m1: { input_tokens: 11, output_tokens: 6, cost_usd: 0.5 } });
    expect(d.system.total_messages_today).toBe(4);
    expect(d.system.error_rate_24h).toBe(`${Math.round((2 / 6) * 1000) / 10}%`);
    expect(d.system.current_response_time).toBe('2.0s');
    expect(d.system.uptime).toBe('1 day, 1:01:01');
    expect(d.events_seen).toBe(7);
  });

  it('answers latency percentiles within the sketch\'s 1 % of the exact value', () => {
    const { w } = make();
    w.apply(Array.from({ length: 1000 }, (_, i) => e({ type: 'llm', duration_ms: (i + 1) * 10, ttft_ms: i + 1 })));
    const d = buildMetricsData(w, w.snapshot(), 0);
    // Exact (lower-rank) quantiles of 10, 20, …, 10000: p50 = 5000, p95 = 9500, p99 = 9900.
    expect(Math.abs(d.p50_response_time_ms! / 5000 - 1)).toBeLessThan(0.011);
    expect(Math.abs(d.p95_response_time_ms! / 9500 - 1)).toBeLessThan(0.011);
    expect(Math.abs(d.p99_response_time_ms! / 9900 - 1)).toBeLessThan(0.011);
    expect(Math.abs(d.p95_ttft_ms! / 950 - 1)).toBeLessThan(0.011);
    expect(d.avg_response_time_ms).toBe(5005);
  });

  it('interpolates percentiles between ranks as /v1/query does, so a few calls never read p95 below the mean', () => {
    const { w } = make();
    // quantile_cont over 1430 and 1850: p50 = 1640, p95 = 1829, p99 = 1845.8 (the query API's and the rollups' answers).
    w.apply([e({ type: 'llm', duration_ms: 1430, ttft_ms: 220 }), e({ type: 'llm', duration_ms: 1850, ttft_ms: 420 })]);
    const d = buildMetricsData(w, w.snapshot(), 0);
    expect(Math.abs(d.p50_response_time_ms! / 1640 - 1)).toBeLessThan(0.011);
    expect(Math.abs(d.p95_response_time_ms! / 1829 - 1)).toBeLessThan(0.011);
    expect(Math.abs(d.p99_response_time_ms! / 1845.8 - 1)).toBeLessThan(0.011);
    expect(Math.abs(d.p95_ttft_ms! / 410 - 1)).toBeLessThan(0.011);
  });

  it('ages events out as the clock moves and answers null, not 0, without data', () => {
    const { w, clock } = make();
    w.apply([e({ type: 'llm', duration_ms: 500, user_id: 'u1' }), e({ type: 'message', persona: 'p' })]);
    clock.t = NOW + 6 * MIN;
    let d = buildMetricsData(w, w.snapshot(), 0);
    expect(d.avg_response_time_ms).toBeNull();
    expect(d.p95_response_time_ms).toBeNull();
    expect(d.error_rate).toBeNull();
    expect(d.messages_per_minute).toBe(0);
    expect(d.active_users).toBe(1); // still within 15 minutes
    expect(d.personas).toEqual({ p: { messages: 1, sentiment: null } });
    clock.t = NOW + 61 * MIN;
    d = buildMetricsData(w, w.snapshot(), 0);
    expect(d.active_users).toBe(0);
    expect(d.personas).toEqual({});
    expect(d.system.error_rate_24h).toBe('0%');
    clock.t = NOW + 25 * 3600_000;
    d = buildMetricsData(w, w.snapshot(), 0);
    expect(d.system.error_rate_24h).toBe('—');
    expect(d.system.current_response_time).toBe('—');
  });

  it('an empty batch (nothing matched a filtered window) is not new data', () => {
    const { w } = make();
    w.apply([]);
    expect(w.lastEventAtMs).toBeNull();
    expect(buildMetricsData(w, w.snapshot(), 0).last_event_at).toBeNull();
  });

  it('counts an event stamped ahead only once its minute comes', () => {
    const { w, clock } = make();
    w.apply([e({ type: 'message', ts: NOW + 10 * MIN })]);
    expect(w.snapshot().recent.messages).toBe(0);
    clock.t = NOW + 10 * MIN;
    expect(w.snapshot().recent.messages).toBe(1);
  });
});

describe('frame helpers', () => {
  it('formats uptime as seed 001 does', () => {
    expect(formatUptime(0)).toBe('0:00:00');
    expect(formatUptime((2 * 86_400 + 5 * 3600 + 32 * 60 + 10) * 1000)).toBe('2 days, 5:32:10');
    expect(formatUptime(86_400_000 + 5000)).toBe('1 day, 0:00:05');
  });
  it('derives the status from the recent error rate', () => {
    expect(botStatus(null)).toBe('healthy');
    expect(botStatus(0.049)).toBe('healthy');
    expect(botStatus(0.05)).toBe('degraded');
    expect(botStatus(0.25)).toBe('unhealthy');
  });
});
