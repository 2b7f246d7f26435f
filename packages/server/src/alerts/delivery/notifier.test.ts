/**
 * The notifier with real parts: real local HTTP receivers, a real DuckDB delivery store. A receiver that is down
 * is retried until the deadline and every attempt is recorded, while the other channels deliver on time; a 4xx is
 * not retried; Retry-After is honoured; `dispatch` never waits.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import { loadConfig } from '../../config/load.js';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { deadPort, httpReceiver, smtpReceiver, type HttpReceiver } from '../channels/test-support/receiver.js';
import { fixtureNotification } from '../channels/test-support/notification.js';
import { pagerdutyDedupKey } from '../channels/pagerduty.js';
import { configureChannels, parseRoutes } from './channel-config.js';
import type { RetryPolicy } from './channel-queue.js';
import { DeliveryNotifier } from './notifier.js';
import { classifyNotifyEntry } from './routing.js';
import { checkDeliveryConfig } from './setup.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPulse } from '../../server.js';

const FAST: Partial<RetryPolicy> = { initialBackoffMs: 20, maxBackoffMs: 80, deadlineMs: 600, attemptTimeoutMs: 300 };

let stores: EmbeddedStores;
let receivers: HttpReceiver[] = [];
let logLines: string[] = [];

beforeEach(async () => {
  stores = await openEmbeddedStores({ dataDir: ':memory:' });
  await stores.deliveries.init();
  logLines = [];
});
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
  await stores.close();
});

async function receiver(): Promise<HttpReceiver> {
  const r = await httpReceiver();
  receivers.push(r);
  return r;
}

function notifierFor(env: Record<string, string>, opts: { policy?: Partial<RetryPolicy>; channels?: Record<string, unknown>; routes?: unknown[]; clock?: Clock } = {}): DeliveryNotifier {
  const config = loadConfig({ env, cwd: '/nonexistent' });
  const alerts = { ...config.alerts, channels: opts.channels ?? {}, routes: opts.routes ?? [] };
  const clock = opts.clock ?? systemClock;
  const channelDeps = { fetch: globalThis.fetch, clock };
  const configured = configureChannels(alerts, channelDeps);
  const routes = parseRoutes(alerts.routes, (e) => { const t = classifyNotifyEntry(e); return t.kind !== 'channel' || configured.channels.has(t.name); });
  const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } });
  return new DeliveryNotifier({
    configured, routes, store: stores.deliveries, channelDeps, clock,
    logger: pino({ level: 'debug' }, sink), policy: { ...FAST, ...opts.policy },
  });
}

describe('DeliveryNotifier', () => {
  it('a dead channel is retried until the deadline, recorded, and never delays the others', async () => {
    const ok = await receiver();
    const slow = await receiver();
    // The slow receiver holds its answer until released: whatever else arrives meanwhile was not held up by it.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => { release = r; });
    slow.respond(async (_r, res) => { await held; res.writeHead(200).end(); });
    const port = await deadPort();
    const notifier = notifierFor({
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/services/T/B/dead-secret`, // slack format (default), nobody listening
      ALERT_DISCORD_WEBHOOK: `${slow.url}/api/webhooks/1/slow-secret`,
      PAGERDUTY_ROUTING_KEY: 'pd-routing-secret',
      PAGERDUTY_EVENTS_URL: `${ok.url}/v2/enqueue`,
    });
    const n = fixtureNotification();
    const t0 = Date.now();
    notifier.dispatch(n);
    // dispatch only enqueues: nothing has been sent when it returns.
    expect(ok.received.length + slow.received.length).toBe(0);
    expect(notifier.stats().queued.map((q) => [q.channel, q.count])).toEqual([['webhook', 1], ['discord', 1], ['pagerduty', 1]]);

    const [pd] = await ok.waitFor(1);
    // PagerDuty got it while Discord's answer is still held and Slack's receiver is still being retried.
    expect((pd!.body as { dedup_key: string }).dedup_key).toBe(pagerdutyDedupKey(n.groupKey));
    await slow.waitFor(1);
    const deadSoFar = await stores.deliveries.list({ project: 'default', channel: 'webhook', limit: 100 });
    expect(deadSoFar.every((d) => d.outcome === 'retry')).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    release();
    await notifier.idle();

    const dead = await stores.deliveries.list({ project: 'default', channel: 'webhook', limit: 100 });
    const attempts = dead.slice().reverse();
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_a, i) => i + 1));
    expect(attempts.slice(0, -1).every((a) => a.outcome === 'retry')).toBe(true);
    expect(attempts.at(-1)!.outcome).toBe('failure');
    expect(attempts.at(-1)!.error).toMatch(/ECONNREFUSED.*gave up after \d+ attempts: deadline/);
    // Backoff grows: each gap at least half the (doubling) base.
    for (let i = 1; i < attempts.length; i++) {
      const base = Math.min(FAST.maxBackoffMs!, FAST.initialBackoffMs! * 2 ** (i - 1));
      expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(base / 2);
    }
    // The last attempt started within the deadline (give or take a late timer).
    expect(attempts.at(-1)!.at - t0).toBeLessThanOrEqual(FAST.deadlineMs! + 50);
    for (const a of attempts) {
      expect(a.alert_ids).toEqual(n.alerts.map((x) => x.id));
      expect(a.target).toBe(`slack http://127.0.0.1:${port}`);
      expect(a.channel_type).toBe('slack');
    }
    const discord = await stores.deliveries.list({ project: 'default', channel: 'discord', limit: 10 });
    expect(discord.map((d) => [d.outcome, d.attempt, d.status_code])).toEqual([['success', 1, 200]]);
    expect(discord[0]!.duration_ms).toBeGreaterThanOrEqual(150);

    const stats = notifier.stats();
    expect(stats.attempts.find((s) => s.channel === 'pagerduty' && s.outcome === 'success')?.count).toBe(1);
    expect(stats.attempts.find((s) => s.channel === 'webhook' && s.outcome === 'retry')?.count).toBe(attempts.length - 1);
    expect(stats.attempts.find((s) => s.channel === 'webhook' && s.outcome === 'failure')?.count).toBe(1);
    expect(stats.queued.every((q) => q.count === 0)).toBe(true);

    // Secrets never reach the log or the records.
    const everything = logLines.join('') + JSON.stringify(await stores.deliveries.list({ project: 'default', limit: 1000 }));
    expect(logLines.some((l) => l.includes('alert delivery failed'))).toBe(true);
    for (const secret of ['dead-secret', 'slow-secret', 'pd-routing-secret', '/services/', '/api/webhooks/']) expect(everything).not.toContain(secret);
    await notifier.close();
  });

  it('a 4xx is not retried; a 503 with Retry-After is retried after it', async () => {
    const r = await receiver();
    const statuses = [400];
    r.respond((_q, res) => { res.writeHead(statuses.shift() ?? 200).end(); });
    const notifier = notifierFor({ ALERT_WEBHOOK_URL: `${r.url}/hook`, ALERT_WEBHOOK_FORMAT: 'json' });
    const n = fixtureNotification({ alerts: [fixtureNotification().alerts[0]!] });
    notifier.dispatch(n);
    await notifier.idle();
    const first = await stores.deliveries.list({ project: 'default', limit: 10 });
    expect(first.map((d) => [d.attempt, d.outcome, d.status_code])).toEqual([[1, 'failure', 400]]);
    expect(r.received).toHaveLength(1);

    // 503 asking for 0.3 s, then success: the second attempt waits at least that long.
    r.respond((_q, res) => { if (r.received.length === 2) res.writeHead(503, { 'retry-after': '0.3' }).end(); else res.writeHead(200).end(); });
    notifier.dispatch(n);
    await notifier.idle();
    const rows = (await stores.deliveries.list({ project: 'default', alertId: n.alerts[0]!.id, limit: 10 })).reverse();
    expect(rows.map((d) => [d.attempt, d.outcome, d.status_code])).toEqual([[1, 'failure', 400], [1, 'retry', 503], [2, 'success', 200]]);
    expect(r.received[2]!.at - r.received[1]!.at).toBeGreaterThanOrEqual(290);
    await notifier.close();
  });

  it('routes: notify URLs and e-mail addresses, named channels, routes by severity and labels, env defaults', async () => {
    const hook = await receiver();
    const slackLike = await receiver();
    const smtp = await smtpReceiver();
    try {
      const notifier = notifierFor(
        { ALERT_WEBHOOK_URL: `${hook.url}/default`, ALERT_WEBHOOK_FORMAT: 'json', ALERT_EMAIL_SMTP: '127.0.0.1', ALERT_EMAIL_PORT: String(smtp.port), ALERT_EMAIL_FROM: 'pulse@example.com' },
        {
          channels: { 'team-am': { type: 'alertmanager-webhook', url: `${slackLike.url}/am`, receiver: 'team' } },
          routes: [{ severity: 'critical', labels: { service: 'api' }, channels: ['team-am'] }],
        },
      );
      expect(notifier.channelNames()).toEqual(['webhook', 'team-am']);
      // No notify, no matching route (severity medium) → the env default channel.
      const medium = fixtureNotification({ groupKey: 'g-medium', alerts: [fixtureNotification().alerts[1]!] });
      expect(notifier.resolve(medium).map((c) => c.name)).toEqual(['webhook']);
      // Critical with service=api → the route; plus the rule's notify: an e-mail address and a URL.
      const critical = fixtureNotification({ groupKey: 'g-critical', notify: ['oncall@example.com', `${hook.url}/by-url`] });
      const names = notifier.resolve(critical).map((c) => c.name);
      expect(names).toEqual([expect.stringMatching(/^json:127\.0\.0\.1:\d+#[0-9a-f]{8}$/), 'team-am', 'email:oncall@example.com']);
      notifier.dispatch(critical);
      notifier.dispatch(medium);
      await notifier.idle();
      expect(hook.received.map((r) => r.path).sort()).toEqual(['/by-url', '/by-url', '/default']);
      expect((slackLike.received[0]!.body as { receiver: string; groupKey: string })).toMatchObject({ receiver: 'team', groupKey: 'g-critical' });
      const [mail] = await smtp.waitFor(1);
      expect(mail!.to).toEqual(['oncall@example.com']);
      expect(mail!.from).toBe('pulse@example.com');
      // An unknown channel name in notify is recorded as a failure, not silently ignored.
      notifier.dispatch(fixtureNotification({ groupKey: 'g-x', notify: ['no-such-channel'] }));
      await notifier.idle();
      const rows = await stores.deliveries.list({ project: 'default', channel: 'no-such-channel', limit: 5 });
      expect(rows.map((r) => [r.outcome, r.error])).toEqual([['failure', 'no channel named "no-such-channel"']]);
      await notifier.close();
    } finally {
      await smtp.close();
    }
  });

  it('refreshes Alertmanager with a firing group it has not heard of for a third of hold_seconds; other channels get no refresh', async () => {
    const am = await receiver();
    const hook = await receiver();
    let now = Date.UTC(2026, 5, 15, 12);
    const notifier = notifierFor({}, {
      clock: { now: () => now },
      channels: { am: { type: 'alertmanager', url: am.url, hold_seconds: 60 }, hook: { type: 'json', url: hook.url } },
    });
    const firing = fixtureNotification({ groupKey: 'g', notify: ['am', 'hook'] });
    const posts = async (): Promise<string[]> => {
      await notifier.idle();
      return am.received.map((r) => (r.body as Array<{ endsAt: string }>).map((a) => a.endsAt).join());
    };
    const at = (seconds: number): string => new Date(Date.UTC(2026, 5, 15, 12) + seconds * 1000).toISOString();
    notifier.dispatch(firing);
    expect(await posts()).toHaveLength(1);
    now += 10_000; // heard 10 s ago: not yet
    notifier.refresh(firing);
    expect(await posts()).toHaveLength(1);
    now += 15_000; // 25 s: past 20 s, posted again with endsAt an hold ahead
    notifier.refresh(firing);
    const after = await posts();
    expect(after).toHaveLength(2);
    expect(after[1]!.split(',').every((e) => e === at(85))).toBe(true);
    now += 5_000;
    notifier.refresh(firing);
    expect(await posts()).toHaveLength(2);
    // Resolved: said once; a refresh after that is of a group firing anew, so it goes at once.
    notifier.dispatch(fixtureNotification({ groupKey: 'g', notify: ['am', 'hook'], status: 'resolved', alerts: fixtureNotification().alerts.map((a) => ({ ...a, state: 'resolved', ends_at: at(30) })) }));
    expect(await posts()).toHaveLength(3);
    now += 1_000;
    notifier.refresh(firing);
    expect(await posts()).toHaveLength(4);
    // The JSON webhook (one post per alert) got the two notifications' alerts, no refresh.
    expect(hook.received.map((r) => (r.body as { state: string }).state)).toEqual(['firing', 'firing', 'resolved', 'resolved']);
    await notifier.close();
  });

  it('close() gives up retrying at once and records why', async () => {
    const port = await deadPort();
    const notifier = notifierFor({ ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/x`, ALERT_WEBHOOK_FORMAT: 'json' }, { policy: { deadlineMs: 60_000, initialBackoffMs: 5_000, maxBackoffMs: 10_000 } });
    notifier.dispatch(fixtureNotification({ alerts: [fixtureNotification().alerts[0]!] }));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await notifier.close();
    expect(Date.now() - t0).toBeLessThan(1_000);
    const rows = (await stores.deliveries.list({ project: 'default', limit: 10 })).reverse();
    expect(rows.map((r) => r.outcome)).toEqual(['retry', 'failure']);
    // The interrupted wait ends in one last attempt, recorded as the final failure with the reason.
    expect(rows.map((r) => r.attempt)).toEqual([1, 2]);
    expect(rows[1]!.error).toContain('server shutting down');
  });

  it('tells a receipt as each channel finishes (delivered or given up for good), skips channels already done, and not what shutdown cut off', async () => {
    const ok = await receiver();
    const rejecting = await receiver();
    rejecting.respond((_r, res) => { res.writeHead(422).end('bad payload'); });
    const down = await receiver();
    down.respond((_r, res) => { res.writeHead(503).end('later'); });
    const skipped = await receiver();
    const notifier = notifierFor({}, {
      policy: { deadlineMs: 60_000, initialBackoffMs: 5_000, maxBackoffMs: 10_000 },
      channels: { ok: { type: 'json', url: ok.url }, rejecting: { type: 'json', url: rejecting.url }, down: { type: 'json', url: down.url }, skipped: { type: 'json', url: skipped.url } },
    });
    const told: string[] = [];
    const receipt = (name: string, done: string[] = []) => ({
      done,
      channelDone: async (channel: string) => void told.push(`${name}:${channel}`),
      allDone: async () => void told.push(`${name}:all`),
    });
    // Sent again after a restart: `skipped` had finished with it before.
    notifier.dispatch(fixtureNotification({ groupKey: 'a', notify: ['ok', 'rejecting', 'skipped'] }), receipt('a', ['skipped']));
    notifier.dispatch(fixtureNotification({ groupKey: 'b', notify: ['skipped'] }), receipt('b', ['skipped']));
    notifier.dispatch(fixtureNotification({ groupKey: 'c', notify: ['ok', 'down'] }), receipt('c'));
    await ok.waitFor(2);
    await rejecting.waitFor(1);
    await down.waitFor(1);
    await expect.poll(() => told.length).toBe(4);
    // A 4xx is given up at once (not sent again): of a's two channels, the first to finish is told as done, the
    // second as the last. `down` is still being retried.
    expect(told.filter((t) => t.startsWith('a:')).sort()).toEqual(expect.arrayContaining(['a:all']));
    expect(told.filter((t) => t === 'a:ok' || t === 'a:rejecting')).toHaveLength(1);
    expect(told.filter((t) => !t.startsWith('a:')).sort()).toEqual(['b:all', 'c:ok']);
    expect(skipped.received).toHaveLength(0);
    await notifier.close();
    // Shutdown cut `down` off: c is not finished (its entry stays, to be sent again at the next start).
    expect(told).toHaveLength(4);
    expect(told).not.toContain('c:all');
  });

  it('abandon() (leadership lost) drops what waits for a retry or its turn, finishing none of it; dispatched again, it is sent once', async () => {
    const hook = await receiver();
    hook.respond((_r, res) => { res.writeHead(503).end('later'); });
    const notifier = notifierFor({}, {
      policy: { deadlineMs: 60_000, initialBackoffMs: 200, maxBackoffMs: 200 },
      channels: { hook: { type: 'json', url: hook.url } },
    });
    const one = fixtureNotification().alerts[0]!; // a json channel sends each alert of a notification on its own
    const told: string[] = [];
    const receipt = (name: string) => ({
      done: [],
      channelDone: async (channel: string) => void told.push(`${name}:${channel}`),
      allDone: async () => void told.push(`${name}:all`),
      abandoned: () => told.push(`${name}:abandoned`),
    });
    notifier.dispatch(fixtureNotification({ groupKey: 'firing', notify: ['hook'], alerts: [one] }), receipt('firing'));
    notifier.dispatch(fixtureNotification({ groupKey: 'next', notify: ['hook'], alerts: [one] }), receipt('next'));
    await hook.waitFor(1);
    await expect.poll(async () => (await stores.deliveries.list({ project: 'default', limit: 10 })).length).toBe(1);

    // The lead is lost while the first waits for its retry and the second for its turn: neither is sent again here.
    notifier.abandon();
    await notifier.idle();
    expect(notifier.stats().queued.map((q) => q.count)).toEqual([0]);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.received).toHaveLength(1);
    expect(told.sort()).toEqual(['firing:abandoned', 'next:abandoned']);
    expect((await stores.deliveries.list({ project: 'default', limit: 10 })).map((d) => d.outcome)).toEqual(['retry']);

    // Leading again, the outbox hands it over once more: it is delivered once, and finished.
    hook.respond((_r, res) => { res.writeHead(200).end(); });
    notifier.dispatch(fixtureNotification({ groupKey: 'firing', notify: ['hook'], alerts: [one] }), receipt('firing'));
    await hook.waitFor(2);
    await notifier.idle();
    expect(told).toContain('firing:all');
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(2);
    await notifier.close();
  });
});

describe('channel configuration', () => {
  it('names the bad field of a YAML channel or route, never its value', () => {
    const deps = { fetch: globalThis.fetch, clock: systemClock };
    const base = loadConfig({ env: {}, cwd: '/nonexistent' }).alerts;
    expect(() => configureChannels({ ...base, channels: { pd: { type: 'pagerduty' } } }, deps)).toThrow(/^channels\.pd\.routing_key: /);
    expect(() => configureChannels({ ...base, channels: { s: { type: 'slack', url: 'not a url secret-123' } } }, deps)).toThrow(/^channels\.s\.url: /);
    expect(() => configureChannels({ ...base, channels: { s: { type: 'slack', url: 'not a url secret-123' } } }, deps)).not.toThrow(/secret-123/);
    expect(() => configureChannels({ ...base, channels: { s: { type: 'teams', url: 'https://x' } } }, deps)).toThrow(/^channels\.s\.type: unknown channel type "teams"/);
    expect(() => parseRoutes([{ channels: ['nope'] }], () => false)).toThrow(/^routes\[0\]\.channels\[0\]: no channel named "nope"/);
    expect(() => parseRoutes([{ severity: 'urgent', channels: ['a'] }], () => true)).toThrow(/^routes\[0\]\.severity/);
  });

  it('a bad channel stops the start with a ConfigError naming it; pulse check reports the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-channels-'));
    try {
      writeFileSync(join(dir, 'pulse.yaml'), 'channels:\n  oncall:\n    type: pagerduty\n    url: https://events.example.com/x\n');
      const env = { LOG_LEVEL: 'silent', PULSE_CONFIG: join(dir, 'pulse.yaml') };
      expect(checkDeliveryConfig(loadConfig({ env, cwd: dir }))).toMatch(/^channels\.oncall\.routing_key: /);
      await expect(startPulse({ env, port: 0, dataDir: join(dir, 'data') })).rejects.toThrow(/^channels\.oncall\.routing_key: /);
      expect(() => loadConfig({ env: { ALERT_WEBHOOK_FORMAT: 'xml' }, cwd: dir })).toThrow('ALERT_WEBHOOK_FORMAT must be slack, json or alertmanager');
      // The data directory is free again: the failed start closed what it opened.
      writeFileSync(join(dir, 'pulse.yaml'), 'channels: {}\n');
      const ok = await startPulse({ env, port: 0, dataDir: join(dir, 'data') });
      await ok.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('infers the webhook format of a notify URL from its host', () => {
    expect(classifyNotifyEntry('https://hooks.slack.com/services/T/B/x')).toMatchObject({ kind: 'url', type: 'slack' });
    expect(classifyNotifyEntry('https://discord.com/api/webhooks/1/x')).toMatchObject({ kind: 'url', type: 'discord' });
    expect(classifyNotifyEntry('https://discordapp.com/api/webhooks/1/x')).toMatchObject({ kind: 'url', type: 'discord' });
    expect(classifyNotifyEntry('https://example.com/hook')).toMatchObject({ kind: 'url', type: 'json' });
    expect(classifyNotifyEntry('ops@example.com')).toEqual({ kind: 'email', address: 'ops@example.com' });
    expect(classifyNotifyEntry('oncall')).toEqual({ kind: 'channel', name: 'oncall' });
  });
});
