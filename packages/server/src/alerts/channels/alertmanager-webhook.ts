/**
 * Alertmanager's webhook payload, version 4 (prometheus.io/docs/alerting/latest/configuration/#webhook_config), so
 * any receiver written for Alertmanager (e.g. alertmanager-webhook-logger, Grafana OnCall) accepts Pulse's alerts.
 */
import { z } from 'zod';
import type { AlertJson, ChannelDefinition, Notification } from '../types.js';
import { alertLink, isResolved, promAnnotations, promLabels, promNames, ZERO_TIME } from './format.js';
import { describeUrl, postJson } from './http-send.js';

export const alertmanagerWebhookConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  /** The `receiver` field: the name of this receiver (default `pulse`). */
  receiver: z.string().min(1).default('pulse'),
  /** Alertmanager's `max_alerts`: 0 sends all, otherwise the rest is counted in `truncatedAlerts`. */
  max_alerts: z.number().int().min(0).default(0),
}).strict();
export type AlertmanagerWebhookConfig = z.infer<typeof alertmanagerWebhookConfig>;

export interface AlertmanagerWebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export function webhookAlert(n: Notification, a: AlertJson): AlertmanagerWebhookAlert {
  return {
    status: isResolved(a) ? 'resolved' : 'firing',
    labels: promLabels(a),
    annotations: promAnnotations(a),
    startsAt: a.starts_at,
    endsAt: isResolved(a) ? (a.ends_at ?? a.timestamp) : ZERO_TIME,
    generatorURL: alertLink(n, a),
    fingerprint: a.fingerprint,
  };
}

export function alertmanagerWebhookPayload(
  n: Notification, cfg: Pick<AlertmanagerWebhookConfig, 'receiver' | 'max_alerts'>,
): Record<string, unknown> {
  const shown = cfg.max_alerts > 0 ? n.alerts.slice(0, cfg.max_alerts) : n.alerts;
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.alerts.length - shown.length,
    status: n.status,
    receiver: cfg.receiver,
    groupLabels: promNames(n.groupLabels),
    commonLabels: promNames(n.commonLabels),
    commonAnnotations: promNames(n.commonAnnotations),
    externalURL: n.externalUrl,
    alerts: shown.map((a) => webhookAlert(n, a)),
  };
}

export const alertmanagerWebhookChannel: ChannelDefinition<AlertmanagerWebhookConfig> = {
  type: 'alertmanager-webhook',
  schema: alertmanagerWebhookConfig,
  create(name, config, deps) {
    return {
      name,
      type: 'alertmanager-webhook',
      send: (n, signal) => postJson(deps, config.url, alertmanagerWebhookPayload(n, config), signal),
      describe: () => `alertmanager webhook ${describeUrl(config.url)}`,
    };
  },
};
