/**
 * Forwarding to a real Alertmanager (`ALERTMANAGER_URL`): POST `<url>/api/v2/alerts` with Alertmanager's postable
 * alerts. A firing alert carries an `endsAt` `hold_seconds` ahead, and is posted again every third of that while it
 * fires (`refreshEveryMs`: acknowledged alerts, which are not repeated, included), as Prometheus resends its firing
 * alerts; a resolved alert carries its real end, which is in the past, so Alertmanager resolves it at once.
 */
import { z } from 'zod';
import type { ChannelDefinition, Notification } from '../types.js';
import { alertLink, isResolved, promAnnotations, promLabels } from './format.js';
import { describeUrl, postJson } from './http-send.js';

export const alertmanagerConfig = z.object({
  /** Alertmanager's base URL, e.g. http://127.0.0.1:9093 (basic-auth credentials in the URL are sent as a header). */
  url: z.url({ protocol: /^https?$/ }),
  /** How long Alertmanager keeps a firing alert without hearing from Pulse again (default 24 h). */
  hold_seconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
}).strict();
export type AlertmanagerConfig = z.infer<typeof alertmanagerConfig>;

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export function postableAlerts(n: Notification, holdMs: number, nowMs: number): PostableAlert[] {
  return n.alerts.map((a) => ({
    labels: promLabels(a),
    annotations: promAnnotations(a),
    startsAt: a.starts_at,
    // A resolved alert ends when Pulse resolved it; one already in the past (or now) is resolved by Alertmanager.
    endsAt: isResolved(a) ? new Date(Math.min(Date.parse(a.ends_at ?? a.timestamp), nowMs)).toISOString()
      : new Date(nowMs + holdMs).toISOString(),
    generatorURL: alertLink(n, a),
  }));
}

/** `http://user:pw@host:9093/prefix` → the endpoint without credentials, and the credentials as a header. */
export function alertsEndpoint(base: string): { url: string; headers: Record<string, string> } {
  const u = new URL(base);
  const headers: Record<string, string> = {};
  if (u.username || u.password) {
    const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    headers.authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  return { url: u.toString(), headers };
}

export const alertmanagerChannel: ChannelDefinition<AlertmanagerConfig> = {
  type: 'alertmanager',
  schema: alertmanagerConfig,
  create(name, config, deps) {
    const endpoint = alertsEndpoint(config.url);
    return {
      name,
      type: 'alertmanager',
      // Three times within the hold: a refresh may be lost or retried and the alert still stays firing there.
      refreshEveryMs: Math.floor((config.hold_seconds * 1000) / 3),
      send: (n, signal) =>
        postJson(deps, endpoint.url, postableAlerts(n, config.hold_seconds * 1000, deps.clock.now()), signal, endpoint.headers),
      describe: () => `alertmanager ${describeUrl(endpoint.url)}`,
    };
  },
};
