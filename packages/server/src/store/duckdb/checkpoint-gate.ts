/**
 * Turns between the write transactions of the side connections (the rollups', the user rollups') and CHECKPOINT.
 *
 * DuckDB refuses a CHECKPOINT while another connection has a write transaction open that updates or deletes rows
 * (appends alone do not stop it), and the rows it would have written stay in the write-ahead log and in DuckDB's
 * memory until a later one succeeds. Every rollup transaction updates its state row (the watermark), and their
 * merges delete: they are open for hundreds of milliseconds at a time, beside ingest, and a 3M-event load once had
 * 11 of its row-group checkpoints refused (store/duckdb/duckdb-store.test.ts shows the refusal, and the turn).
 *
 * A side transaction runs under `shared` (any number at once); a checkpoint under `exclusive`, which waits for the
 * side transactions open and holds back those that ask after it, so it runs as soon as they end and never starves.
 *
 * Used through the DuckDB handle (open.ts): `sideTransaction` for the side connections' transactions, `checkpointTurn`
 * for every CHECKPOINT. Lock order: the gate before the store's write lock. A checkpoint takes the write lock inside
 * `exclusive`; a side transaction may take the write lock inside `shared` (the rollups' appender calls), but must never
 * ask for `shared` while holding the write lock — a checkpoint waiting for that lock would then wait for itself.
 */
export class CheckpointGate {
  private active = 0;
  private exclusiveHeld = false;
  private readonly waitingExclusive: Array<() => void> = [];
  private readonly waitingShared: Array<() => void> = [];

  async shared<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireShared();
    try {
      return await task();
    } finally {
      this.active--;
      this.wake();
    }
  }

  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireExclusive();
    try {
      return await task();
    } finally {
      this.exclusiveHeld = false;
      this.wake();
    }
  }

  /** Side transactions open now, and checkpoints waiting (tests). */
  stats(): { shared: number; exclusiveWaiting: number; exclusiveHeld: boolean } {
    return { shared: this.active, exclusiveWaiting: this.waitingExclusive.length, exclusiveHeld: this.exclusiveHeld };
  }

  private acquireShared(): Promise<void> {
    if (!this.exclusiveHeld && this.waitingExclusive.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waitingShared.push(() => {
        this.active++;
        resolve();
      }),
    );
  }

  private acquireExclusive(): Promise<void> {
    if (!this.exclusiveHeld && this.active === 0 && this.waitingExclusive.length === 0) {
      this.exclusiveHeld = true;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waitingExclusive.push(() => {
        this.exclusiveHeld = true;
        resolve();
      }),
    );
  }

  /** Hands the gate on: to the first waiting checkpoint once no side transaction is open, else to every waiting side. */
  private wake(): void {
    if (this.exclusiveHeld) return;
    if (this.waitingExclusive.length > 0) {
      if (this.active === 0) this.waitingExclusive.shift()!();
      return;
    }
    while (this.waitingShared.length > 0) this.waitingShared.shift()!();
  }
}
