import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, postJson } from '../test-support/pulse.js';
import { startPulse, type RunningPulse } from '../server.js';
import { RecordingNotifier } from './test-support/recording-notifier.js';

/**
 * End to end with a real server and a real DuckDB file: traffic in through the API, rules evaluated by the
 * background task, notifications handed to the Notifier seam (a RecordingNotifier: a test double for delivery).
 * The clock is the system clock plus an offset the test advances, so repeat intervals pass without sleeping.
 */
const ADMIN = 'admin-secret-key';
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-alerts-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let offset = 0;
const clock = { now: () => Date.now() + offset };
const admin = { authorization: `Bearer ${ADMIN}` };

async function start(notifier: RecordingNotifier): Promise<RunningPulse> {
  // A long interval: the test runs evaluations itself (tasks.runNow), so timing never makes it flaky.
  return startPulse({ port: 0, dataDir, clock, notifier, apiKey: ADMIN, env: { LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '3600' } });
}
async function send(url: string, method: string, body?: unknown, headers = admin): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}
const evaluate = (p: RunningPulse): Promise<void> => p.tasks.runNow('alert-evaluation');

describe('alerting end to end (real server, real DuckDB, recording notifier)', () => {
  it('fires, notifies with seed 001 fields, survives a restart without a duplicate, acks, silences, resolves', async () => {
    let notifier = new RecordingNotifier();
    let pulse = await start(notifier);
    try {
      // --- a threshold rule through the API
      const created = await send(`${pulse.url}/v1/alert-rules`, 'POST', {
        name: 'Slow LLM', condition: 'avg_duration_ms > 1000', filters: { type: 'llm' }, window: '5m', severity: 'high',
        notify: ['ops@example.com'], group_interval: '0s', repeat_interval: '1m', labels: { team: 'bots' },
      });
      expect(created.status).toBe(201);
      const ruleId = created.json.id as string;
      expect(created.json).toMatchObject({ kind: 'threshold', measure: 'avg_duration_ms', op: '>', threshold: 1000, window: '5m', for: '0s', source: 'api' });

      // --- traffic: slow llm calls, plus a fast non-llm event the filter must ignore
      const durations = [1800, 2600, 3100, 2200];
      const events = [...durations.map((d) => ({ type: 'llm', model: 'gpt-4o', service: 'bot', duration_ms: d })), { type: 'http', duration_ms: 1 }];
      expect((await postJson(`${pulse.url}/v1/events`, { events }, admin)).status).toBe(200);
      await evaluate(pulse);
      const [first] = await notifier.waitFor(1);
      const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
      expect(first!).toMatchObject({ status: 'firing', notify: ['ops@example.com'], externalUrl: pulse.url, groupLabels: { alertname: 'Slow LLM' } });
      expect(first!.alerts).toHaveLength(1);
      const alert = first!.alerts[0]!;
      expect(alert).toMatchObject({
        rule: ruleId, rule_name: 'Slow LLM', project: 'default', alert_type: 'performance', severity: 'high', state: 'firing',
        labels: { alertname: 'Slow LLM', severity: 'high', project: 'default', team: 'bots' }, ends_at: null,
      });
      expect(alert.details).toMatchObject({ current: mean, threshold: 1000, duration: '5m', samples: durations.length });
      expect(alert.message).toContain(`avg_duration_ms is ${mean}`);

      // the API shows it; the rule shows its current value
      const listed = await getJson(`${pulse.url}/v1/analytics/alerts?state=firing&severity=high`, admin);
      expect(listed.json.alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);
      expect((await getJson(`${pulse.url}/v1/alert-rules/${ruleId}`, admin)).json.current).toMatchObject({ value: mean, series: 1 });

      // --- no repeat before repeat_interval
      await evaluate(pulse);
      expect(notifier.received).toHaveLength(1);

      // --- restart mid-incident: same alert, no duplicate page
      await pulse.close();
      notifier = new RecordingNotifier();
      pulse = await start(notifier);
      expect((await getJson(`${pulse.url}/v1/alert-rules/${ruleId}`, admin)).status).toBe(200);
      await evaluate(pulse);
      expect(pulse.alerts.stats.firing).toBe(1);
      expect(notifier.received).toHaveLength(0);
      const after = await getJson(`${pulse.url}/v1/analytics/alerts?state=firing`, admin);
      expect(after.json.alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);

      // --- repeat_interval passes: a repeat; then an ack stops repeats
      offset += 61_000;
      await evaluate(pulse);
      expect(notifier.received).toHaveLength(1);
      expect(notifier.received[0]!.alerts[0]!.id).toBe(alert.id);
      const acked = await send(`${pulse.url}/v1/analytics/alerts/${alert.id}/acknowledge`, 'POST');
      expect(acked.status).toBe(200);
      expect(acked.json.state).toBe('acknowledged');
      offset += 61_000;
      await evaluate(pulse);
      expect(notifier.received).toHaveLength(1);
      expect((await getJson(`${pulse.url}/v1/analytics/alerts?state=acknowledged`, admin)).json.alerts).toHaveLength(1);

      // --- resolution: raise the threshold; the resolved notification carries ends_at
      const put = await send(`${pulse.url}/v1/alert-rules/${ruleId}`, 'PUT', { ...created.json, threshold: 100_000 });
      expect(put.status).toBe(200);
      await evaluate(pulse);
      await notifier.waitFor(2);
      const resolved = notifier.received[1]!;
      expect(resolved.status).toBe('resolved');
      expect(resolved.alerts[0]).toMatchObject({ id: alert.id, state: 'resolved' });
      expect(resolved.alerts[0]!.ends_at).not.toBeNull();
      expect((await getJson(`${pulse.url}/v1/analytics/alerts?state=resolved`, admin)).json.alerts[0].id).toBe(alert.id);

      // --- an event rule fires from the fan-out, with no evaluation run
      const evRule = await send(`${pulse.url}/v1/alert-rules`, 'POST', { name: 'Queue failure', kind: 'event', attributes: { alert: 'queue_failure' }, severity: 'critical', group_interval: '0s' });
      expect(evRule.status).toBe(201);
      const queueFailure = (queue: string) => ({
        type: 'error', name: 'queue_failure', status: 'error', severity: 'high', service: 'worker', error_type: 'TimeoutError',
        error_message: `job timed out in ${queue}`, attributes: { alert: 'queue_failure', queue_name: queue, job_id: '42' },
      });
      await postJson(`${pulse.url}/v1/events`, { events: [queueFailure('emails')] }, admin);
      const [, , qf] = await notifier.waitFor(3, 2000);
      expect(qf!.alerts[0]).toMatchObject({ rule: evRule.json.id, severity: 'critical', alert_type: 'queue_failure', labels: { queue_name: 'emails', service: 'worker' } });
      expect(qf!.alerts[0]!.details).toMatchObject({ queue_name: 'emails', error_message: 'job timed out in emails', job_id: '42' });

      // --- a silence mutes matching alerts (regex matcher), its expiry lets them through
      const silence = await send(`${pulse.url}/v1/silences`, 'POST', { matchers: [{ name: 'queue_name', op: '=~', value: 'rep.*' }], duration: '1h', comment: 'maintenance' });
      expect(silence.status).toBe(201);
      const before = pulse.alerts.stats.eventTriggers;
      await postJson(`${pulse.url}/v1/events`, { events: [queueFailure('reports')] }, admin);
      for (let i = 0; i < 100 && pulse.alerts.stats.eventTriggers === before; i++) await new Promise((r) => setTimeout(r, 20));
      await evaluate(pulse);
      expect(notifier.received).toHaveLength(3);
      const muted = (await getJson(`${pulse.url}/v1/analytics/alerts?state=firing`, admin)).json.alerts.find((a: { labels: Record<string, string> }) => a.labels.queue_name === 'reports');
      expect(muted.silenced_by).toBe(silence.json.id);
      expect((await send(`${pulse.url}/v1/silences/${silence.json.id}`, 'DELETE')).status).toBe(204);
      await evaluate(pulse);
      await notifier.waitFor(4);
      expect(notifier.received[3]!.alerts.map((a) => a.labels.queue_name)).toContain('reports');
      const silences = (await getJson(`${pulse.url}/v1/silences`, admin)).json.silences;
      expect(silences[0]).toMatchObject({ id: silence.json.id, status: { state: 'expired' } });
    } finally {
      await pulse.close();
    }
  });

  it('runs on its schedule; resource (fake sampler), health, unpriced-model and budget rules fire', async () => {
    const notifier = new RecordingNotifier();
    // The HostSampler is the operations feature's; a fixed fake stands in for it here (no real host load to provoke).
    const sampler = { sample: async () => ({ cpuPercent: 97.5, memoryPercent: 40, memoryAvailableBytes: 1e9, diskPercent: 50, diskFreeBytes: 1e10 }) };
    const dir = mkdtempSync(join(tmpdir(), 'pulse-alerts-kinds-'));
    const pulse = await startPulse({ port: 0, dataDir: dir, notifier, hostSampler: sampler, apiKey: ADMIN, env: { LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '0.2', ALERT_CPU_PERCENT: '90', ALERT_MEMORY_PERCENT: '90' } });
    try {
      // env:cpu has `for: 1m`: it goes pending on the schedule, without any runNow.
      for (let i = 0; i < 100 && pulse.alerts.stats.pending === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(pulse.alerts.stats.evaluations).toBeGreaterThan(0);
      const pending = (await getJson(`${pulse.url}/v1/analytics/alerts?state=pending`, admin)).json.alerts;
      expect(pending).toEqual([expect.objectContaining({ rule: 'env:cpu', alert_type: 'resource', details: expect.objectContaining({ current: 97.5, threshold: 90 }) })]);
      expect(pulse.tasks.list().find((t) => t.name === 'alert-evaluation')!.intervalMs).toBe(200);

      const budget = 10;
      const costs = [4.5, 3.25, 4];
      for (const body of [
        { name: 'Budget', kind: 'budget', budget_usd: budget },
        { name: 'Unpriced', kind: 'unpriced_model' },
        { name: 'DB health', kind: 'health', checks: ['database'] },
      ]) expect((await send(`${pulse.url}/v1/alert-rules`, 'POST', { ...body, group_interval: '0s' })).status).toBe(201);
      await postJson(`${pulse.url}/v1/events`, {
        events: [
          ...costs.map((c) => ({ type: 'llm', model: 'gpt-4o', cost_usd: c })),
          { type: 'llm', model: 'mystery-model-9', input_tokens: 100, output_tokens: 20 },
          { type: 'health', name: 'database', status: 'error', error_message: 'connection refused', attributes: { state: 'unhealthy', previous: 'healthy' } },
        ],
      }, admin);
      const byRule = async (name: string) => {
        for (let i = 0; i < 100; i++) {
          const hit = notifier.received.find((n) => n.alerts[0]!.rule_name === name);
          if (hit) return hit.alerts[0]!;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`no notification for ${name}`);
      };
      const health = await byRule('DB health');
      expect(health).toMatchObject({ alert_type: 'health', labels: { check: 'database' }, details: { current: 'unhealthy', error_message: 'connection refused' } });
      const unpriced = await byRule('Unpriced');
      expect(unpriced).toMatchObject({ alert_type: 'unpriced_model', labels: { model: 'mystery-model-9' }, details: { current: 1 } });
      const spent = costs.reduce((a, b) => a + b, 0);
      const b = await byRule('Budget');
      expect(b.details.current).toBeCloseTo(spent, 6);
      expect(b.message).toContain(`over the $${budget} budget`);
      // mystery-model-9 has no price: its 120 tokens are not in the spend, and the alert says so.
      expect(b.message).toMatch(/; the cost excludes 120 tokens without a price$/);
      expect(b.details.unpriced_tokens).toBe(120);
      // env:memory (40 % < 90 %) never fires.
      expect((await getJson(`${pulse.url}/v1/alert-rules/env:memory`, admin)).json.current).toMatchObject({ value: 40 });
    } finally {
      await pulse.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('event, health and unpriced alerts stay firing across a restart (no resolve, no re-page)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-alerts-restart-'));
    const boot = (n: RecordingNotifier) => startPulse({ port: 0, dataDir: dir, notifier: n, apiKey: ADMIN, env: { LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '3600' } });
    let notifier = new RecordingNotifier();
    let pulse = await boot(notifier);
    try {
      for (const body of [
        { name: 'Queue', kind: 'event', attributes: { alert: 'queue_failure' }, resolve_after: '1h' },
        { name: 'Checks', kind: 'health' },
        { name: 'Unpriced', kind: 'unpriced_model' },
      ]) expect((await send(`${pulse.url}/v1/alert-rules`, 'POST', { ...body, group_interval: '0s' })).status).toBe(201);
      await postJson(`${pulse.url}/v1/events`, { events: [
        { type: 'error', name: 'queue_failure', attributes: { alert: 'queue_failure', queue_name: 'emails' } },
        { type: 'health', name: 'redis', status: 'error', attributes: { state: 'unhealthy' } },
        { type: 'llm', model: 'brand-new-model', input_tokens: 5 },
      ] }, admin);
      await notifier.waitFor(2); // the event and health rules, from the fan-out
      await evaluate(pulse); // the unpriced rule
      await notifier.waitFor(3);
      expect(pulse.alerts.stats.firing).toBe(3);
      await pulse.close();
      notifier = new RecordingNotifier();
      pulse = await boot(notifier);
      await evaluate(pulse);
      expect(notifier.received).toEqual([]);
      expect(pulse.alerts.stats.firing).toBe(3);
      const firing = (await getJson(`${pulse.url}/v1/analytics/alerts?state=firing`, admin)).json.alerts.map((a: { rule_name: string }) => a.rule_name).sort();
      expect(firing).toEqual(['Checks', 'Queue', 'Unpriced']);
      // The check recovers: its alert resolves and says so.
      await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'health', name: 'redis', attributes: { state: 'healthy' } }] }, admin);
      const [resolved] = await notifier.waitFor(1);
      expect(resolved).toMatchObject({ status: 'resolved', alerts: [expect.objectContaining({ rule_name: 'Checks', state: 'resolved' })] });
    } finally {
      await pulse.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rules-file rule is read-only in the API, and its webhook URL shows by its safe name even to an admin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-rules-file-'));
    const hook = 'https://hooks.slack.com/services/T000/B000/file-secret-token';
    writeFileSync(join(dir, 'rules.yaml'), `alerts:\n  - name: "File Hook"\n    condition: "error_rate > 0.5"\n    notify: ["${hook}"]\n`);
    const pulse = await startPulse({ port: 0, dataDir, clock, notifier: new RecordingNotifier(), apiKey: ADMIN,
      env: { LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '3600', PULSE_RULES: join(dir, 'rules.yaml') } });
    try {
      const listed = (await getJson(`${pulse.url}/v1/alert-rules`, admin)).json;
      const rule = listed.rules.find((r: { id: string }) => r.id === 'file:file-hook');
      expect(rule).toMatchObject({ source: 'file', notify: [expect.stringMatching(/^slack:hooks\.slack\.com#[0-9a-f]{8}$/)] });
      expect(JSON.stringify(listed)).not.toContain('file-secret-token');
      expect((await getJson(`${pulse.url}/v1/alert-rules/file:file-hook`, admin)).json.notify).toEqual(rule.notify);
      expect((await send(`${pulse.url}/v1/alert-rules/file:file-hook`, 'DELETE')).status).toBe(409);
    } finally {
      await pulse.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers bad input with a 4xx naming the field; read keys read, admin writes', async () => {
    const pulse = await start(new RecordingNotifier(['ops-slack']));
    try {
      const bad = await send(`${pulse.url}/v1/alert-rules`, 'POST', { name: 'x', condition: 'error_rate > 0.1', severity: 'urgent' });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ code: 'invalid_rule' });
      expect(bad.json.error.message).toMatch(/^severity: /);
      const notify = await send(`${pulse.url}/v1/alert-rules`, 'POST', { name: 'x', condition: 'error_rate > 0.1', notify: ['nobody'] });
      expect(notify.status).toBe(400);
      expect(notify.json.error.message).toMatch(/notify\.0: "nobody".*ops-slack/);
      expect((await send(`${pulse.url}/v1/alert-rules`, 'POST', { name: 'ok', condition: 'error_rate > 0.1', notify: ['ops-slack'] })).status).toBe(201);
      expect((await getJson(`${pulse.url}/v1/analytics/alerts?severity=urgent`, admin)).json.error.message).toMatch(/^severity: /);
      expect((await getJson(`${pulse.url}/v1/analytics/alerts?limit=0`, admin)).status).toBe(400);
      expect((await getJson(`${pulse.url}/v1/analytics/alerts?since=yesterday`, admin)).json.error.message).toMatch(/^since: /);
      const badSilence = await send(`${pulse.url}/v1/silences`, 'POST', { matchers: [{ name: 'a', op: '=~', value: '(' }] });
      expect(badSilence.status).toBe(400);
      expect(badSilence.json.error.message).toMatch(/^matchers\.0\.value/);
      expect((await send(`${pulse.url}/v1/alert-rules/nope`, 'DELETE')).status).toBe(404);
      expect((await send(`${pulse.url}/v1/analytics/alerts/nope/acknowledge`, 'POST')).status).toBe(404);

      const hook = 'https://hooks.slack.com/services/T000/B000/secret-token';
      expect((await send(`${pulse.url}/v1/alert-rules`, 'POST', { name: 'hooked', condition: 'count > 1', notify: [hook, 'ops-slack'] })).json.notify).toEqual([hook, 'ops-slack']);
      const key = await send(`${pulse.url}/v1/keys`, 'POST', { project: 'default', scope: 'read' });
      const reader = { authorization: `Bearer ${key.json.key}` };
      const asReader = (await getJson(`${pulse.url}/v1/alert-rules`, reader)).json;
      expect(asReader.rules.map((r: { name: string }) => r.name)).toContain('ok');
      expect(asReader.can_write).toBe(false);
      // A webhook URL is a secret: a read key sees its safe name only.
      const hooked = asReader.rules.find((r: { name: string }) => r.name === 'hooked');
      expect(hooked.notify).toEqual([expect.stringMatching(/^slack:hooks\.slack\.com#[0-9a-f]{8}$/), 'ops-slack']);
      expect(JSON.stringify(asReader)).not.toContain('secret-token');
      expect((await send(`${pulse.url}/v1/alert-rules`, 'POST', { name: 'y', condition: 'count > 1' }, reader)).status).toBe(403);
      expect((await send(`${pulse.url}/v1/silences`, 'POST', { matchers: [{ name: 'a', value: 'b' }] }, reader)).status).toBe(403);
    } finally {
      await pulse.close();
    }
  });
});
