import type { StoredEvent } from '@pulse/protocol';
import { DEFAULT_LIMITS, decodeMessage, encodeBatch, type LiveCodecLimits } from './live-codec.js';
import type { LiveFeed, LiveFeedStats } from './types.js';

export interface PgLiveFeedOptions {
  instance: string;
  /** The channel (LIVE_CHANNEL). */
  channel: string;
  /** Sends notifications: one statement, one transaction, for all of them (`pg_notify` over `unnest`). */
  notify: (channel: string, messages: string[]) => Promise<unknown>;
  limits?: Partial<LiveCodecLimits>;
  /** Events waiting to be shared at most; beyond, new batches are dropped and counted (default 20,000). */
  maxQueuedEvents?: number;
  onError?: (err: Error, what: string) => void;
}

/**
 * The live feed across instances through PostgreSQL NOTIFY: each instance sends the events it committed, packed into
 * notifications below PostgreSQL's 8000-byte limit, and hears the others' on its LISTEN session. Delivery is what
 * NOTIFY gives: at commit, in order per sender, to sessions listening then — an instance whose LISTEN session is down
 * misses what was sent meanwhile (the live views are then short of those events until their windows age out).
 * Sending is serial and never blocks ingest: batches committed while a send is in flight go out together next.
 */
export class PgLiveFeed implements LiveFeed {
  private queue: StoredEvent[][] = [];
  private queued = 0;
  private sending: Promise<void> | null = null;
  private closed = false;
  private readonly listeners = new Set<(batch: readonly StoredEvent[]) => void>();
  private readonly limits: LiveCodecLimits;
  private readonly counts: LiveFeedStats = { sent: 0, messages: 0, received: 0, dropped: 0, trimmed: 0 };

  constructor(private readonly options: PgLiveFeedOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  publish(batch: readonly StoredEvent[]): void {
    if (this.closed || batch.length === 0) return;
    if (this.queued + batch.length > (this.options.maxQueuedEvents ?? 20_000)) {
      this.counts.dropped += batch.length;
      return;
    }
    this.queue.push(batch as StoredEvent[]);
    this.queued += batch.length;
    this.sending ??= this.drain();
  }

  /** A notification heard on the LISTEN session (null: some may have been missed; nothing to do). */
  hear(payload: string | null): void {
    if (payload === null || this.closed) return;
    const msg = decodeMessage(payload);
    if (msg === null || msg.instance === this.options.instance || msg.events.length === 0) return;
    this.counts.received += msg.events.length;
    for (const fn of this.listeners) {
      try {
        fn(msg.events);
      } catch (err) {
        this.options.onError?.(err as Error, 'live feed subscriber');
      }
    }
  }

  onRemote(fn: (batch: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  stats(): LiveFeedStats {
    return { ...this.counts };
  }

  /** Resolves once everything queued was sent (tests). */
  async flushed(): Promise<void> {
    while (this.sending !== null) await this.sending;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
  }

  private async drain(): Promise<void> {
    try {
      await null; // so `sending` is set before this can finish
      while (this.queue.length > 0) {
        const batches = this.queue;
        this.queue = [];
        const events = batches.flat();
        this.queued -= events.length;
        const { messages, trimmed, oversize } = encodeBatch(this.options.instance, events, this.limits);
        this.counts.trimmed += trimmed;
        this.counts.dropped += oversize;
        if (messages.length === 0) continue;
        try {
          await this.options.notify(this.options.channel, messages);
          this.counts.sent += events.length - oversize;
          this.counts.messages += messages.length;
        } catch (err) {
          this.counts.dropped += events.length - oversize;
          this.options.onError?.(err as Error, 'live feed: sending to the other instances');
        }
      }
    } finally {
      this.sending = null;
    }
  }
}
