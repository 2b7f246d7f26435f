/** Slack incoming webhook in seed 001's attachment format: `text` plus one attachment per alert, coloured by severity. */
import { z } from 'zod';
import type { AlertJson, AlertSeverity, ChannelDefinition, Notification } from '../types.js';
import { alertLink, currentValue, isResolved, notificationTitle, thresholdValue, truncate, typeTitle } from './format.js';
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

export interface SlackField { title: string; value: string; short: boolean }
export interface SlackAttachment {
  color: string; fallback: string; title: string; title_link: string; fields: SlackField[]; footer: string; ts: number;
}

function attachment(n: Notification, a: AlertJson): SlackAttachment {
  const fields: SlackField[] = [
    { title: 'Type', value: slackEscape(typeTitle(a.alert_type)), short: true },
    { title: 'Severity', value: a.severity, short: true },
    { title: 'Message', value: slackEscape(a.message), short: false },
    { title: 'Current', value: slackEscape(currentValue(a)), short: true },
    { title: 'Threshold', value: slackEscape(thresholdValue(a)), short: true },
  ];
  if (isResolved(a)) fields.push({ title: 'Resolved', value: a.ends_at ?? a.timestamp, short: true });
  return {
    color: isResolved(a) ? 'good' : SLACK_COLORS[a.severity],
    fallback: slackEscape(truncate(`${isResolved(a) ? 'Resolved' : a.severity}: ${a.message}`, 300)),
    title: slackEscape(a.rule_name),
    title_link: alertLink(n, a),
    fields,
    footer: slackEscape(`Pulse · ${a.project}`),
    ts: Math.floor(Date.parse(a.timestamp) / 1000),
  };
}

export function slackPayload(n: Notification, cfg: Pick<SlackConfig, 'channel' | 'username'> = {}): Record<string, unknown> {
  const shown = n.alerts.slice(0, SLACK_MAX_ATTACHMENTS);
  const more = n.alerts.length - shown.length;
  const emoji = n.status === 'resolved' ? '✅' : '🚨';
  return {
    text: `${emoji} ${slackEscape(notificationTitle(n))}${more > 0 ? ` (${more} more not shown)` : ''}`,
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
