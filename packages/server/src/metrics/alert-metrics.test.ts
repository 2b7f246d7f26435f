import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { startTestPulse } from '../test-support/pulse.js';
import { httpReceiver } from '../alerts/channels/test-support/receiver.js';
import { createAlertMetrics } from './alert-metrics.js';
import { parseExposition, total } from './test-support/exposition.js';

describe('AlertMetrics (what the alert engine and the notifier report)', () => {
  it('counts evaluations and deliveries, times evaluations, and sets firing alerts by severity', async () => {
    const registry = new Registry();
    const m = createAlertMetrics(registry);
    let s = parseExposition(await registry.metrics());
    // Present before any alert, so `pulse_alerts_firing > 0` and rate() have series to work on.
    expect(total(s, 'pulse_alerts_firing')).toBe(0);
    expect(s.filter((x) => x.name === 'pulse_alerts_firing').map((x) => x.labels.severity)).toEqual(['info', 'low', 'medium', 'high', 'critical']);
    // Deliveries too, for every channel type and outcome: an increase() alert sees the first failure.
    const zero = s.filter((x) => x.name === 'pulse_alert_deliveries_total');
    expect(zero.length).toBe(7 * 4);
    expect(zero.find((x) => x.labels.channel === 'pagerduty' && x.labels.outcome === 'failure')?.value).toBe(0);
    m.evaluation(0.02, true);
    m.evaluation(0.3, true);
    m.evaluation(7, false);
    m.firing({ critical: 2, medium: 1 });
    m.firing({ critical: 1 });
    m.delivery('slack', 'success');
    m.delivery('slack', 'retryable');
    m.delivery('email', 'failure');
    s = parseExposition(await registry.metrics());
    expect(total(s, 'pulse_alert_evaluations_total', { outcome: 'ok' })).toBe(2);
    expect(total(s, 'pulse_alert_evaluations_total', { outcome: 'error' })).toBe(1);
    expect(total(s, 'pulse_alert_evaluation_duration_seconds_count')).toBe(3);
    expect(total(s, 'pulse_alert_evaluation_duration_seconds_bucket', { le: '0.5' })).toBe(2);
    expect(total(s, 'pulse_alerts_firing', { severity: 'critical' })).toBe(1);
    expect(total(s, 'pulse_alerts_firing', { severity: 'medium' })).toBe(0);
    expect(total(s, 'pulse_alert_deliveries_total', { channel: 'slack' })).toBe(2);
    expect(total(s, 'pulse_alert_deliveries_total', { channel: 'email', outcome: 'failure' })).toBe(1);
  });

  it('are on the server\'s /metrics, with the background tasks\' runs', async () => {
    const pulse = await startTestPulse();
    try {
      pulse.metrics.alerts.delivery('webhook', 'success');
      await pulse.tasks.runNow('retention');
      const s = parseExposition(await (await fetch(`${pulse.url}/metrics`)).text());
      expect(total(s, 'pulse_alert_deliveries_total', { channel: 'webhook', outcome: 'success' })).toBe(1);
      expect(total(s, 'pulse_background_task_runs_total', { task: 'retention' })).toBe(1);
      expect(total(s, 'pulse_background_task_failures_total', { task: 'retention' })).toBe(0);
    } finally {
      await pulse.dispose();
    }
  });

  it('are fed by the running engine and notifier: evaluation rounds, the firing alert, the delivery', async () => {
    const receiver = await httpReceiver();
    const pulse = await startTestPulse({
      env: {
        LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '0.2', ALERT_ERROR_RATE_PERCENT: '10',
        ALERT_WEBHOOK_URL: `${receiver.url}/hook`, ALERT_WEBHOOK_FORMAT: 'json',
      },
    });
    try {
      const now = Date.now();
      const events = Array.from({ length: 10 }, (_, i) => ({ ts: now - 1000 - i, type: 'llm', model: 'm', status: i < 5 ? 'error' : 'ok', duration_ms: 100 }));
      expect((await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) })).status).toBe(200);
      await receiver.waitFor(1, 15_000);
      const deadline = Date.now() + 10_000;
      let s = parseExposition(await (await fetch(`${pulse.url}/metrics`)).text());
      while (total(s, 'pulse_alert_deliveries_total', { outcome: 'success' }) < 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        s = parseExposition(await (await fetch(`${pulse.url}/metrics`)).text());
      }
      expect(total(s, 'pulse_alert_evaluations_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
      expect(total(s, 'pulse_alert_evaluation_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(total(s, 'pulse_alerts_firing')).toBe(1);
      expect(total(s, 'pulse_alert_deliveries_total', { channel: 'json', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    } finally {
      await pulse.dispose();
      await receiver.close();
    }
  }, 30_000);
});
