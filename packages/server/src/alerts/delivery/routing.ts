/**
 * Which channels a notification goes to: its rule's `notify` entries (channel names, e-mail addresses, webhook
 * URLs) plus the channels of the matching routes; when that is nothing, the env channels.
 */
import { createHash } from 'node:crypto';
import type { Route } from './channel-config.js';
import { topSeverity } from '../channels/format.js';
import type { Notification } from '../types.js';

export type NotifyTarget =
  | { kind: 'channel'; name: string }
  | { kind: 'email'; address: string }
  | { kind: 'url'; url: string; type: 'slack' | 'discord' | 'json' };

const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;

/** The webhook format a URL implies: Slack's and Discord's webhook hosts, else the generic JSON webhook. */
export function webhookTypeFor(url: URL): 'slack' | 'discord' | 'json' {
  const host = url.hostname.toLowerCase();
  if (host === 'hooks.slack.com') return 'slack';
  if (/^((ptb|canary)\.)?discord(app)?\.com$/.test(host) && url.pathname.startsWith('/api/webhooks/')) return 'discord';
  return 'json';
}

/** Reads one `notify` entry. Exported for the rule validator (`pulse check`, the rules API). */
export function classifyNotifyEntry(entry: string): NotifyTarget {
  const s = entry.trim();
  if (/^https?:\/\//i.test(s)) {
    try {
      const url = new URL(s);
      return { kind: 'url', url: s, type: webhookTypeFor(url) };
    } catch {
      // Not a URL after all: treated as a (missing) channel name and reported as such.
    }
  }
  if (EMAIL.test(s)) return { kind: 'email', address: s.replace(/^mailto:/i, '') };
  return { kind: 'channel', name: s };
}

/**
 * A `notify` entry as shown where its secret must not be: a URL by its channel's name (`urlChannelName`), a string
 * that starts like a URL but does not parse as one masked too (it may still hold a token), anything else as it is.
 */
export function safeNotifyEntry(entry: string): string {
  const t = classifyNotifyEntry(entry);
  if (t.kind === 'url') return urlChannelName(t.type, t.url);
  return /^\s*https?:\/\//i.test(entry) ? '(invalid URL)' : entry;
}

/** The name a `notify` URL's channel is known by: type, host and a hash; the URL itself (its secret) never shows. */
export function urlChannelName(type: string, url: string): string {
  const host = new URL(url).host;
  return `${type}:${host}#${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
}

export function routeMatches(route: Route, n: Notification): boolean {
  const first = n.alerts[0];
  if (route.severity && !route.severity.includes(topSeverity(n))) return false;
  if (route.rule && !(first && (route.rule.includes(first.rule) || route.rule.includes(first.rule_name)))) return false;
  if (route.labels) {
    for (const [k, v] of Object.entries(route.labels)) {
      const actual = n.commonLabels[k] ?? n.groupLabels[k] ?? (k === 'severity' ? topSeverity(n) : k === 'project' ? first?.project : undefined);
      if (actual !== v) return false;
    }
  }
  return true;
}

/** The `notify`-style entries a notification goes to, in order, without duplicates. */
export function targetEntries(n: Notification, routes: readonly Route[], defaults: readonly string[]): string[] {
  const entries = [...n.notify];
  for (const route of routes) {
    if (!routeMatches(route, n)) continue;
    entries.push(...route.channels);
    if (!route.continue) break;
  }
  return [...new Set(entries.length > 0 ? entries : defaults)];
}
