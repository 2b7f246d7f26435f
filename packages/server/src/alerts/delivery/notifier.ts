/**
 * The `Notifier` the alert engine hands notifications to. `dispatch` only routes and enqueues (synchronously, no
 * I/O), so evaluation never waits for a channel; each channel's queue delivers, retries and records every attempt.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { emailChannel } from '../channels/email.js';
import { channelDefinition } from '../channels/registry.js';
import type { Channel, ChannelDeps, DispatchReceipt, Notification, Notifier } from '../types.js';
import type { ConfiguredChannels, Route } from './channel-config.js';
import { ChannelQueue, DEFAULT_RETRY_POLICY, type RetryPolicy } from './channel-queue.js';
import type { DeliveryOutcome, DeliveryRecord, DeliveryStore } from './delivery-store.js';
import { classifyNotifyEntry, targetEntries, urlChannelName } from './routing.js';

export interface DeliveryStats {
  /** Attempts since start, by channel and outcome (for the Prometheus exporter). */
  attempts: { channel: string; type: string; outcome: DeliveryOutcome; count: number }[];
  /** Notifications waiting or in flight, by channel. */
  queued: { channel: string; count: number }[];
}

export interface DeliveryNotifierOptions {
  configured: ConfiguredChannels;
  routes: Route[];
  store: DeliveryStore;
  channelDeps: ChannelDeps;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'debug' | 'error'>;
  policy?: Partial<RetryPolicy>;
  random?: () => number;
  /** How long `close()` lets attempts in flight finish before aborting them (default 5 s). */
  closeGraceMs?: number;
  /** Told about every attempt (channel type and outcome) — `/metrics`. */
  onAttempt?: (channelType: string, outcome: DeliveryOutcome) => void;
}

/** A target that cannot be delivered to (an unknown channel name, an e-mail address without SMTP settings). */
function unavailable(name: string, error: string): Channel {
  return {
    name,
    type: 'unavailable',
    send: async () => ({ outcome: 'failure', error }),
    describe: () => 'not configured',
  };
}

export class DeliveryNotifier implements Notifier {
  private readonly queues = new Map<string, ChannelQueue>();
  /** Channels made for `notify` e-mail addresses and URLs, by name. */
  private readonly adHoc = new Map<string, Channel>();
  private readonly counts = new Map<string, { channel: string; type: string; outcome: DeliveryOutcome; count: number }>();
  private readonly closing = new AbortController();
  private readonly stopped = new AbortController();
  private readonly policy: RetryPolicy;
  private closed: Promise<void> | null = null;
  /** When each refreshing channel (refreshEveryMs) last got each group (`channel\u0000group`), while it fires. */
  private readonly heard = new Map<string, number>();
  /** Receipts being told that are not in any queue. */
  private readonly telling = new Set<Promise<void>>();

