/**
 * One channel's queue: notifications are sent in order (a resolve never overtakes its firing), each retried with
 * exponential backoff and jitter until it succeeds, fails for good, or reaches its deadline. Each channel has its
 * own queue, so a dead or slow channel holds up only itself.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Channel, Notification, SendResult } from '../types.js';
import type { DeliveryOutcome, DeliveryRecord } from './delivery-store.js';
import { stripUrls } from '../channels/http-send.js';

export interface RetryPolicy {
  /** Backoff before the 2nd attempt; doubles after each (default 1 s). */
  initialBackoffMs: number;
  /** Backoff ceiling (default 60 s). */
  maxBackoffMs: number;
  /** Each notification gives up this long after it was dispatched (default 10 min). */
  deadlineMs: number;
  /** One attempt is cut off after this long (default 10 s). */
  attemptTimeoutMs: number;
  /** Notifications waiting per channel beyond which the oldest is dropped (default 1000). */
  maxQueue: number;
}

/** The least time an attempt is given, even right at the deadline. */
const MIN_ATTEMPT_MS = 100;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialBackoffMs: 1_000, maxBackoffMs: 60_000, deadlineMs: 600_000, attemptTimeoutMs: 10_000, maxQueue: 1_000,
};

/** Backoff before attempt `attempt + 1`: "equal jitter" (half fixed, half random), at least what Retry-After asks. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
  const jittered = base / 2 + random * (base / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

export interface QueueDeps {
  policy: RetryPolicy;
  clock: Clock;
  random: () => number;
  record(r: DeliveryRecord): Promise<void>;
  /** Set when the notifier closes: backoff sleeps end and nothing more is retried. */
  closing: AbortSignal;
  /** Set when the close grace period is over: attempts in flight are aborted. */
  stopped: AbortSignal;
}

/**
 * Told, and awaited, when the queue has finished with a notification for good: delivered, or given up (a permanent
 * failure, its deadline, the queue overflowing). Not told when shutdown cut it off: that one is not finished.
 */
export type OnFinished = () => Promise<void>;

/** Told when `abandon` dropped a notification before the queue finished with it: it is not finished, nor sent here. */
export type OnAbandoned = () => void;

interface Item { notification: Notification; deadline: number; onFinished: OnFinished | undefined; onAbandoned: OnAbandoned | undefined }

export class ChannelQueue {
  private readonly items: Item[] = [];
  /** Notifications given up outside the drain (the queue overflowing) whose `onFinished` is being told. */
  private readonly finishing = new Set<Promise<void>>();
  private running: Promise<void> | null = null;
  private inFlight = false;
  /** Aborted (and replaced) by `abandon`: the delivery in flight then ends after its attempt, without a retry. */
  private abandoned = new AbortController();
  /** The notification waiting for its retry (its backoff), if one is. */
  private retrying: Item | null = null;

  constructor(readonly channel: Channel, private readonly deps: QueueDeps) {}

  get depth(): number {
    return this.items.length + (this.inFlight ? 1 : 0);
  }

  push(notification: Notification, onFinished?: OnFinished, onAbandoned?: OnAbandoned): void {
    if (this.items.length >= this.deps.policy.maxQueue) {
      const dropped = this.items.shift()!;
      const recorded = this.deps.record(this.entry(dropped.notification, 0, 'dropped', this.deps.clock.now(), 0, {
        error: `queue full (${this.deps.policy.maxQueue} waiting): oldest notification dropped`,
      }));
      // Given up for good (sending it again would overflow again); `idle()` waits for what it is told.
      if (dropped.onFinished !== undefined) this.track(recorded.then(dropped.onFinished));
      else void recorded;
    }
    this.items.push({ notification, deadline: this.deps.clock.now() + this.deps.policy.deadlineMs, onFinished, onAbandoned });
    this.start();
  }

  /**
   * This instance stopped leading: what has not started is dropped — the notifications waiting, and the retry the one
   * in flight waits for — without telling them finished (their outbox entries are the new leader's to send). An
   * attempt in flight may finish: it cannot be unsent; refused, it is not retried. Returns how many were waiting.
   */
  abandon(): number {
    const dropped = this.items.splice(0);
    this.abandoned.abort();
    this.abandoned = new AbortController();
    // The one waiting for its retry is told now too, not when its wait ends: the outbox knows it is free at once.
    for (const item of this.retrying !== null ? [this.retrying, ...dropped] : dropped) {
      const tell = item.onAbandoned;
      item.onAbandoned = undefined;
      tell?.();
    }
    this.retrying = null;
    return dropped.length;
  }

