/** Slack incoming webhook in seed 001's attachment format: `text` plus one attachment per alert, coloured by severity. */
import { z } from 'zod';
import type { AlertJson, AlertSeverity, ChannelDefinition, Notification } from '../types.js';
import { alertLink, currentValue, isResolved, notificationTitle, thresholdValue, typeTitle } from './format.js';
import { describeUrl, postJson } from './http-send.js';

export const slackConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  /** Optional override of the webhook's default channel and name (legacy webhooks honour them). */
  channel: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
}).strict();
export type SlackConfig = z.infer<typeof slackConfig>;

/** Slack shows at most 100 attachments and advises far fewer; past this, one line says how many more. */
export const SLACK_MAX_ATTACHMENTS = 20;

/** Slack's named colours (seed 001 uses `danger`); `good` for a resolved alert. */
export const SLACK_COLORS: Record<AlertSeverity, string> = {
  critical: 'danger', high: 'danger', medium: 'warning', low: '#439FE0', info: '#439FE0',
};

/**
 * Slack reads `<…>` in message text as mentions and links (`<!channel>`, `<@U…>`, `<url|text>`) and asks for `&`, `<`
 * and `>` to be escaped (api.slack.com, Formatting text → Escaping text): rule names and messages carry user text.
 */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Slack cuts a message past 40,000 characters (api.slack.com changelog 2018-04, "truncating really long messages"),
 * which would lose the end of the list: each piece of user text is escaped and then cut to its share here, never
 * inside an entity. 20 attachments of at most ~1,800 characters plus the text stay under 40,000.
 */
export const SLACK_LIMITS = { total: 40_000, text: 1_000, title: 256, message: 1_200, fallback: 300 } as const;

export function slackText(s: string, max: number): string {
  const chars = Array.from(slackEscape(s));
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('').replace(/&[a-z]{0,3}$/, '')}…`;
}

export interface SlackField { title: string; value: string; short: boolean }
export interface SlackAttachment {
  color: string; fallback: string; title: string; title_link: string; fields: SlackField[]; footer: string; ts: number;
}

function attachment(n: Notification, a: AlertJson): SlackAttachment {
  const fields: SlackField[] = [
    { title: 'Type', value: slackText(typeTitle(a.alert_type), SLACK_LIMITS.title), short: true },
    { title: 'Severity', value: a.severity, short: true },
    { title: 'Message', value: slackText(a.message, SLACK_LIMITS.message), short: false },
    { title: 'Current', value: slackText(currentValue(a), SLACK_LIMITS.title), short: true },
    { title: 'Threshold', value: slackText(thresholdValue(a), SLACK_LIMITS.title), short: true },
  ];
  if (isResolved(a)) fields.push({ title: 'Resolved', value: a.ends_at ?? a.timestamp, short: true });
  return {
    color: isResolved(a) ? 'good' : SLACK_COLORS[a.severity],
    fallback: slackText(`${isResolved(a) ? 'Resolved' : a.severity}: ${a.message}`, SLACK_LIMITS.fallback),
    title: slackText(a.rule_name, SLACK_LIMITS.title),
    title_link: alertLink(n, a),
    fields,
    footer: slackText(`Pulse · ${a.project}`, SLACK_LIMITS.title),
    ts: Math.floor(Date.parse(a.timestamp) / 1000),
  };
}

export function slackPayload(n: Notification, cfg: Pick<SlackConfig, 'channel' | 'username'> = {}): Record<string, unknown> {
  const shown = n.alerts.slice(0, SLACK_MAX_ATTACHMENTS);
  const more = n.alerts.length - shown.length;
  const emoji = n.status === 'resolved' ? '✅' : '🚨';
  return {
    text: `${emoji} ${slackText(notificationTitle(n), SLACK_LIMITS.text)}${more > 0 ? ` (${more} more not shown)` : ''}`,
    attachments: shown.map((a) => attachment(n, a)),
    ...(cfg.channel ? { channel: cfg.channel } : {}),
    ...(cfg.username ? { username: cfg.username } : {}),
  };
}

export const slackChannel: ChannelDefinition<SlackConfig> = {
  type: 'slack',
  schema: slackConfig,
  create(name, config, deps) {
    return {
      name,
      type: 'slack',
      send: (n, signal) => postJson(deps, config.url, slackPayload(n, config), signal),
      sendReport: (r, signal) => postJson(deps, config.url, {
        ...r.slack, ...(config.channel ? { channel: config.channel } : {}), ...(config.username ? { username: config.username } : {}),
      }, signal),
      describe: () => `slack ${describeUrl(config.url)}`,
    };
  },
};
