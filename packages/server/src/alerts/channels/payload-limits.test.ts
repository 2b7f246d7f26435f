/**
 * The worst realistic input against each service's documented limits. The services cannot be reached from the tests,
 * so the payloads are asserted against the limits their documentation states:
 * - PagerDuty Events API v2 (developer.pagerduty.com, Events API v2 → Size Limits, Send an Alert Event): the whole
 *   event at most 512 KB; `summary` 1024 characters; `dedup_key` 255; severity one of critical/error/warning/info.
 * - Slack (api.slack.com/reference/surfaces/formatting#escaping): `&`, `<` and `>` in text must be escaped as
 *   `&amp;`, `&lt;`, `&gt;`; unescaped, `<!channel>`, `<!everyone>`, `<@U…>` and `<url|text>` are mentions and links;
 *   a message past 40,000 characters is cut by Slack (api.slack.com changelog, 2018-04).
 * - Discord (Message Resource → Embed Limits, Allowed Mentions): the limits in DISCORD_LIMITS; mentions disabled.
 */
import { describe, expect, it } from 'vitest';
import type { AlertJson, Notification } from '../types.js';
import { discordPayload, DISCORD_LIMITS, embedChars, type DiscordEmbed } from './discord.js';
import { alertmanagerWebhookPayload } from './alertmanager-webhook.js';
import { pagerdutyPayload } from './pagerduty.js';
import { slackPayload, type SlackAttachment } from './slack.js';
import { fixtureAlert, fixtureNotification } from './test-support/notification.js';

const chars = (s: string): number => Array.from(s).length;

/** A group of 200 alerts, each with a 10,000-character message of unicode and markup, and unicode labels. */
function hugeGroup(): Notification {
  const alerts: AlertJson[] = Array.from({ length: 200 }, (_, i) => fixtureAlert({
    id: `al-${i}`,
    fingerprint: `fp-${i}`,
    rule_name: `Event “checkout_✓” spiked ${'ü'.repeat(300)}`,
    message: `model 🤖-${i} <!channel> @everyone *bold* _it_ \`code\` ${'語'.repeat(10_000)}`,
    labels: { service: `сервис-${i}`, model: `模型-${'x'.repeat(500)}` },
  }));
  return fixtureNotification({ alerts });
}

describe('PagerDuty payload within the Events API v2 limits', () => {
  it('stays under 512 KB for 200 alerts of 10,000 characters, and says how many alerts it leaves out', () => {
    const body = pagerdutyPayload(hugeGroup(), { routing_key: 'R0123456789ABCDEF0123456789ABCDE' }) as Record<string, any>;
    expect(Buffer.byteLength(JSON.stringify(body), 'utf8')).toBeLessThan(512 * 1024);
    expect(chars(body.payload.summary)).toBeLessThanOrEqual(1024);
    expect(body.dedup_key.length).toBeLessThanOrEqual(255);
    expect(['critical', 'error', 'warning', 'info']).toContain(body.payload.severity);
    const listed: string[] = body.payload.custom_details.alerts;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.at(-1)).toMatch(/^\(\d+ more not shown\)$/);
    const more = Number(/\((\d+) more/.exec(listed.at(-1)!)![1]);
    expect(listed.length - 1 + more).toBe(200);
    // Each listed line is shortened visibly, never cut silently.
    for (const line of listed.slice(0, -1)) expect(line.endsWith('…') || chars(line) < 1000).toBe(true);
  });
});

describe('Slack payload within the 40,000 characters Slack keeps', () => {
  it('keeps 200 alerts of 10,000 characters under 40,000 characters, with the "(N more not shown)" note whole', () => {
    const body = slackPayload(hugeGroup()) as { text: string; attachments: SlackAttachment[] };
    const texts = [body.text, ...body.attachments.flatMap((a) => [a.title, a.fallback, a.footer, ...a.fields.flatMap((f) => [f.title, f.value])])];
    expect(texts.reduce((sum, t) => sum + chars(t), 0)).toBeLessThanOrEqual(40_000);
    expect(body.text).toMatch(/ \(180 more not shown\)$/);
    expect(body.attachments).toHaveLength(20);
    const message = body.attachments[0]!.fields.find((f) => f.title === 'Message')!.value;
    expect(message.startsWith('model 🤖-0 &lt;!channel&gt; @everyone')).toBe(true);
    expect(message.endsWith('…')).toBe(true);
  });

  it('never cuts inside an escaped entity', () => {
    for (let pad = 0; pad < 6; pad++) {
      const n = fixtureNotification({ alerts: [fixtureAlert({ message: `${'x'.repeat(pad)}${'&'.repeat(2_000)}` })] });
      const body = slackPayload(n) as { attachments: SlackAttachment[] };
      const value = body.attachments[0]!.fields.find((f) => f.title === 'Message')!.value;
      expect(value).toMatch(/^x*(&amp;)+…$/);
    }
  });
});

