/**
 * Scheduled reports end to end with real parts: a server with a YAML `reports:` entry and real receivers — a Slack
 * incoming-webhook receiver, a JSON webhook receiver, a real smtp-server, and a PagerDuty channel (which takes no
 * reports) — events in through the API; when the send time has come the report reaches each receiver in its form,
 * the outcome is in report_runs, and a restart sends nothing twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { httpReceiver, mimeParts, smtpReceiver, type HttpReceiver, type SmtpReceiver } from '../alerts/channels/test-support/receiver.js';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

const HOUR = 3_600_000;
// "Now" for the server: 09:10 UTC on 2026-11-24, so the 09:00 daily report about 2026-11-23 is due.
const NOW = Date.parse('2026-11-24T09:10:00Z');
const DAY = Date.parse('2026-11-23T00:00:00Z');

let slack: HttpReceiver, json: HttpReceiver, pd: HttpReceiver;
let smtp: SmtpReceiver;
let dir = '';
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-reports-e2e-'));

beforeAll(async () => {
  [slack, json, pd] = await Promise.all([httpReceiver(), httpReceiver(), httpReceiver()]);
  smtp = await smtpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'pulse-reports-cfg-'));
  writeFileSync(join(dir, 'pulse.yaml'), `
channels:
  ops-slack: { type: slack, url: "${slack.url}/services/T/B/secret" }
  pager: { type: pagerduty, routing_key: "pd-key", url: "${pd.url}/v2/enqueue" }
reports:
  - name: daily ops
    schedule: daily
    at: "09:00"
    timezone: UTC
    notify: [ops-slack, "${json.url}/reports", "lead@example.com", pager]
`);
});

afterAll(async () => {
  await Promise.all([slack, json, pd].map((r) => r?.close()));
  await smtp?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  LOG_LEVEL: 'silent', PULSE_CONFIG: join(dir, 'pulse.yaml'), METRICS_RETENTION_DAYS: '3650',
  ALERT_EMAIL_SMTP: '127.0.0.1', ALERT_EMAIL_PORT: String(smtp.port), ALERT_EMAIL_FROM: 'pulse@example.com',
});

it('sends the due report through Slack, a JSON webhook and e-mail once; PagerDuty takes none; a restart sends nothing twice', async () => {
  let pulse = await startTestPulse({ dataDir, clock: { now: () => NOW }, env: env() });
  try {
    const r = await postJson(`${pulse.url}/v1/events`, [
      { ts: DAY + 1 * HOUR, type: 'llm', model: 'gpt-4o', persona: 'luna', user_id: 'u1', input_tokens: 100, output_tokens: 50, cost_usd: 0.25, duration_ms: 900 },
      { ts: DAY + 2 * HOUR, type: 'llm', model: 'gpt-4o', persona: 'luna', user_id: 'u2', input_tokens: 300, output_tokens: 70, cost_usd: 0.75, duration_ms: 1100, status: 'error', error_type: 'timeout' },
      { ts: DAY + 3 * HOUR, type: 'message', persona: 'luna', user_id: 'u1' },
    ]);
    expect(r.status).toBe(200);
    await pulse.tasks.runNow('reports');

    const [s] = await slack.waitFor(1);
    const sb = s!.body as { text: string; attachments: { fields: { title: string; value: string }[] }[] };
    expect(sb.text).toBe('Pulse daily report — default, 2026-11-23: 3 events, $1.00');
    const field = (t: string) => sb.attachments[0]!.fields.find((f) => f.title === t)?.value;
    expect(field('Usage: LLM calls')).toBe('2');
    expect(field('Errors: Errors')).toBe('1 (33.3 %)');
    expect(field('Top models: gpt-4o')).toBe('2 calls, $1.00');

    const [j] = await json.waitFor(1);
    expect(j!.path).toBe('/reports');
    const jb = j!.body as { type: string; report: { period: { start: string; end: string }; usage: { events: number; unique_users: number }; cost: { usd: number } } };
    expect(jb.type).toBe('pulse_report');
    expect(jb.report.period).toMatchObject({ start: '2026-11-23T00:00:00.000Z', end: '2026-11-24T00:00:00.000Z' });
    expect(jb.report.usage).toMatchObject({ events: 3, unique_users: 2 });
    expect(jb.report.cost.usd).toBeCloseTo(1, 10);

    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual(['lead@example.com']);
    const parts = mimeParts(mail!.raw);
    expect(parts['text/plain']).toContain('LLM calls: 2');
    expect(parts['text/html']).toContain('<h3>Errors</h3>');
    // The subject has an em dash, so it travels MIME-encoded: `=?UTF-8?Q?Pulse_daily_report_=E2=80=94_…`.
    expect(mail!.raw).toMatch(/Subject: =\?UTF-8\?Q\?Pulse_daily_report_=E2=80=94_default/);

    expect(pd.received).toHaveLength(0);
    const runs = await pulse.store.query("SELECT name, status, detail FROM report_runs", []);
    expect(runs).toEqual([{ name: 'daily ops', status: 'sent', detail: 'pager: a pagerduty channel does not take reports' }]);

    // The same record through the API, with the report's schedule (its notify URL shown by type, host and hash).
    const api = await getJson(`${pulse.url}/api/reports`);
    expect(api.status).toBe(200);
    expect(api.json).toEqual({
      timestamp: '2026-11-24T09:10:00Z',
      reports: [{
        name: 'daily ops', schedule: 'daily', at: '09:00', timezone: 'UTC', day: null, project: 'default',
        notify: ['ops-slack', expect.stringMatching(/^json:127\.0\.0\.1:\d+#[0-9a-f]{8}$/), 'lead@example.com', 'pager'],
        next_send_at: '2026-11-25T09:00:00Z',
      }],
      runs: [{
        name: 'daily ops', period_start: '2026-11-23T00:00:00Z', period_end: '2026-11-24T00:00:00Z', status: 'sent',
        claimed_at: '2026-11-24T09:10:00Z', finished_at: '2026-11-24T09:10:00Z', detail: 'pager: a pagerduty channel does not take reports',
      }],
    });
    expect(JSON.stringify(api.json)).not.toContain('/reports');
    // And /api/config shows the notify list with the URL masked.
    expect((await getJson(`${pulse.url}/api/config`)).json.reports[0].notify).toEqual(['ops-slack', '***', 'lead@example.com', 'pager']);
    expect((await getJson(`${pulse.url}/api/reports?limit=0`)).json).toMatchObject({ error: { code: 'invalid_parameter', message: expect.stringMatching(/^limit: /) } });
    expect((await getJson(`${pulse.url}/api/reports?limt=5`)).json).toMatchObject({ error: { code: 'invalid_parameter', message: expect.stringMatching(/^limt: /) } });

    await pulse.tasks.runNow('reports');
  } finally {
    await pulse.close();
  }
  pulse = await startTestPulse({ dataDir, clock: { now: () => NOW + 60_000 }, env: env() });
  try {
    await pulse.tasks.runNow('reports');
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.received).toHaveLength(1);
    expect(json.received).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
  } finally {
    await pulse.close();
  }
}, 60_000);
