import { stat } from 'node:fs/promises';
import type { DuckDBAppender, DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';
import { systemClock, type Clock } from '../../clock.js';
import {
  StoreUnavailableError,
  type AppendBatch,
  type AppendOptions,
  type EventStore,
  type ExportFormat,
  type ExportSource,
  type IdempotencyRecord,
  type QueryParam,
  type Row,
  type StoreStats,
} from '../types.js';
import { ChunkPool } from './chunk-pool.js';
import { exportToFile } from './export.js';
import { writeArchive } from '../archive-file.js';
import { inlineParams } from './literal.js';
import { CHUNK_ROWS, EVENT_COLUMN_NAMES, fillEventChunk, numberChunk, type PluckedColumns } from './event-columns.js';
import { MEMORY, type DuckDbHandle } from './open.js';
import { RecentlyUsed } from './recently-used.js';
import { timestampFromMs } from './values.js';
import { DuckDbRollups, type DuckDbRollupsOptions } from './rollups.js';

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Synchronous work (filling vectors, appending and flushing chunks) one tick may do before yielding to the event loop:
 * a 20,000-event batch done in one go blocked it for up to 170 ms (`GET /health` waited as long).
 */
const TICK_BUDGET_MS = 10;
/** How many recent queries (text and values) are remembered to tell a repeat (query()). */
const RECENT_QUERIES = 256;
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** DuckDB's default row group size: the unit a checkpoint compresses. */
export const ROW_GROUP_ROWS = 122_880;

export interface DuckDbEventStoreOptions {
  /** Decides which idempotency records are older than 24 h. */
  clock?: Clock;
  /** Queries running longer are interrupted and rejected with QueryTimeoutError (PULSE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs?: number;
  /** Keep rollups (PULSE_ROLLUPS, default on): the query layer then reads them where a query allows. */
  rollups?: boolean | DuckDbRollupsOptions;
  /** Retention deletes expired events in transactions spanning at most this many seqs (default: a row group). */
  deleteSliceRows?: number;
  /** When to checkpoint a quiet store (below); `false` never does (the row-group checkpoints still run). */
  idleCheckpoint?: false | Partial<IdleCheckpointOptions>;
  /**
   * DuckDB's pool limit while events are loaded (`load`, PULSE_DUCKDB_LOAD_MEMORY_LIMIT) and otherwise (`base`,
   * PULSE_DUCKDB_MEMORY_LIMIT); file-backed stores with the idle check only. See `raisePool`.
   */
  memoryLimits?: { base: string; load: string };
}

/** Rows committed since the last row-group checkpoint from which the store counts as loading (a quarter row group). */
export const LOADING_ROWS = 30_720;

/**
 * A file-backed store whose write-ahead log stayed the same size over `intervalMs` (nothing committed: the load
 * ended, or traffic paused) and holds at least `walBytes` is checkpointed. Until a checkpoint, what the log holds
 * lives in DuckDB's buffer pool as in-memory blocks: after a 3M-event load, 124 MB of log left 27 MB of them and
 * 116 MB spilled to the temporary directory, and the users view over 30 days took 131 ms a request (90 ms once
 * checkpointed; `PULSE_DUCKDB_MEMORY_LIMIT` 128 MB). Each such checkpoint compresses the row group being filled
 * once more, so the log must be large first: ingest keeps checkpointing per row group as before.
 */
export interface IdleCheckpointOptions {
  intervalMs: number;
  walBytes: number;
  /**
   * How long the log must stay unchanged before a pool raised for a load (`memoryLimits`) is lowered again: longer than
   * the rollup tasks' interval (30 s), so their catch-up after a load — whose writes change the log — runs with the
   * room too. After 1M-event loads at 128 MB, that catch-up is what ran out of memory, 7–10 s after the last event.
   */
  poolQuietMs: number;
}

export const IDLE_CHECKPOINT: IdleCheckpointOptions = { intervalMs: 2_000, walBytes: 16 * 1024 * 1024, poolQuietMs: 45_000 };

/**
 * Durability: COMMIT returns only after DuckDB has written the transaction to `pulse.duckdb.wal`
 * and fsync'd it, and `append` resolves only after COMMIT. Verified with
 * `strace -f -e trace=write,fsync,fdatasync` around 1,000-event appends: each append shows the
 * WAL writes (~256 KB for 1,000 realistic events) followed by exactly one `fsync` of the WAL's
 * descriptor, then the resolution; no setting was needed. `duckdb-store.test.ts` also SIGKILLs a
 * child process mid-stream and finds every acknowledged batch, whole, after reopening.
 *
 * Writes are serialised on the handle's one write connection; `seq` comes from an in-memory
 * counter (initialised from max(seq)) advanced only when a commit succeeds.
 */
export class DuckDbEventStore implements EventStore {
  readonly dialect = 'duckdb' as const;
  private events: DuckDBAppender | null = null;
  private idempotency: DuckDBAppender | null = null;
  private pool: ChunkPool | null = null;
  /** Rows appended since the last checkpoint, counted in the row group being filled. */
  private unchecked = 0;
  /** Last seq committed: the next batch is numbered from here. */
  private seq = 0;
  private state: 'new' | 'open' | 'closed' = 'new';
  private closing: Promise<void> | null = null;
  private readonly clock: Clock;

  constructor(
    private readonly db: DuckDbHandle,
    options: DuckDbEventStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.queryTimeoutMs = options.queryTimeoutMs ?? null;
    this.deleteSliceRows = Math.max(1, options.deleteSliceRows ?? ROW_GROUP_ROWS);
    this.idle = options.idleCheckpoint === false || db.path === MEMORY ? null : { ...IDLE_CHECKPOINT, ...options.idleCheckpoint };
    this.memoryLimits = this.idle === null ? null : options.memoryLimits ?? null;
    const rollups = options.rollups ?? true;
    if (rollups !== false) this.rollups = new DuckDbRollups(db, () => this.seq, { now: () => this.clock.now(), ...(rollups === true ? {} : rollups) });
  }

  readonly rollups?: DuckDbRollups;

  /** The last seq committed. */
  committedSeq(): number {
    return this.seq;
  }

  private readonly queryTimeoutMs: number | null;
  private readonly deleteSliceRows: number;
  private queries = 0;
  private readonly recentQueries = new RecentlyUsed<true>(RECENT_QUERIES);
  private lastCheckpointAt: number | null = null;
  /** Checkpoints DuckDB refused (another connection's write transaction open); the WAL keeps their rows. */
  private checkpointsFailed = 0;
  private readonly idle: IdleCheckpointOptions | null;
  private readonly memoryLimits: { base: string; load: string } | null;
  /** The pool is at `memoryLimits.load`. */
  private poolRaised = false;
  private idleTimer: NodeJS.Timeout | null = null;
  /** The log's size at the last idle check. */
  private idleWal = -1;
  /** When the log was first seen unchanged (performance.now()), or null while it changes. */
  private quietSince: number | null = null;
  private idleChecking = false;

  async init(): Promise<void> {
    if (this.state !== 'new') return;
    this.db.retain();
    this.state = 'open';
    await this.db.writeLock.run(async () => {
      const columns = (
        await this.db.writer.runAndReadAll(
          `SELECT column_name FROM information_schema.columns
           WHERE table_schema = 'main' AND table_name = 'events' ORDER BY ordinal_position`,
        )
      ).getRows().map((r) => String(r[0]));
      if (columns.join() !== EVENT_COLUMN_NAMES.join()) {
        throw new Error(`the events table's columns (${columns.join(', ')}) are not the ones this store writes`);
      }
      await this.openAppenders();
      await this.rollups?.init();
      const [row] = (await this.db.writer.runAndReadAll('SELECT coalesce(max(seq), 0), count(*), (SELECT max(watermark) FROM rollup_state) FROM events')).getRows();
      // Never below the rollups' watermark: after retention emptied the table, a new event numbered at or below it
      // would be neither in a rollup row nor read raw.
      this.seq = Math.max(Number(row?.[0] ?? 0), Number(row?.[2] ?? 0));
      this.unchecked = Number(row?.[1] ?? 0) % ROW_GROUP_ROWS;
    });
    if (this.idle !== null) {
      this.idleTimer = setInterval(() => void this.checkpointIfIdle(), this.idle.intervalMs);
      this.idleTimer.unref();
    }
  }

  /** IdleCheckpointOptions' rule, run every `intervalMs`. */
  private async checkpointIfIdle(): Promise<void> {
    if (this.idleChecking) return;
    this.idleChecking = true;
    try {
      await this.idleCheck();
    } finally {
      this.idleChecking = false;
    }
  }

  private async idleCheck(): Promise<void> {
    const wal = await stat(`${this.db.path}.wal`).then((st) => st.size, () => 0);
    const quiet = wal === this.idleWal;
    this.idleWal = wal;
    if (!quiet) {
      this.quietSince = null;
      return;
    }
    this.quietSince ??= performance.now();
    if (this.state !== 'open' || this.idle === null) return;
    if (wal >= this.idle.walBytes) {
      await this.checkpointInTurn(false);
      this.idleWal = -1;
      return;
    }
    if (this.poolRaised && performance.now() - this.quietSince >= this.idle.poolQuietMs) await this.lowerPool();
  }

  /**
   * During a load, DuckDB's pool holds the rows of the row group being filled uncompressed until its checkpoint:
   * ~80–120 MB for 122,880 events, most of the default 128 MB, and the rollups' statements then ran out of memory in 4
   * of 6 loads of 1M events over HTTP (2026-12-02; none of 5 with 192 MB). Once a quarter row group has been committed
   * since the last row-group checkpoint, the pool gets `memoryLimits.load`; it goes back to `base` once the log has
   * been unchanged for `poolQuietMs` (the idle check), so the room costs memory only while events come in and the
   * rollups catch up after them. Under the write lock (commit).
   * The limits are the operator's configuration, validated as sizes (config/load.ts), not client input.
   */
  private async raisePool(): Promise<void> {
    if (this.memoryLimits === null || this.poolRaised || this.unchecked < LOADING_ROWS) return;
    this.poolRaised = true;
    await this.db.writer.run(`SET memory_limit = '${this.memoryLimits.load}'`).catch((error: unknown) => {
      this.poolRaised = false;
      this.db.noteError(error);
    });
  }

  /**
   * Back to the base limit; DuckDB refuses while the pool holds more than it (the next idle check tries again). In the
   * checkpoints' turn, so no side connection's statement (the rollups') is running when the pool shrinks.
   */
  private async lowerPool(): Promise<void> {
    const limits = this.memoryLimits;
    if (limits === null) return;
    await this.db.checkpointTurn(async () => {
      if (!this.poolRaised || this.state !== 'open') return;
      await this.db.writer.run(`SET memory_limit = '${limits.base}'`).then(() => {
        this.poolRaised = false;
      }, (error: unknown) => this.db.noteError(error));
    });
  }

  /**
   * DuckDB's pool limit now: `load` while events are loaded, else `base` (null without `memoryLimits`). For tests;
   * `/api/debug/analytics` reads DuckDB's own setting.
   */
  poolLimit(): string | null {
    if (this.memoryLimits === null) return null;
    return this.poolRaised ? this.memoryLimits.load : this.memoryLimits.base;
  }

  async append(batch: AppendBatch, options: AppendOptions = {}): Promise<void> {
    this.assertOpen();
    const { events } = batch;
    const keys = batch.idempotency ?? [];
    if (events.length === 0 && keys.length === 0) return;
    // Filling vectors is pure JS and memcpy: done before queueing, it overlaps the commit in flight.
    const pool = this.pool as ChunkPool;
    const chunks: DuckDBDataChunk[] = [];
    // The columns as read, for the rollups (only when they are kept).
    const columns: Array<{ columns: PluckedColumns; count: number }> = [];
    try {
      let tick = performance.now();
      for (let start = 0; start < events.length; start += CHUNK_ROWS) {
        if (performance.now() - tick >= TICK_BUDGET_MS) {
          await nextTick();
          tick = performance.now();
        }
        const chunk = pool.take();
        chunks.push(chunk);
        const count = Math.min(CHUNK_ROWS, events.length - start);
        const plucked = fillEventChunk(chunk, events, start, count);
        if (this.rollups !== undefined) columns.push({ columns: plucked, count });
      }
    } catch (error) {
      pool.give(chunks);
      throw error;
    }
    try {
      await this.db.writeLock.run(() => this.commit(columns, chunks, keys, options.signal));
    } finally {
      pool.give(chunks);
    }
  }

  /** Under the write lock: numbers the chunks and commits them with the idempotency records. */
  private async commit(columns: ReadonlyArray<{ columns: PluckedColumns; count: number }>, chunks: readonly DuckDBDataChunk[], keys: readonly IdempotencyRecord[], signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    // The caller gave up while this batch waited for the write lock: write nothing.
    if (signal?.aborted) throw new StoreUnavailableError('commit timed out before it began; nothing was written');
    let seq = this.seq;
    for (const chunk of chunks) {
      numberChunk(chunk, seq + 1);
      seq += chunk.rowCount;
    }
    const rows = seq - this.seq;
    try {
      await this.db.writer.run('BEGIN TRANSACTION');
      const eventAppender = this.events as DuckDBAppender;
      const keyAppender = this.idempotency as DuckDBAppender;
      let tick = performance.now();
      for (const chunk of chunks) {
        if (performance.now() - tick >= TICK_BUDGET_MS) {
          await nextTick();
          tick = performance.now();
        }
        // Flushed chunk by chunk (the flush does the work; appending a chunk only queues it), so a tick does little more than its budget.
        eventAppender.appendDataChunk(chunk);
        eventAppender.flushSync();
      }
      for (const key of keys) {
        keyAppender.appendVarchar(key.project);
        keyAppender.appendVarchar(key.key);
        keyAppender.appendTimestamp(timestampFromMs(key.createdAt));
        keyAppender.appendInteger(key.status);
        keyAppender.appendVarchar(key.response);
        if (key.fingerprint === null) keyAppender.appendNull();
        else keyAppender.appendVarchar(key.fingerprint);
        keyAppender.endRow();
      }
      keyAppender.flushSync();
      // Last point of no return: a caller that gave up gets a rollback, never a half-acknowledged batch.
      if (signal?.aborted) throw new Error('commit timed out; rolled back');
      await this.db.writer.run('COMMIT');
    } catch (error) {
      this.db.noteError(error);
      await this.recover();
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`could not commit ${rows} events: ${reason}`, { cause: error });
    }
    const first = this.seq + 1;
    this.seq = seq;
    this.unchecked += rows;
    this.rollups?.accumulate(columns, first);
    await this.raisePool();
    if (this.unchecked >= ROW_GROUP_ROWS) {
      this.unchecked %= ROW_GROUP_ROWS;
      // Queued behind this append, so its caller is answered first.
      void this.checkpointInTurn();
    }
  }

  /**
   * Checkpoints once per filled row group, so each is compressed once, whole: DuckDB's automatic
   * checkpoint every 16 MB of WAL recompresses the growing last row group several times, which made
   * the file larger and cost more CPU per event when this was chosen. Commits wait while it runs (the
   * store bench's slowest appends show how long). It runs in turn with the side connections' write transactions
   * (checkpointInTurn), which DuckDB would otherwise refuse it for; one that fails all the same loses nothing: the
   * WAL still holds the rows and the next one retries.
   */
  private checkpointInTurn(rowGroupFilled = true): Promise<void> {
    // No side connection's write transaction open (DuckDB would refuse it), then no commit of this store's open.
    return this.db.checkpointTurn(() => this.checkpoint(rowGroupFilled));
  }

  private async checkpoint(rowGroupFilled = true): Promise<void> {
    if (this.state !== 'open') return;
    await this.db.writer.run('CHECKPOINT').then(() => {
      this.lastCheckpointAt = this.clock.now();
      // An idle checkpoint leaves the row group being filled as it was: the next one still comes when it is full.
      if (rowGroupFilled) this.unchecked = 0;
    }, (error: unknown) => {
      this.checkpointsFailed++;
      // One that ran out of memory halfway invalidates the database (open.ts): the server restarts it (supervise.ts).
      this.db.noteError(error);
    });
  }

  async getIdempotency(project: string, key: string): Promise<IdempotencyRecord | null> {
    this.assertOpen();
    const rows = await this.db.read((c) =>
      c.rows('SELECT project, key, created_at, status, response, fingerprint FROM idempotency WHERE project = ? AND key = ?', [
        project,
        key,
      ]),
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      project: String(row.project),
      key: String(row.key),
      createdAt: Number(row.created_at),
      status: Number(row.status),
      response: String(row.response),
      fingerprint: row.fingerprint === null ? null : String(row.fingerprint),
    };
  }

  /**
   * A query seen for the first time runs with its values bound, as a statement DuckDB plans on every run. Once the
   * same query (text and values) comes again, its values are written into the text (literal.ts) and the read
   * connection keeps that statement's plan (prepared-connection.ts), so further repeats skip planning. Like
   * PostgreSQL's custom plans before a generic one, the first run costs what it always did and holds nothing.
   */
  async query(sql: string, params: readonly QueryParam[]): Promise<Row[]> {
    this.assertOpen();
    this.queries++;
    const deadline = this.queryTimeoutMs === null ? undefined : performance.now() + this.queryTimeoutMs;
    // A first-time query (the common case: a range ending "now") pays for the key only, not for writing values in.
    const repeated = params.length > 0 && this.recentQueries.seen(`${sql}\u0000${JSON.stringify(params)}`, true);
    const statement = repeated ? inlineParams(sql, params) : { sql, params };
    return this.db.read((c) => c.rows(statement.sql, statement.params, deadline));
  }

  async deleteBefore(beforeMs: number, opts: { archivePath?: string; maxSeq?: number } = {}): Promise<number> {
    this.assertOpen();
    // Everything committed so far, and nothing later: an event committed during the archive (a late event with an
    // old timestamp) is neither archived nor deleted now, but by the next run. The archive runs outside the write
    // lock, so ingest goes on while it is written. Events are rolled up before they go (a catch-up first; whatever
    // commits after it stays until the next run).
    const bound = Math.min(opts.maxSeq ?? Infinity, this.rollups === undefined ? this.seq : Math.min(this.seq, (await this.rollups.catchUp()).watermark));
    const expired = 'ts < epoch_ms($1::BIGINT) AND seq <= $2::BIGINT';
    if (opts.archivePath !== undefined) {
      await writeArchive(opts.archivePath, (tmp) => exportToFile(
        this.db,
        { kind: 'events', where: 'ts < epoch_ms(CAST($1 AS BIGINT)) AND seq <= $2', params: [beforeMs, bound] },
        tmp,
        'parquet',
      ));
    }
    let deleted = 0;
    try {
      // The seq span of the expired events (every one was committed before `bound` was read, so the archive holds
      // them all), deleted in slices of at most `deleteSliceRows` seqs: each slice is its own transaction under the
      // write lock, and the commits queued meanwhile run between slices, so ingest waits for one slice at most
      // rather than for the whole delete (3.3M events took 4.1 s in one transaction). DuckDB's zone maps on `seq`
      // keep each slice's scan to the row groups of its range.
      const [span] = await this.db.read((c) => c.rows(`SELECT min(seq) AS lo, max(seq) AS hi FROM events WHERE ${expired}`, [beforeMs, bound]));
      if (span?.lo !== null && span?.lo !== undefined) {
        const hi = Number(span.hi);
        for (let from = Number(span.lo); from <= hi; from += this.deleteSliceRows) {
          const to = Math.min(hi, from + this.deleteSliceRows - 1);
          deleted += await this.db.writeLock.run(async () => {
            this.assertOpen();
            const sql = `DELETE FROM events WHERE seq >= $3::BIGINT AND seq <= $4::BIGINT AND ${expired}`;
            return (await this.db.writer.run(sql, [beforeMs, bound, from, to])).rowsChanged;
          });
        }
      }
      const keyCutoff = this.clock.now() - IDEMPOTENCY_TTL_MS;
      await this.db.writeLock.run(() => this.db.writer.run('DELETE FROM idempotency WHERE created_at < epoch_ms($1::BIGINT)', [keyCutoff]));
    } catch (error) {
      throw new StoreUnavailableError(`could not delete old events (${deleted} deleted)`, { cause: error });
    }
    // Space of deleted rows is reclaimed when the table is checkpointed: once, after the last slice.
    // (It fails while another connection's write — a rollup run — is open; the next checkpoint then does it.)
    if (deleted > 0) await this.checkpointInTurn();
    return deleted;
  }

  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const rows = await this.db.read((c) => c.rows('SELECT count(*) AS n FROM events', []));
    const wal = this.db.path === MEMORY ? null : await stat(`${this.db.path}.wal`).then((st) => st.size, () => 0);
    return {
      events: Number(rows[0]?.n ?? 0), bytes: await this.fileBytes(), walBytes: wal,
      lastCheckpointAt: this.lastCheckpointAt, checkpointsFailed: this.checkpointsFailed, queries: this.queries, connections: this.db.connections,
    };
  }

  /**
   * Online backup: on a connection of its own, `ATTACH` a new database file and `COPY FROM DATABASE` into it. The
   * copy is one statement, so one transaction: it reads a snapshot taken when it starts (every commit acknowledged
   * before is in it) while appends go on on the writer connection. DETACH checkpoints the copy into a single file.
   */
  async backup(file: string): Promise<void> {
    this.assertOpen();
    if (this.db.path === MEMORY) throw new StoreUnavailableError('an in-memory store has nothing to back up');
    // ATTACH takes no bound parameters: the path must not be able to end the literal.
    if (/['\0\n\r]/.test(file)) throw new Error('backup path must not contain quotes or control characters');
    const connection = await this.db.connect();
    try {
      const [row] = (await connection.runAndReadAll('SELECT current_database()')).getRows();
      const source = String(row?.[0] ?? '').replaceAll('"', '""');
      await connection.run(`ATTACH '${file}' AS pulse_backup (STORAGE_VERSION 'v1.5.0')`);
      try {
        await connection.run(`COPY FROM DATABASE "${source}" TO pulse_backup`);
      } finally {
        await connection.run('DETACH pulse_backup');
      }
    } finally {
      connection.closeSync();
    }
  }

  async exportTo(source: ExportSource, path: string, format: ExportFormat): Promise<number> {
    this.assertOpen();
    return exportToFile(this.db, source, path, format);
  }

  close(): Promise<void> {
    if (this.state === 'new') this.state = 'closed';
    this.closing ??= this.state === 'closed' ? Promise.resolve() : this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    // What is rolled up in memory is written before the file closes (a failure only leaves it for the next start's
    // catch-up from the table).
    await this.rollups?.catchUp().catch(() => undefined);
    await this.rollups?.close();
    try {
      await this.db.writeLock.run(async () => {
        this.state = 'closed';
        this.closeAppenders();
        // An invalidated database cannot checkpoint (open.ts); opening it again replays its log.
        if (this.db.path !== MEMORY && this.db.fatal() === null) await this.db.writer.run('CHECKPOINT');
      });
    } finally {
      await this.db.release();
    }
  }

  private async openAppenders(): Promise<void> {
    this.events = await this.db.writer.createAppender('events');
    this.idempotency = await this.db.writer.createAppender('idempotency');
    if (this.pool === null) {
      const types: DuckDBType[] = [];
      for (let i = 0; i < this.events.columnCount; i++) types.push(this.events.columnType(i));
      this.pool = new ChunkPool(types);
    }
  }

  private closeAppenders(): void {
    for (const appender of [this.events, this.idempotency]) {
      try {
        appender?.clear();
        appender?.closeSync();
      } catch {
        // An appender whose flush failed is invalid and refuses to close; dropping it is all there is.
      }
    }
    this.events = null;
    this.idempotency = null;
  }

  /** After a failed append: end the transaction and replace the appenders, which a failed flush invalidates. */
  private async recover(): Promise<void> {
    await this.db.writer.run('ROLLBACK').catch(() => undefined);
    this.closeAppenders();
    await this.openAppenders().catch(() => undefined);
  }

  private async fileBytes(): Promise<number | null> {
    if (this.db.path === MEMORY) return null;
    let total = 0;
    for (const file of [this.db.path, `${this.db.path}.wal`]) {
      total += await stat(file).then(
        (s) => s.size,
        () => 0,
      );
    }
    return total;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new StoreUnavailableError(`the event store is ${this.state === 'new' ? 'not initialised' : 'closed'}`);
  }
}
