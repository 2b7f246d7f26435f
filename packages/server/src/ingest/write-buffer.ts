import type { StoredEvent } from '@pulse/protocol';
import type { AppendBatch, EventStore, IdempotencyRecord } from '../store/types.js';
import { StoreUnavailableError } from '../store/types.js';

/** Thrown by `submit` when accepting the batch would exceed the queue bound: the route answers 429. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/** Thrown by `submit` after `close()` began: the route answers 503. */
export class ShuttingDownError extends Error {
  override readonly name = 'ShuttingDownError';
}

/**
 * A request's batch was not committed within `commitTimeoutMs` (the route answers 503 with Retry-After). When it
 * was still waiting, it was dropped; when its commit had begun, the store was told to roll back (see AppendOptions).
 */
export class CommitTimeoutError extends StoreUnavailableError {
  override readonly name = 'CommitTimeoutError';
}

/** Receives every committed batch after its waiters are answered (the fan-out, fanout/fanout.ts). */
export interface CommitSink {
  /** Must not throw or wait: it is called on the commit path. */
  publish(events: readonly StoredEvent[]): void;
}

export interface WriteBufferOptions {
  store: EventStore;
  /** Start a commit as soon as this many events wait. */
  flushMaxEvents: number;
  /** Otherwise wait at most this long for more requests to join the commit. */
  flushIntervalMs: number;
  /** Events waiting or being committed beyond which `submit` refuses. */
  maxQueuedEvents: number;
  onError?: (err: unknown) => void;
  /** A request not committed by then is answered with CommitTimeoutError (default: no limit). */
  commitTimeoutMs?: number;
  /** Where committed batches go; the fan-out queues them for its subscribers off this path. */
  sink?: CommitSink;
  /** Told about every store append (its events, seconds taken, and whether it committed): /metrics. */
  onAppend?: (events: number, seconds: number, ok: boolean) => void;
}

export interface SubmitOptions {
  /**
   * Aborting it drops the batch while it waits (nothing of it is written; `submit` rejects with the signal's reason
   * when that is a StoreUnavailableError, else with one); once its commit has begun, the commit runs to its end.
   */
  signal?: AbortSignal;
  /**
   * Called once, when the batch can no longer be written: committed, failed, dropped, or refused by `submit`. Later
   * than the answer only for a request answered by the commit timeout while its commit was running.
   */
  onSettled?: () => void;
}

interface Pending {
  batch: AppendBatch;
  /** SubmitOptions.onSettled, and the removal of the abort listener; called by `finish`. */
  settled: (() => void) | null;
  resolve: () => void;
  reject: (err: Error) => void;
  /** Answered already (by its commit or by the timeout): later outcomes only update the counters. */
  done: boolean;
  timer: NodeJS.Timeout | null;
  /** Set while its group commits, then while it is retried on its own: the timeout aborts it. */
  abort: AbortController | null;
}

/**
 * Group commit: requests hand in their validated events and wait; one commit writes everything that
 * arrived meanwhile, and only then are the waiting requests answered — so an acknowledged event is
 * durable, and commits (one fsync each) are amortised over many requests. One commit at a time; what
 * arrives during a commit forms the next one. Modelled on OpenTelemetry's BatchSpanProcessor, with
 * the difference that callers wait for the outcome.
 */
export class WriteBuffer {
  private pending: Pending[] = [];
  private pendingEvents = 0;
  private inFlightEvents = 0;
  private committing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Callers of betweenCommits() running now: no commit starts while this is above 0. */
  private holds = 0;
  private commits = 0;
  private committedEvents = 0;
  /** Events refused with QueueFullError (429) and events whose commit failed (503), since start. */
  private shedEvents = 0;
  private failedEvents = 0;

  constructor(private readonly opts: WriteBufferOptions) {}

  /** Events accepted but not yet committed. */
  get queuedEvents(): number {
    return this.pendingEvents + this.inFlightEvents;
  }

