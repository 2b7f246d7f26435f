import { randomUUID } from 'node:crypto';
import type { EventInput } from '@pulse/protocol';
import type { Batch } from './batch.js';
import { CardinalityGuard } from './cardinality.js';
import { Counters } from './counters.js';
import { deliver } from './delivery.js';
import type { DeliveryContext } from './delivery.js';
import { encodeBatch } from './http-sender.js';
import { ThrottledLog } from './log.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions } from './options.js';
import { RingQueue } from './ring-queue.js';
import { SAMPLE_RATE_ATTRIBUTE, sampleRate } from './sampling.js';
import { Spool } from './spool.js';
import type { SpoolEntry } from './spool.js';
import type { ClientStats, PulseClientOptions } from './types.js';
import { validateEvent } from './validate.js';
import { LIMITS } from '@pulse/protocol';

interface Waiter {
  target: number;
  resolve: (done: boolean) => void;
}

/** A spooled batch waiting its turn; `minSeq` 0 for batches spooled by an earlier process. */
interface Backlogged {
  entry: SpoolEntry;
  minSeq: number;
}

/** Spill writes in progress at once when the queue overflows; beyond that, new events are dropped. */
const MAX_PENDING_SPILLS = 2;

/**
 * The batching transport (model: OpenTelemetry's BatchSpanProcessorBase). `track()` validates, samples
 * and enqueues in O(1) and never throws; batches leave when `batchSize` events are waiting or
 * `flushIntervalMs` after the first one; each is gzip'd with its own Idempotency-Key and retried with
 * backoff on network errors, 429 and 5xx. See docs/sdk.md for the guarantees.
 */
