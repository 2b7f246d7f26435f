/**
 * One contract, every channel type (house style: shared cases run against each implementation). Each channel
 * sends to a real local receiver — an HTTP server on port 0, or a real `smtp-server` — and the payload is checked
 * field by field against the notification that produced it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import type { AlertJson, ChannelDeps, Notification, SendResult } from '../types.js';
import { CHANNEL_DEFINITIONS, channelDefinition } from './registry.js';
import { DISCORD_COLORS, DISCORD_LIMITS, embedChars, type DiscordEmbed } from './discord.js';
import { PAGERDUTY_SEVERITY, pagerdutyDedupKey } from './pagerduty.js';
import { SLACK_COLORS } from './slack.js';
import { ZERO_TIME } from './format.js';
import { deadPort, httpReceiver, mimeParts, smtpReceiver, type HttpReceiver, type SmtpReceiver } from './test-support/receiver.js';
import { fixtureAlert, fixtureNotification, resolvedNotification } from './test-support/notification.js';

const deps: ChannelDeps = { fetch: globalThis.fetch, clock: systemClock };
const signal = (): AbortSignal => AbortSignal.timeout(5_000);

let http: HttpReceiver;
let smtp: SmtpReceiver;
beforeAll(async () => {
  http = await httpReceiver();
  smtp = await smtpReceiver({ user: 'pulse', pass: 's3cret-smtp' });
});
afterAll(async () => {
  await http.close();
  await smtp.close();
});

/** What a channel produced for one notification: the HTTP bodies, or the mails. */
type Sent = { bodies: unknown[]; paths: string[]; headers: Record<string, string | string[] | undefined>[]; mails: { to: string[]; user: string | null; parts: Record<string, string>; raw: string }[] };

interface ChannelCase {
  type: string;
  http: boolean;
  config(): Record<string, unknown>;
  /** Field-by-field checks of a firing and a resolved notification's payloads. */
  firing(sent: Sent, n: Notification): void;
  resolved(sent: Sent, n: Notification): void;
}

const slackFields = (a: AlertJson) => [
  { title: 'Type', value: 'Performance', short: true },
  { title: 'Severity', value: a.severity, short: true },
  { title: 'Message', value: a.message, short: false },
  { title: 'Current', value: `${a.details.current} ms`, short: true },
  { title: 'Threshold', value: `${a.details.threshold} ms`, short: true },
];