  stats(): { queuedEvents: number; commits: number; committedEvents: number; shedEvents: number; failedEvents: number; maxQueuedEvents: number } {
    return {
      queuedEvents: this.queuedEvents, commits: this.commits, committedEvents: this.committedEvents,
      shedEvents: this.shedEvents, failedEvents: this.failedEvents, maxQueuedEvents: this.opts.maxQueuedEvents,
    };
  }

  /**
   * Runs `fn` while no commit is running and none starts, so a read inside it sees exactly the batches
   * already handed to the sink — how live windows seed themselves without counting an event twice.
   * Requests keep being accepted meanwhile and commit together right after. Keep `fn` short.
   */
  async betweenCommits<T>(fn: () => Promise<T>): Promise<T> {
    this.holds++;
    try {
      while (this.committing) await this.committing;
      return await fn();
    } finally {
      this.holds--;
      if (this.holds === 0 && this.pending.length > 0) this.schedule();
    }
  }

  /** Resolves once the batch is committed; rejects with StoreUnavailableError if it could not be. */
  submit(batch: AppendBatch, options: SubmitOptions = {}): Promise<void> {
    const refuse = (err: Error): Promise<void> => {
      options.onSettled?.();
      return Promise.reject(err);
    };
    if (this.closed) return refuse(new ShuttingDownError('server is shutting down'));
    if (options.signal?.aborted) return refuse(aborted(options.signal));
    const n = batch.events.length;
    // An empty queue always takes one batch, so a single request at the size limit is never refused.
    if (this.queuedEvents > 0 && this.queuedEvents + n > this.opts.maxQueuedEvents) {
      this.shedEvents += n;
      return refuse(new QueueFullError(`write queue full (${this.queuedEvents} events waiting)`));
    }
    return new Promise<void>((resolve, reject) => {
      const p: Pending = { batch, settled: null, resolve, reject, done: false, timer: null, abort: null };
      const { signal, onSettled } = options;
      if (signal !== undefined) {
        const onAbort = (): void => {
          if (this.dequeue(p)) this.drop(p, aborted(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        p.settled = () => {
          signal.removeEventListener('abort', onAbort);
          onSettled?.();
        };
      } else if (onSettled !== undefined) {
        p.settled = onSettled;
      }
      const limit = this.opts.commitTimeoutMs;
      if (limit !== undefined) p.timer = setTimeout(() => this.timeout(p, limit), limit);
      this.pending.push(p);
      this.pendingEvents += n;
      this.schedule();
    });
  }

  /**
   * The request waited too long. Still queued: it leaves the queue (nothing of it is written). Committing:
   * the group's commit is aborted, so the store rolls back unless COMMIT itself is already running — then the
   * outcome is the store's (atomic either way; a retry with the same Idempotency-Key is answered once).
   */
  private timeout(p: Pending, limitMs: number): void {
    p.timer = null;
    if (p.done) return;
    const error = new CommitTimeoutError(`events were not committed within ${limitMs} ms`);
    if (this.dequeue(p)) {
      // Answered 503 like a failed commit, and as unstored: pulse_ingest_events_rejected_total{reason="unavailable"}.
      this.failedEvents += p.batch.events.length;
      this.drop(p, error);
      return;
    }
    p.abort?.abort();
    p.done = true;
    p.reject(error);
  }

  /** Takes a request out of the queue if its commit has not begun; false when it has. */
  private dequeue(p: Pending): boolean {
    const queued = this.pending.indexOf(p);
    if (queued < 0) return false;
    this.pending.splice(queued, 1);
    this.pendingEvents -= p.batch.events.length;
    return true;
  }

  /** Answers a request taken out of the queue: nothing of it was written. */
  private drop(p: Pending, err: Error): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    p.done = true;
    this.finish(p);
    p.reject(err);
  }

  /** The batch's fate is known: tells SubmitOptions.onSettled, once. */
  private finish(p: Pending): void {
    const settled = p.settled;
    p.settled = null;
    settled?.();
  }

  private answer(p: Pending, err?: Error): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (p.done) return;
    p.done = true;
    if (err) p.reject(err);
    else p.resolve();
  }

  private schedule(): void {
    if (this.committing) return; // the running commit picks the rest up when it ends
    if (this.pendingEvents >= this.opts.flushMaxEvents || this.opts.flushIntervalMs <= 0) {
      this.clearTimer();
      this.startCommit();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.startCommit();
      }, this.opts.flushIntervalMs);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private startCommit(): void {
    if (this.committing || this.pending.length === 0 || this.holds > 0) return;
    const group = this.pending;
    this.pending = [];
    this.inFlightEvents = this.pendingEvents;
    this.pendingEvents = 0;
    this.committing = this.commitGroup(group).finally(() => {
      this.committing = null;
      if (this.pending.length > 0) this.schedule();
    });
  }

  /** One store append, timed for onAppend. */
  private async append(batch: AppendBatch, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let ok = false;
    try {
      await this.opts.store.append(batch, { signal });
      ok = true;
    } finally {
      this.opts.onAppend?.(batch.events.length, (performance.now() - started) / 1000, ok);
    }
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    const abort = new AbortController();
    for (const p of group) p.abort = abort;
    try {
      await this.append(merge(group), abort.signal);
      this.settle(group);
    } catch (err) {
      // A timed-out group is not retried: its callers were answered, and retrying would write what they were told was not.
      if (group.length === 1 || abort.signal.aborted) {
        for (const p of group) this.fail(p, err);
        return;
      }
      // One request's batch must not sink the others': retry each on its own, with a signal of its own, so a
      // request that times out meanwhile calls off its own write only.
      for (const p of group) {
        if (p.done) {
          this.fail(p, err);
          continue;
        }
        const own = new AbortController();
        p.abort = own;
        try {
          await this.append(p.batch, own.signal);
          this.settle([p]);
        } catch (e) {
          this.fail(p, e);
        }
      }
    }
  }

  private fail(p: Pending, err: unknown): void {
    this.inFlightEvents -= p.batch.events.length;
    this.failedEvents += p.batch.events.length;
    this.finish(p);
    this.answer(p, asUnavailable(err));
    this.opts.onError?.(err);
  }

  private settle(group: Pending[]): void {
    this.commits++;
    for (const p of group) {
      // Counted out before the waiter runs, so an acknowledged client sees the room it freed.
      this.inFlightEvents -= p.batch.events.length;
      this.committedEvents += p.batch.events.length;
      // A request answered 503 by the timeout whose COMMIT still went through: stored, and published below.
      if (p.done) this.opts.onError?.(new Error(`a timed-out commit completed: ${p.batch.events.length} events stored after their request was answered 503`));
      this.finish(p);
      this.answer(p);
    }
    const sink = this.opts.sink;
    if (!sink) return;
    const events = group.length === 1 ? group[0]!.batch.events : group.flatMap((p) => p.batch.events);
    try {
      sink.publish(events);
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  /** Stops accepting, commits everything already accepted, and waits for it. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    while (this.committing || this.pending.length > 0) {
      if (!this.committing && this.holds > 0) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (!this.committing) this.startCommit();
      await this.committing;
    }
  }
}

function merge(group: Pending[]): AppendBatch {
  if (group.length === 1) return group[0]!.batch;
  const events: StoredEvent[] = [];
  const idempotency: IdempotencyRecord[] = [];
  for (const p of group) {
    for (const e of p.batch.events) events.push(e);
    if (p.batch.idempotency) for (const r of p.batch.idempotency) idempotency.push(r);
  }
  return { events, idempotency };
}

/** The rejection of a request whose signal aborted while it waited. */
function aborted(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof StoreUnavailableError) return reason;
  return new StoreUnavailableError(`the write was called off before it began${reason instanceof Error ? `: ${reason.message}` : ''}; nothing was written`);
}

function asUnavailable(err: unknown): Error {
  if (err instanceof StoreUnavailableError) return err;
  return new StoreUnavailableError(`store could not commit: ${err instanceof Error ? err.message : String(err)}`);
}