describe('Slack payload: user text cannot mention or link', () => {
  it('escapes &, < and > in every text field', () => {
    const n = fixtureNotification({
      alerts: [fixtureAlert({
        rule_name: 'Deploy <!channel> & <@U024BE7LH>',
        message: 'model <!everyone> said <https://evil.example|click here> & left',
        alert_type: 'custom <!here>',
        project: 'p<!here>',
      })],
    });
    const body = slackPayload(n) as { text: string; attachments: SlackAttachment[] };
    const texts = [body.text, ...body.attachments.flatMap((a) => [a.title, a.fallback, a.footer, ...a.fields.map((f) => f.value)])];
    for (const t of texts) expect(t).not.toMatch(/[<>]/);
    expect(body.text).toBe('🚨 [FIRING] Deploy &lt;!channel&gt; &amp; &lt;@U024BE7LH&gt;');
    expect(body.attachments[0]!.fields.find((f) => f.title === 'Message')!.value)
      .toBe('model &lt;!everyone&gt; said &lt;https://evil.example|click here&gt; &amp; left');
  });
});

describe('Discord payload within the embed limits', () => {
  it('keeps 200 alerts of 10,000 characters inside every limit, with mentions disabled', () => {
    const body = discordPayload(hugeGroup()) as { content: string; embeds: DiscordEmbed[]; allowed_mentions: unknown };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(chars(body.content)).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(body.embeds.length).toBeGreaterThan(0);
    expect(body.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
    expect(body.embeds.reduce((s, e) => s + embedChars(e), 0)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    for (const e of body.embeds) {
      expect(chars(e.title)).toBeLessThanOrEqual(DISCORD_LIMITS.title);
      expect(chars(e.description)).toBeGreaterThan(0);
      expect(chars(e.description)).toBeLessThanOrEqual(DISCORD_LIMITS.description);
      expect(e.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
      for (const f of e.fields) {
        expect(chars(f.name)).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
        expect(chars(f.value)).toBeGreaterThan(0);
        expect(chars(f.value)).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
      }
    }
    expect(body.content).toMatch(new RegExp(`\\(${200 - body.embeds.length} more not shown\\)$`));
  });
});

describe('Discord payload: user text cannot format', () => {
  it('escapes markdown in the content, titles, descriptions and labels, so it shows as typed', () => {
    const n = fixtureNotification({
      alerts: [fixtureAlert({
        rule_name: '**Deploy** @everyone [login](https://evil.example)',
        message: '# Urgent\n> quoted `rm -rf` ||spoiler|| _it_ ~~gone~~ <@123>',
        labels: { model: 'gpt_4*o' },
      })],
    });
    const body = discordPayload(n) as { content: string; embeds: DiscordEmbed[]; allowed_mentions: unknown };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.content).toBe('🚨 [FIRING] \\*\\*Deploy\\*\\* @everyone \\[login\\](https://evil.example)');
    const e = body.embeds[0]!;
    expect(e.title).toBe('\\*\\*Deploy\\*\\* @everyone \\[login\\](https://evil.example)');
    expect(e.description).toBe('\\# Urgent\n\\> quoted \\`rm -rf\\` \\|\\|spoiler\\|\\| \\_it\\_ \\~\\~gone\\~\\~ \\<@123\\>');
    expect(e.fields.find((f) => f.name === 'Labels')!.value).toBe('model=gpt\\_4\\*o');
  });

  it('leaves numbers and plain text alone', async () => {
    const { discordEscape } = await import('./discord.js');
    for (const s of ['5100.25 ms', '-5 ms', '1.5%', 'gpt-4o', 'rate is 0.5 (threshold 0.1)']) expect(discordEscape(s)).toBe(s);
    expect(discordEscape('1. first\n- item\n# head')).toBe('\\1. first\n\\- item\n\\# head');
  });
});

describe('Alertmanager webhook payload: names as Alertmanager would send them', () => {
  it('rewrites annotation, group and common label names as it does the alerts\' label names', () => {
    const a = fixtureAlert({ labels: { 'team.name': 'pay' }, annotations: { 'runbook-url': 'https://r.example.com' } });
    const n = fixtureNotification({
      alerts: [a], groupLabels: { 'team.name': 'pay' }, commonLabels: { 'team.name': 'pay' }, commonAnnotations: { 'runbook-url': 'https://r.example.com' },
    });
    const body = alertmanagerWebhookPayload(n, { receiver: 'pulse', max_alerts: 0 }) as Record<string, any>;
    expect(body.alerts[0].labels.team_name).toBe('pay');
    expect(body.alerts[0].annotations).toEqual({ summary: a.message, runbook_url: 'https://r.example.com' });
    expect(body.groupLabels).toEqual({ team_name: 'pay' });
    expect(body.commonLabels).toEqual({ team_name: 'pay' });
    expect(body.commonAnnotations).toEqual({ runbook_url: 'https://r.example.com' });
  });
});

describe('Alertmanager label names that fold into one when rewritten', () => {
  it('keeps every value, and two alerts differing only there stay two alerts', () => {
    const labels = (v: string) => ({ 'region.eu': `dot-${v}`, region_eu: `plain-${v}`, 'region-eu': `dash-${v}` });
    const a = fixtureAlert({ id: 'a', fingerprint: 'fa', labels: labels('1') });
    const b = fixtureAlert({ id: 'b', fingerprint: 'fb', labels: { ...labels('1'), 'region.eu': 'dot-2' } });
    const body = alertmanagerWebhookPayload(fixtureNotification({ alerts: [a, b] }), { receiver: 'pulse', max_alerts: 0 }) as Record<string, any>;
    // The name Alertmanager accepts as it is stays; the rewritten ones follow in the order of their original names.
    expect(body.alerts[0].labels).toMatchObject({ region_eu: 'plain-1', region_eu_2: 'dash-1', region_eu_3: 'dot-1' });
    expect(body.alerts[1].labels).toMatchObject({ region_eu: 'plain-1', region_eu_2: 'dash-1', region_eu_3: 'dot-2' });
    expect(body.alerts[0].labels).not.toEqual(body.alerts[1].labels);
  });
});

describe('Discord content with a very long rule name', () => {
  it('keeps "(N more not shown)" when the title has to be cut', () => {
    const alerts = Array.from({ length: 15 }, (_, i) => fixtureAlert({ id: `al-${i}`, fingerprint: `fp-${i}`, rule_name: 'R'.repeat(3000) }));
    const body = discordPayload(fixtureNotification({ alerts })) as { content: string; embeds: DiscordEmbed[] };
    expect(chars(body.content)).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(body.content.endsWith(`… (${15 - body.embeds.length} more not shown)`)).toBe(true);
  });
});

describe('Discord webhook name (Webhook Resource: no "clyde" or "discord", any case; 1–80 characters)', () => {
  it('refuses such a username in the configuration, naming the field, and accepts others', async () => {
    const { discordConfig } = await import('./discord.js');
    const url = 'https://discord.com/api/webhooks/1/abc';
    for (const username of ['Discord alerts', 'my-DISCORD-bot', 'Clyde', 'clydebot']) {
      const r = discordConfig.safeParse({ url, username });
      expect(r.success, username).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['username']);
      expect(r.error?.issues[0]?.message).toMatch(/clyde|discord/i);
    }
    for (const username of ['Pulse', 'Bot alerts ⚠', 'x'.repeat(80)]) expect(discordConfig.safeParse({ url, username }).success, username).toBe(true);
    expect(discordConfig.safeParse({ url, username: 'x'.repeat(81) }).success).toBe(false);
  });
});
