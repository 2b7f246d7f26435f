/**
 * Discord webhook with one embed per alert, kept within Discord's documented limits (Message Resource → Embed
 * Limits): title 256, description 4096, 25 fields, field name 256 / value 1024, footer 2048, 6000 characters
 * across all embeds of a message, 10 embeds per message.
 */
import { z } from 'zod';
import type { AlertJson, AlertSeverity, ChannelDefinition, Notification } from '../types.js';
import { alertLink, currentValue, isResolved, notificationTitle, thresholdValue, truncate, typeTitle } from './format.js';
import { describeUrl, postJson } from './http-send.js';

export const discordConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  // Discord refuses (400, the alert is lost at send time) a webhook name containing "clyde" or "discord" in any case.
  username: z.string().min(1).max(80)
    .refine((s) => !/clyde|discord/i.test(s), 'Discord refuses webhook names containing "clyde" or "discord"').optional(),
}).strict();
export type DiscordConfig = z.infer<typeof discordConfig>;

export const DISCORD_LIMITS = {
  title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, total: 6000, embeds: 10,
  content: 2000,
} as const;

export const DISCORD_COLORS: Record<AlertSeverity | 'resolved', number> = {
  critical: 0xd32f2f, high: 0xf57c00, medium: 0xfbc02d, low: 0x1e88e5, info: 0x90a4ae, resolved: 0x2e7d32,
};

/**
 * Discord renders markdown in content, embed titles, descriptions and field values: user text (rule names, messages,
 * labels) is escaped with backslashes so `**`, `[text](url)`, `||spoiler||`, code spans, `<@id>` and line-start
 * headings, quotes and lists show as typed. (Pings are stopped by `allowed_mentions` as well.)
 */
export const discordEscape = (s: string): string =>
  s.replace(/[\\*_~`|[\]<>]/g, '\\$&').replace(/^(\s*)(#|[-+](?=\s)|\d+\.(?=\s))/gm, '$1\\$2');

export interface DiscordEmbed {
  title: string;
  description: string;
  url: string;
  color: number;
  timestamp: string;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
}

function embed(n: Notification, a: AlertJson): DiscordEmbed {
  const labels = discordEscape(Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', '));
  const fields = [
    { name: 'Type', value: discordEscape(typeTitle(a.alert_type)), inline: true },
    { name: 'Severity', value: a.severity, inline: true },
    { name: 'State', value: a.state, inline: true },
    { name: 'Current', value: discordEscape(currentValue(a)), inline: true },
    { name: 'Threshold', value: discordEscape(thresholdValue(a)), inline: true },
    ...(labels ? [{ name: 'Labels', value: labels, inline: false }] : []),
  ];
  return {
    title: truncate(`${isResolved(a) ? '✅ Resolved: ' : ''}${discordEscape(a.rule_name)}`, DISCORD_LIMITS.title),
    description: truncate(discordEscape(a.message), DISCORD_LIMITS.description),
    url: alertLink(n, a),
    color: isResolved(a) ? DISCORD_COLORS.resolved : DISCORD_COLORS[a.severity],
    timestamp: a.timestamp,
    fields: fields.slice(0, DISCORD_LIMITS.fields).map((f) => ({
      name: truncate(f.name, DISCORD_LIMITS.fieldName), value: truncate(f.value || '-', DISCORD_LIMITS.fieldValue), inline: f.inline,
    })),
    footer: { text: truncate(`Pulse · ${a.project} · ${a.fingerprint}`, DISCORD_LIMITS.footer) },
  };
}

/** Characters Discord counts toward the 6000 total. */
export function embedChars(e: DiscordEmbed): number {
  const len = (s: string): number => Array.from(s).length;
  return len(e.title) + len(e.description) + len(e.footer.text) + e.fields.reduce((s, f) => s + len(f.name) + len(f.value), 0);
}

export function discordPayload(n: Notification, cfg: Pick<DiscordConfig, 'username'> = {}): Record<string, unknown> {
  const embeds = n.alerts.slice(0, DISCORD_LIMITS.embeds).map((a) => embed(n, a));
  const hidden = n.alerts.length - embeds.length;
  // Over the message total: shorten descriptions from the last embed backwards, then drop trailing embeds.
  let total = embeds.reduce((s, e) => s + embedChars(e), 0);
  for (let i = embeds.length - 1; i >= 0 && total > DISCORD_LIMITS.total; i--) {
    const e = embeds[i]!;
    const keep = Math.max(1, Array.from(e.description).length - (total - DISCORD_LIMITS.total));
    const before = embedChars(e);
    e.description = truncate(e.description, keep);
    total += embedChars(e) - before;
  }
  while (total > DISCORD_LIMITS.total && embeds.length > 1) total -= embedChars(embeds.pop()!);
  const omitted = hidden + (Math.min(n.alerts.length, DISCORD_LIMITS.embeds) - embeds.length);
  // A long rule name is cut before the count of hidden alerts, which must stay visible.
  const more = omitted > 0 ? ` (${omitted} more not shown)` : '';
  const title = `${n.status === 'resolved' ? '✅' : '🚨'} ${notificationTitle(n, discordEscape)}`;
  return {
    content: truncate(title, DISCORD_LIMITS.content - more.length) + more,
    username: cfg.username ?? 'Pulse',
    embeds,
    allowed_mentions: { parse: [] },
  };
}

export const discordChannel: ChannelDefinition<DiscordConfig> = {
  type: 'discord',
  schema: discordConfig,
  create(name, config, deps) {
    return {
      name,
      type: 'discord',
      send: (n, signal) => postJson(deps, config.url, discordPayload(n, config), signal),
      sendReport: (r, signal) => postJson(deps, config.url, r.discord, signal),
      describe: () => `discord ${describeUrl(config.url)}`,
    };
  },
};
