/**
 * What both sets of rollups of the embedded file share (the hourly/daily rollups: rollups.ts; the user rollups:
 * analytics/user-rollups/maintain.ts): in-memory accumulators fed with every batch the event store commits, in commit
 * order, bounded in rows and bytes — and the catch-up that writes them. A catch-up first rolls up from the table, in
 * slices, the events past the watermark that memory does not hold (a backlog from before this process, or a range
 * whose accumulator was dropped), then drains the held accumulators in seq order.
 */
import type { PluckedColumns } from './event-columns.js';

/** A batch as the event store committed it: its columns as read, chunk by chunk. */
export type CommittedChunks = ReadonlyArray<{ columns: PluckedColumns; count: number }>;

/** An accumulator of a contiguous seq range (`fromSeq`..`toSeq`; `toSeq = fromSeq - 1` when empty). */
export interface SeqAccumulator {
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Distinct rows held. */
  readonly size: number;
  /** Estimated heap bytes held. */
  readonly bytes: number;
}

export interface HeldBounds {
  /** Rows held in all past which every accumulator is dropped (its events are then rolled up from the table). */
  maxRows: number;
  /** Estimated bytes held in all past which every accumulator is dropped; a write starts at a quarter of it. */
  maxBytes: number;
  /** Rows at which an accumulator is full: a write starts at once, and later batches go to a new accumulator. */
  writeAtRows: number;
  /** Events held at which a write starts at once (default: no bound), however few rows they make. */
  writeAtEvents?: number;
}

export interface HeldOptions<A extends SeqAccumulator> {
  /** An empty accumulator whose first event will be `fromSeq`. */
  create: (fromSeq: number) => A;
  /** Adds `count` events numbered from `firstSeq` to `acc`. */
  add: (acc: A, columns: PluckedColumns, count: number, firstSeq: number) => void;
  bounds: HeldBounds;
  /** Starts a write before the task's next run (null: not now, e.g. closed). Its failure is the next run's to retry. */
  writeEarly: () => Promise<unknown> | null;
}

export class HeldAccumulators<A extends SeqAccumulator> {
  /** The accumulator being filled (null until the first batch, or after a drop). */
  private current: A | null = null;
  /** Full accumulators waiting for a write, oldest first: consecutive seq ranges, before `current`'s. */
  private full: A[] = [];
  private early: Promise<unknown> | null = null;

  /** The bounds in force (tests lower them). */
  readonly bounds: HeldBounds;

  constructor(private readonly o: HeldOptions<A>) {
    this.bounds = { ...o.bounds };
  }

  /**
   * A batch just committed, numbered from `firstSeq` (called in commit order). When the accumulators outgrow their
   * bounds (writes falling behind), or a batch does not follow the last one, everything held is dropped: those events
   * are rolled up from the table instead, so nothing is lost either way.
   */
  add(chunks: CommittedChunks, firstSeq: number): void {
    const { bounds } = this;
    let seq = firstSeq;
    for (const { columns, count } of chunks) {
      if (count === 0) continue;
      if (this.current !== null && (this.current.toSeq + 1 !== seq || this.rows() > bounds.maxRows || this.bytes() > bounds.maxBytes)) this.drop();
      if (this.current !== null && this.current.size >= bounds.writeAtRows) {
        this.full.push(this.current);
        this.current = null;
      }
      this.current ??= this.o.create(seq);
      this.o.add(this.current, columns, count, seq);
      seq += count;
    }
    if ((this.rows() >= bounds.writeAtRows || this.bytes() >= bounds.maxBytes / 4 || this.events() >= (bounds.writeAtEvents ?? Infinity)) && this.early === null) {
      const write = this.o.writeEarly();
      if (write !== null) {
        this.early = write.catch(() => undefined).finally(() => {
          this.early = null;
        });
      }
    }
  }

  /** Rows held, in all accumulators. */
  rows(): number {
    let rows = this.current?.size ?? 0;
    for (const acc of this.full) rows += acc.size;
    return rows;
  }

  /** Estimated bytes held, in all accumulators. */
  bytes(): number {
    let bytes = this.current?.bytes ?? 0;
    for (const acc of this.full) bytes += acc.bytes;
    return bytes;
  }

  /** Events held, in all accumulators (they cover consecutive seqs). */
  events(): number {
    const oldest = this.oldest();
    return oldest === null || this.current === null ? 0 : this.current.toSeq - oldest.fromSeq + 1;
  }

  /** Forgets everything held: the next catch-up rolls those events up from the table. */
  drop(): void {
    this.current = null;
    this.full = [];
  }

  /** The accumulator holding the earliest events (the next to write), if any. */
  oldest(): A | null {
    return this.full[0] ?? this.current;
  }

  /** Takes the oldest accumulator for a write: a full one leaves the queue; the current one stays, to be drained. */
  private take(acc: A): { current: boolean } {
    if (acc === this.current) return { current: true };
    this.full.shift();
    return { current: false };
  }

  /**
   * Rolls up every event committed past `watermark`: from the table (`fromTable`, slices of at most `sliceEvents`)
   * what memory does not hold, then the held accumulators (`fromMemory`, which drains one and writes its rows) in
   * order. Each step moves the watermark itself, in the transaction that writes its rows. Batches committed while the
   * accumulator being filled is written wait for the next catch-up.
   */
  async catchUp(steps: {
    watermark: number;
    /** The last seq the event store has committed (read at every slice). */
    committed: () => number;
    sliceEvents: number;
    /** Rolls events (from, to] up from the table and moves the watermark to `to`. */
    fromTable: (from: number, to: number) => Promise<void>;
    /** Drains `acc`, writes its rows and moves the watermark to the last seq it held, which it returns. */
    fromMemory: (acc: A) => Promise<number>;
  }): Promise<{ events: number; watermark: number }> {
    let { watermark } = steps;
    let events = 0;
    for (;;) {
      const acc = this.oldest();
      const limit = acc !== null && acc.fromSeq > watermark ? acc.fromSeq - 1 : steps.committed();
      const target = Math.min(limit, watermark + steps.sliceEvents);
      if (target <= watermark) break;
      await steps.fromTable(watermark, target);
      events += target - watermark;
      watermark = target;
    }
    for (;;) {
      const acc = this.oldest();
      if (acc === null || acc.fromSeq !== watermark + 1 || acc.toSeq < acc.fromSeq) {
        // Already covered from the table (started during a catch-up): start afresh after the watermark.
        if (acc !== null && acc.fromSeq <= watermark) this.drop();
        break;
      }
      const { current } = this.take(acc);
      let toSeq: number;
      try {
        toSeq = await steps.fromMemory(acc);
      } catch (error) {
        // Those events stay past the watermark, read raw; the next catch-up rolls them up from the table.
        this.drop();
        throw error;
      }
      events += toSeq - watermark;
      watermark = toSeq;
      if (current) break;
    }
    return { events, watermark };
  }
}
