/**
 * Generic JSON webhook: each alert of the notification is POSTed as seed 001's alert JSON, exactly as
 * `GET /v1/analytics/alerts` returns it, so a receiver written for seed 001 works unchanged. A retry re-sends only
 * the alerts the receiver has not yet accepted.
 */
import { z } from 'zod';
import type { AlertJson, ChannelDefinition, Notification, SendResult } from '../types.js';
import { describeUrl, postJson } from './http-send.js';

export const jsonWebhookConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  /** Extra request headers (e.g. an `authorization` the receiver expects); never shown by `describe()`. */
  headers: z.record(z.string(), z.string()).optional(),
}).strict();
export type JsonWebhookConfig = z.infer<typeof jsonWebhookConfig>;

export const jsonWebhookPayload = (a: AlertJson): AlertJson => a;

export const jsonWebhookChannel: ChannelDefinition<JsonWebhookConfig> = {
  type: 'json',
  schema: jsonWebhookConfig,
  create(name, config, deps) {
    // Per notification, the alerts already accepted (weak: forgotten with the notification).
    const accepted = new WeakMap<Notification, Set<string>>();
    return {
      name,
      type: 'json',
      async send(n, signal): Promise<SendResult> {
        const done = accepted.get(n) ?? new Set<string>();
        accepted.set(n, done);
        let last: SendResult = { outcome: 'success' };
        for (const a of n.alerts) {
          if (done.has(a.id)) continue;
          last = await postJson(deps, config.url, jsonWebhookPayload(a), signal, config.headers ?? {});
          if (last.outcome !== 'success') return last;
          done.add(a.id);
        }
        return last;
      },
      sendReport: (r, signal) => postJson(deps, config.url, r.json, signal, config.headers ?? {}),
      describe: () => `json webhook ${describeUrl(config.url)}`,
    };
  },
};
