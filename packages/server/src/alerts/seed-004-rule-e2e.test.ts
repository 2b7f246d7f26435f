import { describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import { RecordingNotifier } from './test-support/recording-notifier.js';

/** Seed 004's "Create custom alerts" example, POSTed as JSON, fires on the cost its window holds (recording notifier). */
const ADMIN = 'admin-secret-seed-004';
const admin = { authorization: `Bearer ${ADMIN}` };

describe("seed 004's custom cost alert through the API", () => {
  it('is stored as a 30-day cost_usd rule and fires with alert_type cost_threshold once the cost passes $500', async () => {
    const notifier = new RecordingNotifier();
    const pulse = await startTestPulse({ apiKey: ADMIN, notifier, env: { LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '3600', METRICS_RETENTION_DAYS: '90' } });
    try {
      const created = await postJson(`${pulse.url}/v1/alert-rules`, {
        name: 'Custom Cost Alert', description: 'Alert when monthly costs exceed $500', alert_type: 'cost_threshold',
        severity: 'high', metric: 'cost_usd', operator: '>', threshold: 500.0, window_duration: 43200, tenant_id: 'default',
        group_interval: '0s',
      }, admin);
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ kind: 'threshold', measure: 'cost_usd', op: '>', threshold: 500, window: '30d', project: 'default', labels: { alert_type: 'cost_threshold' } });

      const day = 86_400_000;
      const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
      // $480 within the window, plus $900 from 31 days ago that the 30-day window leaves out: no alert yet.
      const first = [{ cost: 200, ago: 20 }, { cost: 280, ago: 2 }, { cost: 900, ago: 31 }];
      const events = first.map((e) => ({ type: 'llm', model: 'gpt-4o', cost_usd: e.cost, ts: at(e.ago) }));
      const ingest = await postJson(`${pulse.url}/v1/events`, { events }, admin);
      expect(ingest.status).toBe(200);
      await pulse.tasks.runNow('alert-evaluation');
      expect(notifier.received).toHaveLength(0);
      expect((await getJson(`${pulse.url}/v1/alert-rules/${created.json.id}`, admin)).json.current).toMatchObject({ value: 480 });

      expect((await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'llm', model: 'gpt-4o', cost_usd: 20.5, ts: at(0) }] }, admin)).status).toBe(200);
      await pulse.tasks.runNow('alert-evaluation');
      const [n] = await notifier.waitFor(1);
      expect(n!.status).toBe('firing');
      expect(n!.alerts[0]).toMatchObject({
        alert_type: 'cost_threshold', severity: 'high', rule_name: 'Custom Cost Alert',
        details: { current: 500.5, threshold: 500, duration: '30d' },
      });
    } finally {
      await pulse.dispose();
    }
  });
});