const CASES: ChannelCase[] = [
  {
    type: 'slack', http: true,
    config: () => ({ url: `${http.url}/services/T000/B000/slack-secret-token` }),
    firing({ bodies, paths }, n) {
      expect(paths).toEqual(['/services/T000/B000/slack-secret-token']);
      const body = bodies[0] as { text: string; attachments: Record<string, unknown>[] };
      expect(body.text).toBe(`🚨 [FIRING:2] ${n.alerts[0]!.rule_name}`);
      expect(body.attachments).toHaveLength(n.alerts.length);
      n.alerts.forEach((a, i) => {
        const att = body.attachments[i]!;
        expect(att.color).toBe(SLACK_COLORS[a.severity]);
        expect(att.fields).toEqual(slackFields(a));
        expect(att.title).toBe(a.rule_name);
        expect(att.title_link).toBe(`${n.externalUrl}/?section=alerts#alert-${a.id}`);
        expect(att.ts).toBe(Date.parse(a.timestamp) / 1000);
      });
      expect(body.attachments[0]!.color).toBe('danger'); // critical, as seed 001
      expect(body.attachments[1]!.color).toBe('warning'); // medium
    },
    resolved({ bodies }, n) {
      const body = bodies[0] as { text: string; attachments: { color: string; fields: { title: string; value: string }[] }[] };
      expect(body.text).toBe(`✅ [RESOLVED:2] ${n.alerts[0]!.rule_name}`);
      for (const [i, att] of body.attachments.entries()) {
        expect(att.color).toBe('good');
        expect(att.fields.at(-1)).toEqual({ title: 'Resolved', value: n.alerts[i]!.ends_at, short: true });
      }
    },
  },
  {
    type: 'discord', http: true,
    config: () => ({ url: `${http.url}/api/webhooks/123/discord-secret-token` }),
    firing({ bodies }, n) {
      const body = bodies[0] as { content: string; username: string; embeds: DiscordEmbed[]; allowed_mentions: unknown };
      expect(body.content).toBe(`🚨 [FIRING:2] ${n.alerts[0]!.rule_name}`);
      expect(body.username).toBe('Pulse');
      expect(body.allowed_mentions).toEqual({ parse: [] });
      expect(body.embeds).toHaveLength(2);
      n.alerts.forEach((a, i) => {
        const e = body.embeds[i]!;
        expect(e.title).toBe(a.rule_name);
        expect(e.description).toBe(a.message);
        expect(e.color).toBe(DISCORD_COLORS[a.severity]);
        expect(e.timestamp).toBe(a.timestamp);
        expect(e.url).toBe(`${n.externalUrl}/?section=alerts#alert-${a.id}`);
        expect(e.fields).toEqual([
          { name: 'Type', value: 'Performance', inline: true },
          { name: 'Severity', value: a.severity, inline: true },
          { name: 'State', value: 'firing', inline: true },
          { name: 'Current', value: `${a.details.current} ms`, inline: true },
          { name: 'Threshold', value: `${a.details.threshold} ms`, inline: true },
          { name: 'Labels', value: Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', '), inline: false },
        ]);
        expect(e.footer.text).toBe(`Pulse · ${a.project} · ${a.fingerprint}`);
      });
    },
    resolved({ bodies }, n) {
      const body = bodies[0] as { content: string; embeds: DiscordEmbed[] };
      expect(body.content).toBe(`✅ [RESOLVED:2] ${n.alerts[0]!.rule_name}`);
      for (const e of body.embeds) {
        expect(e.color).toBe(DISCORD_COLORS.resolved);
        expect(e.title).toBe(`✅ Resolved: ${n.alerts[0]!.rule_name}`);
      }
    },
  },
  {
    type: 'pagerduty', http: true,
    config: () => ({ routing_key: 'R0UTINGKEY-secret', url: `${http.url}/v2/enqueue` }),
    firing({ bodies, paths }, n) {
      expect(paths).toEqual(['/v2/enqueue']);
      const body = bodies[0] as Record<string, any>;
      const a = n.alerts[0]!;
      expect(body.routing_key).toBe('R0UTINGKEY-secret');
      expect(body.event_action).toBe('trigger');
      expect(body.dedup_key).toBe(pagerdutyDedupKey(n.groupKey));
      expect(body.dedup_key.length).toBeLessThanOrEqual(255);
      expect(body.payload).toEqual({
        summary: '[FIRING:2] High latency',
        source: 'pulse.example.com:8000',
        severity: 'critical', // the most severe alert of the group
        timestamp: a.starts_at,
        component: a.labels.service,
        group: a.project,
        class: a.alert_type,
        custom_details: {
          alerts: [
            `CRITICAL: ${a.message} (current 5200 ms, threshold 5000 ms)`,
            `MEDIUM: ${n.alerts[1]!.message} (current 5100.25 ms, threshold 5000 ms)`,
          ],
          group_labels: n.groupLabels,
          common_labels: n.commonLabels,
          details: a.details,
        },
      });
      expect(body.client).toBe('Pulse');
      expect(body.client_url).toBe(`${n.externalUrl}/?section=alerts`);
      expect(body.links).toEqual(n.alerts.map((x) => ({ href: `${n.externalUrl}/?section=alerts#alert-${x.id}`, text: x.message })));
    },
    resolved({ bodies }, n) {
      expect(bodies[0]).toEqual({ routing_key: 'R0UTINGKEY-secret', event_action: 'resolve', dedup_key: pagerdutyDedupKey(n.groupKey) });
    },
  },
  {
    type: 'json', http: true,
    config: () => ({ url: `${http.url}/hook?token=json-secret`, headers: { authorization: 'Bearer hdr-secret' } }),
    firing({ bodies, paths, headers }, n) {
      expect(headers.map((h) => [h.authorization, h['content-type']])).toEqual([['Bearer hdr-secret', 'application/json'], ['Bearer hdr-secret', 'application/json']]);
      // One POST per alert, each exactly the alert JSON (seed 001's fields plus Pulse's).
      expect(bodies).toEqual(n.alerts);
      expect(paths).toEqual(['/hook?token=json-secret', '/hook?token=json-secret']);
      const seedFields = ['alert_type', 'severity', 'message', 'details', 'timestamp'];
      for (const b of bodies) for (const f of seedFields) expect(b).toHaveProperty(f);
    },
    resolved({ bodies }, n) {
      expect(bodies).toEqual(n.alerts);
      expect((bodies as AlertJson[]).map((b) => b.state)).toEqual(['resolved', 'resolved']);
    },
  },
  {
    type: 'alertmanager-webhook', http: true,
    config: () => ({ url: `${http.url}/am-hook`, receiver: 'team-x' }),
    firing({ bodies }, n) {
      const body = bodies[0] as Record<string, any>;
      expect(Object.keys(body).sort()).toEqual(['alerts', 'commonAnnotations', 'commonLabels', 'externalURL', 'groupKey', 'groupLabels', 'receiver', 'status', 'truncatedAlerts', 'version']);
      expect(body.version).toBe('4');
      expect(body.groupKey).toBe(n.groupKey);
      expect(body.truncatedAlerts).toBe(0);
      expect(body.status).toBe('firing');
      expect(body.receiver).toBe('team-x');
      expect(body.groupLabels).toEqual(n.groupLabels);
      expect(body.commonLabels).toEqual(n.commonLabels);
      expect(body.commonAnnotations).toEqual(n.commonAnnotations);
      expect(body.externalURL).toBe(n.externalUrl);
      expect(body.alerts).toEqual(n.alerts.map((a) => ({
        status: 'firing',
        labels: { ...a.labels, alertname: a.rule_name, severity: a.severity, project: a.project },
        annotations: { summary: a.message, ...a.annotations },
        startsAt: a.starts_at,
        endsAt: ZERO_TIME,
        generatorURL: `${n.externalUrl}/?section=alerts#alert-${a.id}`,
        fingerprint: a.fingerprint,
      })));
    },
    resolved({ bodies }, n) {
      const body = bodies[0] as Record<string, any>;
      expect(body.status).toBe('resolved');
      expect(body.alerts.map((a: any) => [a.status, a.endsAt])).toEqual(n.alerts.map((a) => ['resolved', a.ends_at]));
    },
  },
  {
    type: 'alertmanager', http: true,
    config: () => ({ url: `${http.url.replace('http://', 'http://am-user:am-pass@')}/prefix` }),
    firing({ bodies, paths, headers }, n) {
      expect(paths).toEqual(['/prefix/api/v2/alerts']);
      // Credentials in ALERTMANAGER_URL travel as basic auth, not in the URL.
      expect(headers[0]!.authorization).toBe(`Basic ${Buffer.from('am-user:am-pass').toString('base64')}`);
      const alerts = bodies[0] as Record<string, any>[];
      expect(alerts).toHaveLength(2);
      alerts.forEach((x, i) => {
        const a = n.alerts[i]!;
        expect(x.labels).toEqual({ ...a.labels, alertname: a.rule_name, severity: a.severity, project: a.project });
        expect(x.annotations).toEqual({ summary: a.message, ...a.annotations });
        expect(x.startsAt).toBe(a.starts_at);
        expect(x.generatorURL).toBe(`${n.externalUrl}/?section=alerts#alert-${a.id}`);
        // Firing: held for hold_seconds (default 24 h) from now.
        expect(Date.parse(x.endsAt) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
      });
    },
    resolved({ bodies }, n) {
      const alerts = bodies[0] as Record<string, any>[];
      expect(alerts.map((x) => x.endsAt)).toEqual(n.alerts.map((a) => a.ends_at));
      for (const x of alerts) expect(Date.parse(x.endsAt)).toBeLessThanOrEqual(Date.now());
    },
  },
  {
    type: 'email', http: false,
    config: () => ({ host: '127.0.0.1', port: smtp.port, username: 'pulse', password: 's3cret-smtp', from: 'pulse@example.com', to: ['oncall@example.com', 'ops@example.com'] }),
    firing({ mails }, n) {
      expect(mails).toHaveLength(1);
      const m = mails[0]!;
      expect(m.to).toEqual(['oncall@example.com', 'ops@example.com']);
      expect(m.user).toBe('pulse');
      expect(m.raw).toMatch(/^Subject: \[FIRING:2\] High latency \(Pulse\)\r?$/m);
      expect(m.raw).toMatch(/^From: pulse@example\.com\r?$/m);
      const text = m.parts['text/plain']!;
      const html = m.parts['text/html']!;
      for (const a of n.alerts) {
        expect(text).toContain(`${a.severity.toUpperCase()}: ${a.message}`);
        expect(text).toContain(`Current: ${a.details.current} ms   Threshold: ${a.details.threshold} ms`);
        expect(text).toContain(`${n.externalUrl}/?section=alerts#alert-${a.id}`);
        expect(html).toContain(`>${a.message}</a>`);
      }
      expect(html).toContain('<th>Current</th><th>Threshold</th>');
    },
    resolved({ mails }) {
      const m = mails[0]!;
      expect(m.raw).toMatch(/^Subject: \[RESOLVED:2\] High latency \(Pulse\)\r?$/m);
      expect(m.parts['text/plain']).toContain('Resolved: 2 alert(s)');
    },
  },
];

