/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): `trigger` while the group fires, `resolve` once it has resolved,
 * both with a dedup key derived from the group key, so repeats update one incident and a restart opens no second.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AlertSeverity, ChannelDefinition, Notification } from '../types.js';
import { alertLine, alertLink, isResolved, notificationTitle, topSeverity, truncate } from './format.js';
import { describeUrl, postJson } from './http-send.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const pagerdutyConfig = z.object({
  routing_key: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }).default(PAGERDUTY_EVENTS_URL),
  /** `payload.source`; default the host of Pulse's external URL. */
  source: z.string().min(1).optional(),
}).strict();
export type PagerDutyConfig = z.infer<typeof pagerdutyConfig>;

/** PagerDuty knows four severities. */
export const PAGERDUTY_SEVERITY: Record<AlertSeverity, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info',
};

/** Stable for a group across repeats and restarts; PagerDuty allows 255 characters. */
export const pagerdutyDedupKey = (groupKey: string): string =>
  `pulse-${createHash('sha256').update(groupKey).digest('hex').slice(0, 40)}`;

/**
 * PagerDuty refuses an event over 512 KB (Events API v2 → Size Limits) with a 400, which is not retried: the alert
 * lines in `custom_details` are shortened to 1,000 characters each and listed up to a 256 KB budget, and a last line
 * says how many more there are.
 */
export const PAGERDUTY_LINE_CHARS = 1_000;
export const PAGERDUTY_ALERTS_BYTES = 256 * 1024;

export function alertLines(lines: string[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const short = truncate(line, PAGERDUTY_LINE_CHARS);
    bytes += Buffer.byteLength(JSON.stringify(short), 'utf8') + 1;
    if (bytes > PAGERDUTY_ALERTS_BYTES) break;
    out.push(short);
  }
  return out.length < lines.length ? [...out, `(${lines.length - out.length} more not shown)`] : out;
}

export function pagerdutyPayload(n: Notification, cfg: Pick<PagerDutyConfig, 'routing_key' | 'source'>): Record<string, unknown> {
  const dedup_key = pagerdutyDedupKey(n.groupKey);
  if (n.status === 'resolved') return { routing_key: cfg.routing_key, event_action: 'resolve', dedup_key };
  const firing = n.alerts.filter((a) => !isResolved(a));
  const first = firing[0] ?? n.alerts[0]!;
  let source = cfg.source;
  if (!source) {
    try { source = new URL(n.externalUrl).host; } catch { source = 'pulse'; }
  }
  return {
    routing_key: cfg.routing_key,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: truncate(firing.length === 1 ? `${first.rule_name}: ${first.message}` : notificationTitle(n), 1024),
      source,
      severity: PAGERDUTY_SEVERITY[topSeverity(n)],
      timestamp: first.starts_at,
      component: first.labels.service ?? first.labels.model ?? first.project,
      group: first.project,
      class: first.alert_type,
      custom_details: {
        alerts: alertLines(firing.map(alertLine)),
        group_labels: n.groupLabels,
        common_labels: n.commonLabels,
        details: first.details,
      },
    },
    client: 'Pulse',
    client_url: alertLink(n),
    links: firing.slice(0, 5).map((a) => ({ href: alertLink(n, a), text: truncate(a.message, 200) })),
  };
}

export const pagerdutyChannel: ChannelDefinition<PagerDutyConfig> = {
  type: 'pagerduty',
  schema: pagerdutyConfig,
  create(name, config, deps) {
    return {
      name,
      type: 'pagerduty',
      send: (n, signal) => postJson(deps, config.url, pagerdutyPayload(n, config), signal),
      describe: () => `pagerduty ${describeUrl(config.url)}`,
    };
  },
};
