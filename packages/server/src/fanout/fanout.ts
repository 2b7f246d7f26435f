import type { StoredEvent } from '@pulse/protocol';

/**
 * The fan-out (ARCHITECTURE.md): every committed batch is offered to each subscriber's own bounded
 * queue and handed over later, off the acknowledgement path. `publish` only appends references and
 * schedules a drain, so its cost is O(subscribers) whatever the subscribers do. A subscriber whose
 * queue is full loses the batch (counted in `dropped`); one that throws is counted in `errors` and
 * keeps receiving; an async subscriber gets its next batch only when its previous promise settles,
 * so one that hangs fills and then drops its own queue — and nobody else's.
 *
 * A subscriber that blocks the event loop synchronously would still stall the process (JavaScript
 * has one thread); handlers must be quick or async, which is why the drain hands over whole batches.
 */
export type Batch = readonly StoredEvent[];
/** `seq` numbers published batches 1, 2, 3… so a subscriber can skip what a store read already covered. */
export type SubscriberFn = (events: Batch, seq: number) => void | Promise<void>;

export interface SubscribeOptions {
  /** Events queued for this subscriber beyond which new batches are dropped. Default 100,000. */
  maxQueuedEvents?: number;
  /**
   * Also receive batches other instances committed (`publishRemote`, the cluster live feed): the live views and the
   * alert engine do; what counts this instance's own ingest does not. Default false.
   */
  remote?: boolean;
}

export interface SubscriberStats {
  name: string;
  /** Events handed to the subscriber. */
  delivered: number;
  /** Events dropped because its queue was full. */
  dropped: number;
  /** Batches whose handler threw or rejected. */
  errors: number;
  /** Events waiting in its queue now. */
  queued: number;
}

export interface Subscription {
  readonly name: string;
  stats(): SubscriberStats;
  unsubscribe(): void;
}

export interface FanOutOptions {
  /** Called with a subscriber's error; the fan-out itself never throws to the publisher. */
  onError?: (subscriber: string, err: unknown) => void;
  /** How a drain is deferred; injectable for tests. Default setImmediate. */
  defer?: (fn: () => void) => void;
}

const DEFAULT_MAX_QUEUED = 100_000;

class Subscriber implements Subscription {
  private readonly queue: Array<{ batch: Batch; seq: number }> = [];
  private head = 0;
  private queuedEvents = 0;
  private running = false;
  private scheduled = false;
  private active = true;
  private delivered = 0;
  private dropped = 0;
  private errors = 0;

  constructor(
    readonly name: string,
    private readonly fn: SubscriberFn,
    private readonly maxQueued: number,
    private readonly owner: FanOut,
    private readonly opts: FanOutOptions,
    readonly remote: boolean,
  ) {}

  offer(batch: Batch, seq: number): void {
    if (!this.active) return;
    if (this.queuedEvents > 0 && this.queuedEvents + batch.length > this.maxQueued) {
      this.dropped += batch.length;
      return;
    }
    this.queue.push({ batch, seq });
    this.queuedEvents += batch.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    (this.opts.defer ?? setImmediate)(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.active && this.head < this.queue.length) {
        const { batch, seq } = this.queue[this.head]!;
        this.queue[this.head++] = EMPTY;
        this.queuedEvents -= batch.length;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        this.delivered += batch.length;
        try {
          const r = this.fn(batch, seq);
          if (r && typeof (r as Promise<void>).then === 'function') await r;
        } catch (err) {
          this.errors++;
          this.opts.onError?.(this.name, err);
        }
      }
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
    } finally {
      this.running = false;
    }
  }

  stats(): SubscriberStats {
    return { name: this.name, delivered: this.delivered, dropped: this.dropped, errors: this.errors, queued: this.queuedEvents };
  }

  unsubscribe(): void {
    this.active = false;
    this.queue.length = 0;
    this.head = 0;
    this.queuedEvents = 0;
    this.owner.remove(this);
  }
}

const EMPTY = { batch: [] as Batch, seq: 0 };

export class FanOut {
  private subscribers: Subscriber[] = [];
  private published = 0;
  private remotePublished = 0;
  private seq = 0;

  constructor(private readonly opts: FanOutOptions = {}) {}

  subscribe(name: string, fn: SubscriberFn, opts: SubscribeOptions = {}): Subscription {
    const s = new Subscriber(name, fn, opts.maxQueuedEvents ?? DEFAULT_MAX_QUEUED, this, this.opts, opts.remote === true);
    this.subscribers = [...this.subscribers, s];
    return s;
  }

  /** Offers a committed batch to every subscriber. Never throws, never waits. */
  publish(events: Batch): void {
    if (events.length === 0) return;
    this.published += events.length;
    const seq = ++this.seq;
    for (const s of this.subscribers) s.offer(events, seq);
  }

  /**
   * Offers a batch another instance committed (cluster live feed) to the subscribers that asked for them. It takes a
   * sequence number like a local batch, so a live window seeded before it still applies it.
   */
  publishRemote(events: Batch): void {
    if (events.length === 0) return;
    this.remotePublished += events.length;
    const seq = ++this.seq;
    for (const s of this.subscribers) if (s.remote) s.offer(events, seq);
  }

  /** The sequence number of the last published batch (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  /** @internal */
  remove(s: Subscriber): void {
    this.subscribers = this.subscribers.filter((x) => x !== s);
  }

  stats(): { published: number; remotePublished: number; subscribers: SubscriberStats[] } {
    return { published: this.published, remotePublished: this.remotePublished, subscribers: this.subscribers.map((s) => s.stats()) };
  }
}