  private start(): void {
    // Started on the next turn: the first send may do synchronous work (loading the HTTP client, building a
    // payload), which must not happen inside the engine's `dispatch` call. An item pushed after the drain found the
    // queue empty but before it was marked finished starts the next drain, rather than waiting for another push.
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain()).finally(() => {
      this.running = null;
      if (this.items.length > 0) this.start();
    });
  }

  /** Resolves when the queue is empty (after `closing`, every remaining item is tried once or dropped). */
  async idle(): Promise<void> {
    while (this.running !== null || this.finishing.size > 0) await Promise.all([this.running, ...this.finishing]);
  }

  private track(p: Promise<void>): void {
    const settled = p.catch(() => undefined).finally(() => this.finishing.delete(settled));
    this.finishing.add(settled);
  }

  private async drain(): Promise<void> {
    for (let item = this.items.shift(); item !== undefined; item = this.items.shift()) {
      this.inFlight = true;
      const abandoned = this.abandoned.signal;
      try {
        if (await this.deliver(item, abandoned)) await item.onFinished?.().catch(() => undefined);
        else if (abandoned.aborted) item.onAbandoned?.();
      } finally {
        this.inFlight = false;
      }
    }
  }

  /** True when finished with for good (delivered or given up), false when shutdown or `abandon` cut it off. */
  private async deliver(item: Item, abandoned: AbortSignal): Promise<boolean> {
    const { notification: n } = item;
    for (let attempt = 1; ; attempt++) {
      const start = this.deps.clock.now();
      const remaining = item.deadline - start;
      // A retry was scheduled to start before the deadline (checked before its wait), so only a notification that
      // waited in the queue past its deadline is dropped here; a timer firing a little late still gets its attempt.
      if (this.deps.stopped.aborted || (attempt === 1 && remaining <= 0)) {
        const why = this.deps.stopped.aborted ? 'server shutting down' : 'deadline passed before it could be sent';
        await this.deps.record(this.entry(n, attempt === 1 ? 0 : attempt, attempt === 1 ? 'dropped' : 'failure', start, 0, { error: why }));
        return !this.deps.stopped.aborted;
      }
      const timeout = Math.min(this.deps.policy.attemptTimeoutMs, Math.max(remaining, MIN_ATTEMPT_MS));
      const signal = AbortSignal.any([AbortSignal.timeout(timeout), this.deps.stopped]);
      let result: SendResult;
      try {
        result = await this.channel.send(n, signal);
      } catch (err) {
        // A channel should return, not throw; a throw is treated as a transient fault of that channel.
        result = { outcome: 'retryable', error: `channel error: ${stripUrls((err as Error).message ?? String(err))}` };
      }
      const end = this.deps.clock.now();
      const duration = end - start;
      if (result.outcome === 'success') {
        await this.deps.record(this.entry(n, attempt, 'success', start, duration, { status: result.status }));
        return true;
      }
      if (result.outcome === 'failure') {
        await this.deps.record(this.entry(n, attempt, 'failure', start, duration, result));
        return true;
      }
      const wait = backoffMs(this.deps.policy, attempt, this.deps.random(), result.retryAfterMs);
      if (this.deps.closing.aborted || abandoned.aborted || end + wait >= item.deadline) {
        const why = this.deps.closing.aborted ? 'server shutting down'
          : abandoned.aborted ? 'this instance no longer leads; the leader sends it again'
          : `deadline of ${Math.round(this.deps.policy.deadlineMs / 1000)}s reached`;
        await this.deps.record(this.entry(n, attempt, 'failure', start, duration, { ...result, error: `${result.error} (gave up after ${attempt} attempts: ${why})` }));
        return !this.deps.closing.aborted && !abandoned.aborted;
      }
      await this.deps.record(this.entry(n, attempt, 'retry', start, duration, result));
      this.retrying = item;
      await sleep(wait, AbortSignal.any([this.deps.closing, abandoned]));
      if (this.retrying === item) this.retrying = null;
      if (abandoned.aborted) return false;
    }
  }

  private entry(
    n: Notification, attempt: number, outcome: DeliveryOutcome, at: number, duration: number,
    r: { status?: number; error?: string },
  ): DeliveryRecord {
    return {
      id: randomUUID(),
      project: n.alerts[0]?.project ?? 'default',
      group_key: n.groupKey,
      status: n.status,
      alert_ids: n.alerts.map((a) => a.id),
      channel: this.channel.name,
      channel_type: this.channel.type,
      target: this.channel.describe(),
      attempt,
      outcome,
      status_code: r.status ?? null,
      error: r.error ?? null,
      duration_ms: duration,
      at,
    };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