export class PulseClient {
  private readonly o: ResolvedOptions;
  private readonly queue: RingQueue<EventInput>;
  private readonly counters = new Counters();
  private readonly guard: CardinalityGuard;
  private readonly log: ThrottledLog;
  private readonly spool: Spool | undefined;
  private readonly spoolReady: Promise<void>;
  private readonly abort = new AbortController();
  private readonly ctx: DeliveryContext;
  private ready: Backlogged[] = [];
  private parked: Backlogged[] = [];
  private readonly active = new Set<{ minSeq: number }>();
  private pendingSpills = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  /** Events up to this push number go out now, in partial batches if need be (timer, flush, shutdown). */
  private forceUntil = 0;
  private waiters: Waiter[] = [];
  private idleWaiters: (() => void)[] = [];
  private closing = false;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: PulseClientOptions = {}) {
    this.o = resolveOptions(options);
    this.queue = new RingQueue(this.o.maxQueueSize);
    this.guard = new CardinalityGuard(this.o.maxAttributeCardinality);
    this.log = new ThrottledLog(this.o.logger);
    this.spool = this.o.spoolDir ? new Spool(this.o.spoolDir, this.o.spoolMaxBytes) : undefined;
    this.ctx = {
      sender: { endpoint: this.o.endpoint, apiKey: this.o.apiKey, fetch: this.o.fetch, requestTimeoutMs: this.o.requestTimeoutMs },
      spool: this.spool,
      maxRetries: this.o.maxRetries,
      initialBackoffMs: this.o.initialBackoffMs,
      maxBackoffMs: this.o.maxBackoffMs,
      maxRetryAfterMs: this.o.maxRetryAfterMs,
      signal: this.abort.signal,
      counters: this.counters,
      log: this.log,
      onParked: (batch) => {
        if (batch.spool) this.parked.push({ entry: batch.spool, minSeq: batch.minSeq });
      },
      onHealthy: () => this.unpark(),
    };
    this.spoolReady = this.loadSpool();
  }

  /**
   * Queues one event. O(1), synchronous, never throws, never waits on the network. Returns whether
   * the event will be sent: false when it is invalid, sampled out, or dropped (see `stats()`).
   */
  track(event: EventInput): boolean {
    try {
      return this.enqueue(event);
    } catch (err) {
      this.counters.drop('internal_error');
      this.log.warn('internal_error', { err: (err as Error)?.message }, 'pulse: track failed');
      return false;
    }
  }

  private enqueue(input: EventInput): boolean {
    this.counters.tracked++;
    if (this.closing) {
      this.counters.drop('shutdown');
      return false;
    }
    // Sampled before validation, so the events a rate throws away cost no schema check or copy.
    // Errors (by status, type or error_type) are always kept.
    const rate = sampleRate(
      this.o.sampling,
      String(input?.type),
      input?.status === 'error' || input?.type === 'error' || input?.error_type !== undefined,
    );
    if (rate === 0) {
      this.counters.sampledOut++;
      return false;
    }
    const checked = validateEvent(input, Date.now());
    if (!checked.ok) {
      this.counters.drop('invalid_event');
      this.log.warn(`invalid:${checked.field}`, { field: checked.field, why: checked.reason }, 'pulse: invalid event dropped');
      return false;
    }
    const event = checked.event;
    for (const key in this.o.defaults) {
      const k = key as keyof EventInput;
      if (event[k] !== undefined) continue;
      const v = this.o.defaults[k];
      // Objects (attributes, phases) are copied: the guard and sampling below write into the event's own.
      (event as unknown as Record<string, unknown>)[k] = typeof v === 'object' && v !== null ? { ...v } : v;
    }
    if (event.attributes) this.guard.apply(event.attributes);
    if (rate < 1) {
      const attrs = (event.attributes ??= {});
      if (Object.keys(attrs).length < LIMITS.maxAttributes) attrs[SAMPLE_RATE_ATTRIBUTE] = rate;
    }
    if (!this.queue.push(event) && !(this.spillOldest() && this.queue.push(event))) {
      this.counters.drop('queue_full');
      this.log.warn('queue_full', { maxQueueSize: this.o.maxQueueSize }, 'pulse: queue full, event dropped');
      return false;
    }
    if (this.queue.length >= this.o.batchSize && this.active.size < this.o.maxConcurrentRequests) this.schedulePump();
    else if (!this.timer) this.startTimer();
    return true;
  }

  /**
   * Resolves once every event tracked before the call has been sent, dropped, or (with a spool) is
   * safe on disk. With `timeoutMs`, resolves false if that takes longer.
   */
  async flush(timeoutMs?: number): Promise<boolean> {
    await this.spoolReady;
    const target = this.queue.lastSeq;
    this.forceUntil = Math.max(this.forceUntil, target);
    this.schedulePump();
    if (this.settled(target)) return true;
    const done = new Promise<boolean>((resolve) => this.waiters.push({ target, resolve }));
    if (timeoutMs === undefined) return done;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Flushes, waiting at most `shutdownTimeoutMs`; then stops. What is still undelivered goes to the
   * spool when there is one, else it is dropped and counted. Idempotent: every call gets the same promise.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close();
    return this.shutdownPromise;
  }

  stats(): ClientStats {
    return {
      tracked: this.counters.tracked,
      queued: this.queue.length,
      sent: this.counters.sent,
      sampledOut: this.counters.sampledOut,
      cardinalityLimited: this.guard.limited,
      dropped: this.counters.dropped(),
      requests: this.counters.requests,
      retries: this.counters.retries,
      batchesInFlight: this.active.size,
      spool: {
        enabled: this.spool !== undefined,
        files: this.spool?.fileCount ?? 0,
        bytes: this.spool?.bytes ?? 0,
        events: this.spool?.events ?? 0,
      },
    };
  }

  private async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const flushed = await this.flush(this.o.shutdownTimeoutMs);
    if (!flushed) {
      this.abort.abort();
      while (this.active.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      while (this.queue.length > 0) await this.spill(this.takeBatch(), 'shutdown_timeout');
    }
    for (const w of this.waiters.splice(0)) w.resolve(false);
    this.o.closeFetch();
  }

  private async loadSpool(): Promise<void> {
    if (!this.spool) return;
    try {
      const entries = await this.spool.init();
      this.ready.push(...entries.map((entry) => ({ entry, minSeq: 0 })));
      this.schedulePump();
    } catch (err) {
      this.log.warn('spool_unavailable', { dir: this.o.spoolDir, err: (err as Error).message }, 'pulse: spool unavailable');
    }
  }

  private takeBatch(): Batch {
    const minSeq = this.queue.headSeq;
    const events = this.queue.shift(this.o.batchSize);
    return { key: randomUUID(), count: events.length, minSeq, events };
  }

  /**
   * Queue full and a spool configured: the oldest batch goes to disk instead of losing new events, and waits there
   * to be sent (a flush, and so shutdown, waits for it as for any batch not yet sent).
   */
  private spillOldest(): boolean {
    if (!this.spool || this.pendingSpills >= MAX_PENDING_SPILLS) return false;
    void this.spill(this.takeBatch(), 'spool_full', true).then(() => this.schedulePump());
    return true;
  }

  /**
   * Writes a batch to the spool (or drops it, counted, without one). With `resend`, the written batch joins the
   * batches to send before this one stops counting as in flight: no flush can see it as neither sent nor waiting.
   */
  private async spill(batch: Batch, dropReason: string, resend = false): Promise<Backlogged | undefined> {
    this.pendingSpills++;
    const marker = { minSeq: batch.minSeq };
    this.active.add(marker);
    try {
      if (this.spool) {
        const { body } = await encodeBatch(batch.events ?? []);
        const entry = await this.spool.write(batch.key, batch.count, body);
        if (entry) {
          const backlogged = { entry, minSeq: batch.minSeq };
          if (resend) this.ready.push(backlogged);
          return backlogged;
        }
      }
      this.counters.drop(dropReason, batch.count);
      return undefined;
    } catch (err) {
      this.counters.drop('spool_write_failed', batch.count);
      this.log.warn('spool_write_failed', { err: (err as Error).message }, 'pulse: could not write to the spool');
      return undefined;
    } finally {
      this.pendingSpills--;
      this.active.delete(marker);
      this.checkWaiters();
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    while (!this.abort.signal.aborted && this.active.size - this.pendingSpills < this.o.maxConcurrentRequests) {
      const batch = this.nextBatch();
      if (!batch) break;
      this.run(batch);
    }
    this.checkWaiters();
    if (!this.timer) this.startTimer();
  }

  private nextBatch(): Batch | undefined {
    const spooled = this.ready.shift();
    if (spooled) {
      const { entry, minSeq } = spooled;
      return { key: entry.key, count: entry.count, minSeq, spool: entry };
    }
    const q = this.queue;
    if (q.length >= this.o.batchSize || (q.length > 0 && (q.headSeq <= this.forceUntil || this.closing))) {
      return this.takeBatch();
    }
    return undefined;
  }

  private run(batch: Batch): void {
    const marker = { minSeq: batch.minSeq };
    this.active.add(marker);
    deliver(batch, this.ctx)
      .catch((err: unknown) => {
        this.counters.drop('internal_error', batch.count);
        this.log.warn('internal_error', { err: (err as Error)?.message }, 'pulse: delivery failed');
      })
      .finally(() => {
        this.active.delete(marker);
        this.checkWaiters();
        this.schedulePump();
      });
  }

  private startTimer(): void {
    if (this.closing || (this.queue.length === 0 && this.parked.length === 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.forceUntil = Math.max(this.forceUntil, this.queue.lastSeq);
      this.unpark();
      this.pump();
    }, this.o.flushIntervalMs);
    this.timer.unref();
  }

  private unpark(): void {
    if (this.parked.length === 0) return;
    this.ready.push(...this.parked.splice(0));
    this.schedulePump();
  }

  private settled(target: number): boolean {
    if (this.queue.length > 0 && this.queue.headSeq <= target) return false;
    for (const a of this.active) if (a.minSeq <= target) return false;
    for (const b of this.ready) if (b.minSeq <= target) return false;
    return true;
  }

  private checkWaiters(): void {
    if (this.active.size === 0 && this.idleWaiters.length > 0) for (const r of this.idleWaiters.splice(0)) r();
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.settled(w.target)) w.resolve(true);
      else this.waiters.push(w);
    }
  }
}