it('every registered channel type has a contract case, and names are unique', () => {
  expect(CASES.map((c) => c.type).sort()).toEqual(CHANNEL_DEFINITIONS.map((d) => d.type).sort());
  expect(new Set(CHANNEL_DEFINITIONS.map((d) => d.type)).size).toBe(CHANNEL_DEFINITIONS.length);
});

async function sendAndCollect(c: ChannelCase, n: Notification): Promise<{ result: SendResult; sent: Sent }> {
  const def = channelDefinition(c.type)!;
  const channel = def.create(`test-${c.type}`, def.schema.parse(c.config()), deps);
  const h0 = http.received.length;
  const m0 = smtp.mails.length;
  const result = await channel.send(n, signal());
  const sent: Sent = {
    bodies: http.received.slice(h0).map((r) => r.body),
    paths: http.received.slice(h0).map((r) => r.path),
    headers: http.received.slice(h0).map((r) => r.headers),
    mails: smtp.mails.slice(m0).map((m) => ({ to: m.to, user: m.user, raw: m.raw, parts: mimeParts(m.raw) })),
  };
  return { result, sent };
}

describe.each(CASES)('channel $type', (c) => {
  it('sends a firing notification, field by field', async () => {
    const n = fixtureNotification();
    const { result, sent } = await sendAndCollect(c, n);
    expect(result.outcome).toBe('success');
    c.firing(sent, n);
  });

  it('sends the resolved notification', async () => {
    const n = resolvedNotification();
    const { result, sent } = await sendAndCollect(c, n);
    expect(result.outcome).toBe('success');
    c.resolved(sent, n);
  });

  it('describe() never shows a secret', () => {
    const def = channelDefinition(c.type)!;
    const cfg = c.config();
    const d = def.create('x', def.schema.parse(cfg), deps).describe();
    for (const secret of ['secret', 'token', 'R0UTING', 'am-pass', 's3cret', '/services/', '/api/webhooks/']) expect(d).not.toContain(secret);
  });

  it('rejects a config without its required fields, naming them', () => {
    const r = channelDefinition(c.type)!.schema.safeParse({});
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths.length).toBeGreaterThan(0);
  });

  it.runIf(c.http).each([
    { status: 204, outcome: 'success' },
    { status: 500, outcome: 'retryable' },
    { status: 503, outcome: 'retryable' },
    { status: 429, outcome: 'retryable', retryAfter: '7', retryAfterMs: 7000 },
    { status: 400, outcome: 'failure' },
    { status: 404, outcome: 'failure' },
  ])('HTTP $status is $outcome', async ({ status, outcome, retryAfter, retryAfterMs }) => {
    http.respond((_r, res) => { res.writeHead(status, retryAfter ? { 'retry-after': retryAfter } : {}).end(status === 204 ? undefined : 'nope'); });
    try {
      const { result } = await sendAndCollect(c, fixtureNotification());
      expect(result.outcome).toBe(outcome);
      expect('status' in result ? result.status : undefined).toBe(status);
      if (retryAfterMs !== undefined) expect(result).toMatchObject({ retryAfterMs });
      if (result.outcome !== 'success') expect(result.error).toBe(`HTTP ${status}: nope`);
    } finally {
      http.respond((_r, res) => { res.writeHead(200).end('ok'); });
    }
  });

  it.runIf(c.http)('a receiver that is down is retryable, and the error has no URL', async () => {
    const port = await deadPort();
    const def = channelDefinition(c.type)!;
    const cfg = JSON.parse(JSON.stringify(c.config()).replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`)) as Record<string, unknown>;
    const result = await def.create('down', def.schema.parse(cfg), deps).send(fixtureNotification(), signal());
    expect(result.outcome).toBe('retryable');
    if (result.outcome === 'retryable') {
      expect(result.error).toContain('ECONNREFUSED');
      expect(result.error).not.toMatch(/secret|token|\/api\/|\/services\//);
    }
  });
});

describe('email SMTP replies', () => {
  it('a 4xx reply is retryable, a 5xx reply and bad credentials are failures', async () => {
    const { SMTPServer } = await import('smtp-server');
    const reply = { code: 451 };
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, logger: false,
      onRcptTo(_addr, _s, cb) { cb(Object.assign(new Error('try later'), { responseCode: reply.code })); },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.server.address() as { port: number }).port;
    try {
      const def = channelDefinition('email')!;
      const ch = def.create('e', def.schema.parse({ host: '127.0.0.1', port, to: ['a@example.com'] }), deps);
      const r1 = await ch.send(fixtureNotification(), signal());
      expect(r1).toMatchObject({ outcome: 'retryable', status: 451 });
      reply.code = 550;
      const r2 = await ch.send(fixtureNotification(), signal());
      expect(r2).toMatchObject({ outcome: 'failure', status: 550 });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const def = channelDefinition('email')!;
    const bad = def.create('e', def.schema.parse({ host: '127.0.0.1', port: smtp.port, username: 'pulse', password: 'wrong', to: ['a@example.com'] }), deps);
    const r3 = await bad.send(fixtureNotification(), signal());
    expect(r3.outcome).toBe('failure');
    if (r3.outcome === 'failure') expect(r3.error).not.toContain('wrong');
  });
});

describe('Discord limits', () => {
  it('a huge notification stays within every documented limit', async () => {
    const long = 'x'.repeat(5000);
    const alerts = Array.from({ length: 30 }, (_, i) => fixtureAlert({
      id: `al-${i}`, rule_name: 'r'.repeat(300), message: long,
      labels: Object.fromEntries(Array.from({ length: 40 }, (_, j) => [`label_${j}`, 'v'.repeat(60)])),
    }));
    const n = fixtureNotification({ alerts });
    const c = CASES.find((x) => x.type === 'discord')!;
    const { result, sent } = await sendAndCollect(c, n);
    expect(result.outcome).toBe('success');
    const body = sent.bodies[0] as { content: string; embeds: DiscordEmbed[] };
    expect(body.embeds.length).toBeGreaterThan(0);
    expect(body.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
    expect(body.embeds.reduce((s, e) => s + embedChars(e), 0)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    for (const e of body.embeds) {
      expect(Array.from(e.title).length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
      expect(Array.from(e.description).length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
      expect(e.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
      for (const f of e.fields) {
        expect(Array.from(f.name).length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
        expect(Array.from(f.value).length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
      }
      expect(Array.from(e.footer.text).length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    }
    // What was left out is said, with the count.
    expect(body.content).toMatch(new RegExp(`\\((${30 - body.embeds.length}) more not shown\\)$`));
  });
});

describe('PagerDuty', () => {
  it('maps every severity and keeps one dedup key per group', () => {
    expect(PAGERDUTY_SEVERITY).toEqual({ critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' });
    expect(pagerdutyDedupKey('g1')).toBe(pagerdutyDedupKey('g1'));
    expect(pagerdutyDedupKey('g1')).not.toBe(pagerdutyDedupKey('g2'));
  });
});

describe('JSON webhook retries', () => {
  it('re-sends only the alerts the receiver has not accepted', async () => {
    const def = channelDefinition('json')!;
    const ch = def.create('j', def.schema.parse({ url: `${http.url}/partial` }), deps);
    const n = fixtureNotification();
    const statuses = [200, 503];
    http.respond((_r, res) => { res.writeHead(statuses.shift() ?? 200).end(); });
    try {
      const h0 = http.received.length;
      expect((await ch.send(n, signal())).outcome).toBe('retryable');
      expect((await ch.send(n, signal())).outcome).toBe('success');
      expect(http.received.slice(h0).map((r) => (r.body as AlertJson).id)).toEqual(['al-1', 'al-2', 'al-2']);
    } finally {
      http.respond((_r, res) => { res.writeHead(200).end('ok'); });
    }
  });
});