  constructor(private readonly o: DeliveryNotifierOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...o.policy };
  }

  dispatch(n: Notification, receipt?: DispatchReceipt): void {
    if (this.closing.signal.aborted) {
      // With a receipt, its outbox entry stays: it is sent at the next start.
      this.o.logger.warn({ group: n.groupKey, status: n.status }, 'alert notification after shutdown began: not sent');
      return;
    }
    const all = this.resolve(n);
    if (all.length === 0) this.o.logger.warn({ group: n.groupKey, status: n.status, alerts: n.alerts.length }, 'alert notification: no channel configured');
    // Sent again (a restart): the channels that already finished with it are skipped.
    const channels = receipt === undefined ? all : all.filter((c) => !receipt.done.includes(c.name));
    if (receipt !== undefined && channels.length === 0) {
      this.track(receipt.allDone());
      return;
    }
    let left = channels.length;
    for (const channel of channels) {
      this.queue(channel).push(n, receipt && (() => (--left === 0 ? receipt.allDone() : receipt.channelDone(channel.name))), receipt && (() => receipt.abandoned?.()));
      if (channel.refreshEveryMs !== undefined) this.noteHeard(channel, n);
    }
  }

  /** A receipt told outside any queue (nothing to send): `idle()` waits for it too. */
  private track(p: Promise<void>): void {
    const settled = p.catch((err: unknown) => this.o.logger.error({ err }, 'alert notification: cannot record its end')).finally(() => this.telling.delete(settled));
    this.telling.add(settled);
  }

  refresh(n: Notification): void {
    if (this.closing.signal.aborted) return;
    const now = this.o.clock.now();
    for (const channel of this.resolve(n)) {
      if (channel.refreshEveryMs === undefined) continue;
      const last = this.heard.get(`${channel.name}\u0000${n.groupKey}`);
      if (last !== undefined && now - last < channel.refreshEveryMs) continue;
      this.queue(channel).push(n);
      this.noteHeard(channel, n);
    }
  }

  private noteHeard(channel: Channel, n: Notification): void {
    const key = `${channel.name}\u0000${n.groupKey}`;
    if (n.status === 'resolved') this.heard.delete(key);
    else this.heard.set(key, this.o.clock.now());
  }

  /**
   * This instance stopped leading: every queue drops what waits (its turn, or a retry) without finishing it — the
   * leader sends it from the outbox, and this instance again from there should it lead again. Refreshes go too.
   */
  abandon(): void {
    let dropped = 0;
    for (const q of this.queues.values()) dropped += q.abandon();
    this.heard.clear();
    if (dropped > 0) this.o.logger.warn({ notifications: dropped }, 'alert notifications not sent: this instance no longer leads (the leader sends them)');
  }

  channelNames(): string[] {
    return [...this.o.configured.channels.keys()];
  }

  /** Each named channel and where it sends (`describe()`: never a secret). */
  describeChannels(): { name: string; type: string; target: string; default: boolean }[] {
    return [...this.o.configured.channels.values()].map((c) => ({
      name: c.name, type: c.type, target: c.describe(), default: this.o.configured.defaults.includes(c.name),
    }));
  }

  stats(): DeliveryStats {
    return {
      attempts: [...this.counts.values()].map((c) => ({ ...c })),
      queued: [...this.queues.values()].map((q) => ({ channel: q.channel.name, count: q.depth })),
    };
  }

  /** Resolves when every queue is empty and every receipt told (tests, and `close`). */
  async idle(): Promise<void> {
    do {
      await Promise.all([...this.queues.values()].map((q) => q.idle()));
      await Promise.all([...this.telling]);
    } while ([...this.queues.values()].some((q) => q.depth > 0) || this.telling.size > 0);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      const grace = setTimeout(() => this.stopped.abort(), this.o.closeGraceMs ?? 5_000);
      try {
        await this.idle();
      } finally {
        clearTimeout(grace);
      }
    })();
    return this.closed;
  }

  /** The channels for a notification, created on first use for `notify` addresses and URLs. */
  resolve(n: Notification): Channel[] {
    return this.channelsFor(targetEntries(n, this.o.routes, this.o.configured.defaults));
  }

  /**
   * The channels `notify` entries (channel names, e-mail addresses, URLs) name — for scheduled reports, which have a
   * `notify` list but no labels to route on; an empty list means the default (env) channels.
   */
  channelsFor(entries: readonly string[]): Channel[] {
    const { channels, defaults } = this.o.configured;
    const out = new Map<string, Channel>();
    const emails: string[] = [];
    for (const entry of entries.length > 0 ? entries : defaults) {
      const t = classifyNotifyEntry(entry);
      if (t.kind === 'email') emails.push(t.address.toLowerCase());
      else if (t.kind === 'channel') out.set(t.name, channels.get(t.name) ?? unavailable(t.name, `no channel named "${t.name}"`));
      else {
        const name = urlChannelName(t.type, t.url);
        out.set(name, this.adHocChannel(name, () => channelDefinition(t.type)!.create(name, { url: t.url }, this.o.channelDeps)));
      }
    }
    if (emails.length > 0) {
      const to = [...new Set(emails)].sort();
      const name = `email:${to.join(',')}`;
      const smtp = this.o.configured.smtp;
      out.set(name, smtp === null
        ? unavailable(name, 'no SMTP server configured (ALERT_EMAIL_SMTP or an email entry under channels:)')
        : this.adHocChannel(name, () => emailChannel.create(name, { ...smtp, to }, this.o.channelDeps)));
    }
    return [...out.values()];
  }

  private adHocChannel(name: string, make: () => Channel): Channel {
    let c = this.adHoc.get(name);
    if (c === undefined) {
      c = make();
      this.adHoc.set(name, c);
    }
    return c;
  }

  private queue(channel: Channel): ChannelQueue {
    let q = this.queues.get(channel.name);
    if (q === undefined) {
      q = new ChannelQueue(channel, {
        policy: this.policy,
        clock: this.o.clock,
        random: this.o.random ?? Math.random,
        record: (r) => this.record(r),
        closing: this.closing.signal,
        stopped: this.stopped.signal,
      });
      this.queues.set(channel.name, q);
    }
    return q;
  }

  private async record(r: DeliveryRecord): Promise<void> {
    const key = `${r.channel}\u0000${r.outcome}`;
    const c = this.counts.get(key) ?? { channel: r.channel, type: r.channel_type, outcome: r.outcome, count: 0 };
    c.count++;
    this.counts.set(key, c);
    this.o.onAttempt?.(r.channel_type, r.outcome);
    const fields = {
      channel: r.channel, target: r.target, group: r.group_key, status: r.status, attempt: r.attempt,
      outcome: r.outcome, status_code: r.status_code, error: r.error, duration_ms: r.duration_ms,
    };
    if (r.outcome === 'failure' || r.outcome === 'dropped') this.o.logger.warn(fields, 'alert delivery failed');
    else this.o.logger.debug(fields, r.outcome === 'retry' ? 'alert delivery will be retried' : 'alert delivered');
    try {
      await this.o.store.record(r);
    } catch (err) {
      this.o.logger.error({ err, channel: r.channel }, 'alert delivery: cannot record the attempt');
    }
  }
}
