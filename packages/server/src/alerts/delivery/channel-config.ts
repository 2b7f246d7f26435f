/**
 * The configured channels: the env ones (CONTRACT §8, named `webhook`, `discord`, `email`, `pagerduty`,
 * `alertmanager`) and the YAML `channels:` entries, each checked against its type's schema once, at start. A bad
 * entry stops the start with the YAML path of the bad field and never its value.
 */
import { z } from 'zod';
import { ConfigError } from '../../config/load.js';
import type { AlertEnvConfig } from '../../config/types.js';
import { channelDefinition, CHANNEL_TYPES } from '../channels/registry.js';
import type { EmailConfig } from '../channels/email.js';
import type { Channel, ChannelDeps } from '../types.js';

/** The channel `ALERT_WEBHOOK_URL` becomes, by `ALERT_WEBHOOK_FORMAT`. */
const WEBHOOK_TYPES = { slack: 'slack', json: 'json', alertmanager: 'alertmanager-webhook' } as const;

export interface ConfiguredChannels {
  /** Every named channel (env and YAML). */
  channels: Map<string, Channel>;
  /** The env channels: where a notification goes when neither its rule's `notify` nor a route names one. */
  defaults: string[];
  /** SMTP settings for e-mail addresses in `notify` (the env SMTP server, else the first YAML email channel's). */
  smtp: Omit<EmailConfig, 'to'> | null;
}

function build(name: string, type: string, raw: unknown, deps: ChannelDeps, where: string): { channel: Channel; config: unknown } {
  const def = channelDefinition(type);
  if (def === undefined) throw new ConfigError(`${where}.type: unknown channel type "${type}" (one of ${CHANNEL_TYPES.join(', ')})`);
  const r = def.schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    // The message only: zod's messages name the expectation, never the received value.
    throw new ConfigError(`${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
  }
  return { channel: def.create(name, r.data, deps), config: r.data };
}

function envEntries(cfg: AlertEnvConfig): { name: string; type: string; config: Record<string, unknown>; env: string }[] {
  const out: { name: string; type: string; config: Record<string, unknown>; env: string }[] = [];
  if (cfg.webhookUrl) out.push({ name: 'webhook', type: WEBHOOK_TYPES[cfg.webhookFormat], config: { url: cfg.webhookUrl }, env: 'ALERT_WEBHOOK_URL' });
  if (cfg.discordWebhook) out.push({ name: 'discord', type: 'discord', config: { url: cfg.discordWebhook }, env: 'ALERT_DISCORD_WEBHOOK' });
  if (cfg.emailSmtp && cfg.emailRecipients.length > 0) out.push({ name: 'email', type: 'email', config: { ...envSmtp(cfg), to: cfg.emailRecipients }, env: 'ALERT_EMAIL_*' });
  if (cfg.pagerdutyRoutingKey) {
    out.push({ name: 'pagerduty', type: 'pagerduty', config: { routing_key: cfg.pagerdutyRoutingKey, url: cfg.pagerdutyEventsUrl }, env: 'PAGERDUTY_*' });
  }
  if (cfg.alertmanagerUrl) out.push({ name: 'alertmanager', type: 'alertmanager', config: { url: cfg.alertmanagerUrl }, env: 'ALERTMANAGER_URL' });
  return out;
}

function envSmtp(cfg: AlertEnvConfig): Record<string, unknown> {
  return {
    host: cfg.emailSmtp,
    ...(cfg.emailPort !== null ? { port: cfg.emailPort } : {}),
    ...(cfg.emailUsername ? { username: cfg.emailUsername } : {}),
    ...(cfg.emailPassword ? { password: cfg.emailPassword } : {}),
    ...(cfg.emailFrom ? { from: cfg.emailFrom } : {}),
  };
}

const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function configureChannels(cfg: AlertEnvConfig, deps: ChannelDeps): ConfiguredChannels {
  const channels = new Map<string, Channel>();
  const defaults: string[] = [];
  let smtp: Omit<EmailConfig, 'to'> | null = null;
  for (const e of envEntries(cfg)) {
    channels.set(e.name, build(e.name, e.type, e.config, deps, e.env).channel);
    defaults.push(e.name);
  }
  if (cfg.emailSmtp) {
    // Validated with a placeholder recipient: `notify` supplies the real ones.
    const { to: _to, ...base } = build('email', 'email', { ...envSmtp(cfg), to: ['check@example.com'] }, deps, 'ALERT_EMAIL_*').config as EmailConfig;
    smtp = base;
  }
  for (const [name, raw] of Object.entries(cfg.channels)) {
    const where = `channels.${name}`;
    if (!CHANNEL_NAME.test(name)) throw new ConfigError(`${where}: a channel name is letters, digits, '_', '.' or '-' (at most 64)`);
    if (channels.has(name)) throw new ConfigError(`${where}: the name "${name}" is taken by a channel configured from the environment`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${where}: expected a mapping with a type`);
    const { type, ...rest } = raw as Record<string, unknown>;
    if (typeof type !== 'string') throw new ConfigError(`${where}.type: required (one of ${CHANNEL_TYPES.join(', ')})`);
    const built = build(name, type, rest, deps, where);
    channels.set(name, built.channel);
    if (type === 'email' && smtp === null) {
      const { to: _to, ...base } = built.config as EmailConfig;
      smtp = base;
    }
  }
  return { channels, defaults, smtp };
}

/** Severity names a route may use; `warning` reads as `medium` (CONTRACT §8). */
const severity = z.enum(['info', 'low', 'medium', 'high', 'critical', 'warning']).transform((s) => (s === 'warning' ? 'medium' : s));
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const routeSchema = z.object({
  /** Matches when the notification's most severe alert has one of these severities. */
  severity: oneOrMany(severity).optional(),
  /** Matches when every one of these labels equals the notification's common label. */
  labels: z.record(z.string(), z.string()).optional(),
  /** Matches a rule by id or name. */
  rule: oneOrMany(z.string().min(1)).optional(),
  /** Channel names, e-mail addresses or webhook URLs, like a rule's `notify`. */
  channels: z.array(z.string().min(1)).min(1),
  /** Keep evaluating later routes after this one matched (Alertmanager's `continue`). */
  continue: z.boolean().default(false),
}).strict();
export type Route = z.output<typeof routeSchema>;

export function parseRoutes(raw: unknown[], known: (entry: string) => boolean): Route[] {
  return raw.map((r, i) => {
    const parsed = routeSchema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`routes[${i}]${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`);
    }
    parsed.data.channels.forEach((c, j) => {
      if (!known(c)) throw new ConfigError(`routes[${i}].channels[${j}]: no channel named "${c}" (and not an e-mail address or URL)`);
    });
    return parsed.data;
  });
}
