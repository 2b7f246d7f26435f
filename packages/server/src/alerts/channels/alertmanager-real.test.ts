/**
 * Forwarding to a real Prometheus Alertmanager (Debian's prometheus-alertmanager, started by
 * scripts/alertmanager.sh on a free loopback port with its data under .tmp/): the alert shows in its
 * `/api/v2/alerts` with Pulse's labels, then disappears from the active alerts once Pulse sends it resolved.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import { alertmanagerChannel } from './alertmanager.js';
import { fixtureNotification, resolvedNotification } from './test-support/notification.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const SCRIPT = `${ROOT}scripts/alertmanager.sh`;
const SERVICES = `${ROOT}.tmp/services-am-test-${process.pid}`;
const env = { ...process.env, PULSE_SERVICES_DIR: SERVICES };

let url = '';
beforeAll(() => {
  mkdirSync(SERVICES, { recursive: true });
  url = execFileSync(SCRIPT, ['start'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}, 30_000);
afterAll(() => {
  try {
    execFileSync(SCRIPT, ['stop'], { env, stdio: 'ignore' });
  } finally {
    rmSync(SERVICES, { recursive: true, force: true });
  }
});

interface AmAlert { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; status: { state: string } }

async function activeAlerts(): Promise<AmAlert[]> {
  const res = await fetch(`${url}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`);
  expect(res.status).toBe(200);
  return (await res.json()) as AmAlert[];
}

it('shows a firing alert, then resolves it', async () => {
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const channel = alertmanagerChannel.create('alertmanager', alertmanagerChannel.schema.parse({ url }), { fetch: globalThis.fetch, clock: systemClock });
  // Start times within Alertmanager's view of "now", so it keeps them active.
  const now = Date.now();
  const base = fixtureNotification();
  const n = { ...base, alerts: base.alerts.map((a) => ({ ...a, starts_at: new Date(now - 60_000).toISOString() })) };
  expect(await channel.send(n, AbortSignal.timeout(5_000))).toEqual({ outcome: 'success', status: 200 });

  const shown = await activeAlerts();
  for (const a of n.alerts) {
    const got = shown.find((x) => x.labels.alertname === a.rule_name && x.labels.model === a.labels.model);
    expect(got, `alert ${a.id} in Alertmanager`).toBeDefined();
    expect(got!.labels).toEqual({ ...a.labels, alertname: a.rule_name, severity: a.severity, project: a.project });
    expect(got!.annotations.summary).toBe(a.message);
    expect(Date.parse(got!.startsAt)).toBe(Date.parse(a.starts_at));
    expect(got!.status.state).toBe('active');
  }

  const resolvedAt = new Date(Date.now() - 1_000).toISOString();
  const r = resolvedNotification(n);
  const resolved = { ...r, alerts: r.alerts.map((a) => ({ ...a, ends_at: resolvedAt, timestamp: resolvedAt })) };
  expect((await channel.send(resolved, AbortSignal.timeout(5_000))).outcome).toBe('success');
  const after = await activeAlerts();
  expect(after.filter((x) => x.labels.alertname === n.alerts[0]!.rule_name)).toEqual([]);
}, 30_000);

it('a malformed alert is a failure, not retried', async () => {
  const channel = alertmanagerChannel.create('alertmanager', alertmanagerChannel.schema.parse({ url }), { fetch: globalThis.fetch, clock: systemClock });
  const base = fixtureNotification();
  // Alertmanager rejects an alert whose end precedes its start (400).
  const bad = { ...base, alerts: [{ ...base.alerts[0]!, state: 'resolved' as const, starts_at: '2026-12-01T09:00:00.000Z', ends_at: '2026-01-01T00:00:00.000Z' }] };
  const result = await channel.send(bad, AbortSignal.timeout(5_000));
  expect(result.outcome).toBe('failure');
  expect(result).toMatchObject({ status: 400 });
});

it('accepts rule annotations and labels named outside Prometheus\'s charset, and unicode values', async () => {
  const channel = alertmanagerChannel.create('alertmanager', alertmanagerChannel.schema.parse({ url }), { fetch: globalThis.fetch, clock: systemClock });
  const base = fixtureNotification();
  // Rule annotations and labels are free-form (`runbook-url`, `team.name`); Alertmanager 0.25 refuses such names (400).
  const a = {
    ...base.alerts[0]!, rule_name: 'Annotations ✓', starts_at: new Date(Date.now() - 60_000).toISOString(),
    labels: { 'team.name': 'платёжи', model: '模型' }, annotations: { 'runbook-url': 'https://runbooks.example.com/x', '1st': 'one' },
  };
  expect(await channel.send({ ...base, alerts: [a] }, AbortSignal.timeout(5_000))).toEqual({ outcome: 'success', status: 200 });
  const got = (await activeAlerts()).find((x) => x.labels.alertname === 'Annotations ✓');
  expect(got?.labels).toMatchObject({ team_name: 'платёжи', model: '模型' });
  expect(got?.annotations).toEqual({ summary: a.message, runbook_url: 'https://runbooks.example.com/x', _1st: 'one' });
}, 30_000);
