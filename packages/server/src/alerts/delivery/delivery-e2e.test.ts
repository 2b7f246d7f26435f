/**
 * End to end with real parts: traffic in through the API → a rule from the YAML file fires → local HTTP receivers
 * get the Slack, Discord, PagerDuty, JSON and Alertmanager-webhook payloads, a real smtp-server gets the mail and a
 * real Alertmanager (scripts/alertmanager.sh) shows the alert; a receiver that is down is retried and recorded while
 * the server stays healthy; then the traffic recovers and every channel gets the resolve.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlertJson } from '../types.js';
import { getJson, postJson, startTestPulse } from '../../test-support/pulse.js';
import { discordEscape } from '../channels/discord.js';
import { pagerdutyDedupKey } from '../channels/pagerduty.js';
import { slackEscape } from '../channels/slack.js';
import { deadPort, httpReceiver, mimeParts, smtpReceiver, type HttpReceiver, type SmtpReceiver } from '../channels/test-support/receiver.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const SERVICES = `${ROOT}.tmp/services-e2e-${process.pid}`;
const amEnv = { ...process.env, PULSE_SERVICES_DIR: SERVICES };

let slack: HttpReceiver, discord: HttpReceiver, pd: HttpReceiver, json: HttpReceiver, amHook: HttpReceiver;
let smtp: SmtpReceiver;
let amUrl = '';
let pulse: Awaited<ReturnType<typeof startTestPulse>>;
let dir = '';

beforeAll(async () => {
  mkdirSync(SERVICES, { recursive: true });
  amUrl = execFileSync(`${ROOT}scripts/alertmanager.sh`, ['start'], { env: amEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  [slack, discord, pd, json, amHook] = await Promise.all([httpReceiver(), httpReceiver(), httpReceiver(), httpReceiver(), httpReceiver()]);
  smtp = await smtpReceiver();
  const dead = await deadPort();
  dir = mkdtempSync(join(tmpdir(), 'pulse-e2e-'));
  writeFileSync(join(dir, 'pulse.yaml'), `
alerts:
  - name: High error rate
    condition: error_rate > 0.1
    severity: critical
    window: 5m
    group_interval: 1s
    labels: { service: chat }
channels:
  json-hook: { type: json, url: "${json.url}/alerts" }
  am-hook: { type: alertmanager-webhook, url: "${amHook.url}/am", receiver: pulse-e2e }
  dead-hook: { type: json, url: "http://127.0.0.1:${dead}/never" }
routes:
  - severity: critical
    channels: [webhook, discord, email, pagerduty, alertmanager, json-hook, am-hook, dead-hook]
`);
  pulse = await startTestPulse({
    env: {
      LOG_LEVEL: 'silent',
      PULSE_CONFIG: join(dir, 'pulse.yaml'),
      PULSE_ALERT_INTERVAL: '0.2',
      ALERT_WEBHOOK_URL: `${slack.url}/services/T/B/slack-secret`,
      ALERT_DISCORD_WEBHOOK: `${discord.url}/api/webhooks/1/discord-secret`,
      ALERT_EMAIL_SMTP: '127.0.0.1', ALERT_EMAIL_PORT: String(smtp.port), ALERT_EMAIL_RECIPIENTS: 'oncall@example.com', ALERT_EMAIL_FROM: 'pulse@example.com',
      PAGERDUTY_ROUTING_KEY: 'pd-secret-key', PAGERDUTY_EVENTS_URL: `${pd.url}/v2/enqueue`,
      ALERTMANAGER_URL: amUrl,
    },
  });
}, 60_000);

afterAll(async () => {
  await pulse?.dispose();
  await Promise.all([slack, discord, pd, json, amHook].map((r) => r?.close()));
  await smtp?.close();
  try { execFileSync(`${ROOT}scripts/alertmanager.sh`, ['stop'], { env: amEnv, stdio: 'ignore' }); } finally {
    rmSync(SERVICES, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('fires to every channel, records the dead one, stays healthy, then resolves everywhere', async () => {
  const events = (n: number, status: 'ok' | 'error') =>
    Array.from({ length: n }, () => ({ type: 'llm', model: 'gpt-4o-mini', duration_ms: 900, status, ...(status === 'error' ? { error_type: 'timeout' } : {}) }));
  expect((await postJson(`${pulse.url}/v1/events`, { events: [...events(4, 'error'), ...events(4, 'ok')] })).status).toBe(200);

  // The alert as the API shows it: every payload is checked against it.
  const alert = await until('the alert firing', async () => {
    const r = await getJson(`${pulse.url}/v1/analytics/alerts?state=firing`);
    return (r.json.alerts as AlertJson[] | undefined)?.find((a) => a.rule_name === 'High error rate');
  });
  expect(alert.severity).toBe('critical');
  expect(alert.details.current).toBeCloseTo(4 / 8, 6);
  expect(alert.details.threshold).toBe(0.1);

  const [s] = await slack.waitFor(1, 20_000);
  const sb = s!.body as { text: string; attachments: { color: string; fields: { title: string; value: string }[] }[] };
  expect(sb.text).toBe('🚨 [FIRING] High error rate');
  expect(sb.attachments[0]!.color).toBe('danger');
  expect(Object.fromEntries(sb.attachments[0]!.fields.map((f) => [f.title, f.value]))).toMatchObject({
    // Slack shows `&gt;` as `>`: `&`, `<`, `>` are escaped so user text cannot mention or link.
    Message: slackEscape(alert.message), Current: String(alert.details.current) + (alert.details.unit ? ` ${alert.details.unit}` : ''),
  });

  const [d] = await discord.waitFor(1);
  expect((d!.body as { embeds: { description: string }[] }).embeds[0]!.description).toBe(discordEscape(alert.message)); // markdown shown as typed

  const [p] = await pd.waitFor(1);
  const pb = p!.body as { event_action: string; dedup_key: string; routing_key: string; payload: { severity: string } };
  expect(pb).toMatchObject({ event_action: 'trigger', routing_key: 'pd-secret-key', payload: { severity: 'critical' } });

  const [j] = await json.waitFor(1);
  expect(j!.body).toMatchObject({ id: alert.id, rule: alert.rule, alert_type: alert.alert_type, severity: 'critical', state: 'firing', message: alert.message });

  const [h] = await amHook.waitFor(1);
  const hb = h!.body as { version: string; status: string; receiver: string; groupKey: string; alerts: { fingerprint: string; labels: Record<string, string> }[] };
  expect(hb).toMatchObject({ version: '4', status: 'firing', receiver: 'pulse-e2e' });
  expect(pb.dedup_key).toBe(pagerdutyDedupKey(hb.groupKey));
  expect(hb.alerts[0]!.fingerprint).toBe(alert.fingerprint);
  expect(hb.alerts[0]!.labels).toMatchObject({ alertname: 'High error rate', severity: 'critical', service: 'chat' });

  const [mail] = await smtp.waitFor(1);
  expect(mail!.to).toEqual(['oncall@example.com']);
  expect(mimeParts(mail!.raw)['text/plain']).toContain(`CRITICAL: ${alert.message}`);

  const inAm = await until('the alert in Alertmanager', async () => {
    const r = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { state: string } }[];
    return r.find((x) => x.labels.alertname === 'High error rate');
  });
  expect(inAm.status.state).toBe('active');
  expect(inAm.labels).toMatchObject({ severity: 'critical', service: 'chat', project: 'default' });

  // The dead receiver is being retried (default policy: 1 s, 2 s, …) and recorded; the server stays healthy.
  const retries = await until('a recorded retry of the dead channel', async () => {
    const r = await getJson(`${pulse.url}/v1/alert-deliveries?alert_id=${alert.id}&channel=dead-hook`);
    return r.json.deliveries.length >= 2 ? r.json.deliveries : undefined;
  });
  for (const x of retries) expect(x).toMatchObject({ outcome: 'retry', channel_type: 'json', error: expect.stringContaining('ECONNREFUSED') });
  expect((await getJson(`${pulse.url}/health`)).status).toBe(200);
  const delivered = await getJson(`${pulse.url}/v1/alert-deliveries?alert_id=${alert.id}&outcome=success`);
  expect(new Set(delivered.json.deliveries.map((x: { channel: string }) => x.channel))).toEqual(
    new Set(['webhook', 'discord', 'email', 'pagerduty', 'alertmanager', 'json-hook', 'am-hook']),
  );

  // Recovery: the error rate falls to 4/100 → resolved, to every channel.
  expect((await postJson(`${pulse.url}/v1/events`, { events: events(92, 'ok') })).status).toBe(200);
  const resolvedSlack = await until('the resolved Slack message', () =>
    slack.received.find((r) => (r.body as { text: string }).text.startsWith('✅ [RESOLVED]')));
  expect((resolvedSlack.body as { attachments: { color: string }[] }).attachments[0]!.color).toBe('good');
  const pdResolve = await until('the PagerDuty resolve', () => pd.received.find((r) => (r.body as { event_action: string }).event_action === 'resolve'));
  expect(pdResolve.body).toEqual({ routing_key: 'pd-secret-key', event_action: 'resolve', dedup_key: pb.dedup_key });
  await until('the resolved Alertmanager webhook', () => amHook.received.find((r) => (r.body as { status: string }).status === 'resolved'));
  await until('the resolved alert JSON', () => json.received.find((r) => (r.body as AlertJson).state === 'resolved'));
  await until('the alert gone from Alertmanager', async () => {
    const r = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
    return !r.some((x) => x.labels.alertname === 'High error rate') || undefined;
  });
  await smtp.waitFor(2);
  expect(mimeParts(smtp.mails[1]!.raw)['text/plain']).toContain('Resolved: 1 alert(s)');
}, 90_000);
