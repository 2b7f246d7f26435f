import type { StoredEvent } from '@pulse/protocol';

/** A value bound to a `?`/`$n` placeholder. Never interpolated into SQL text. */
export type QueryParam = string | number | boolean | null | readonly string[];

/**
 * One result row. Stores convert engine types to plain JS: integers (BIGINT, HUGEINT, DECIMAL) to
 * number, TIMESTAMP to epoch milliseconds, lists/maps are not returned by the query layer.
 */
export type Row = Record<string, string | number | boolean | null>;

export type DialectName = 'duckdb' | 'clickhouse' | 'postgres';

/** The stored answer to a request sent with an `Idempotency-Key`, written with its events (see EventStore.append). */
export interface IdempotencyRecord {
  project: string;
  key: string;
  /** Epoch ms. */
  createdAt: number;
  status: number;
  /** The JSON body that was sent back. */
  response: string;
  /**
   * Names the request's body (ingest/idempotency.ts, `bodyFingerprint`): a request reusing the key with another body
   * is refused rather than answered as a retry. Null: not recorded (records written before it was, OTLP exports whose
   * key is the body's digest already).
   */
  fingerprint: string | null;
}

export interface AppendBatch {
  events: readonly StoredEvent[];
  idempotency?: readonly IdempotencyRecord[];
}

export interface StoreStats {
  events: number;
  /** Bytes the store occupies on disk (data file + WAL for DuckDB), or null when unknown. */
  bytes: number | null;
  /** Of which the write-ahead log (DuckDB), when the store has one. */
  walBytes?: number | null;
  /** Epoch ms of the last checkpoint this process made (null: none since start). */
  lastCheckpointAt?: number | null;
  /** Checkpoints the engine refused since start (DuckDB: another write transaction was open); retried later. */
  checkpointsFailed?: number;
  /** Queries run since start (for queries per second). */
  queries?: number;
  /** Open connections to the engine. */
  connections?: number;
}

/** File formats of exports (CONTRACT §10): CSV with a header, JSON lines, Parquet. */
export type ExportFormat = 'csv' | 'json' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'parquet'];

/**
 * What an export writes, as compiled by the query layer: raw events matching a selection (`where` over `events`
 * with its bound values), or the rows of an aggregate query (its SQL, values and named output columns).
 */
export type ExportSource =
  | { kind: 'events'; where: string; params: readonly QueryParam[] }
  | { kind: 'aggregate'; sql: string; params: readonly QueryParam[]; columns: readonly ExportColumn[] };

/** An aggregate export's output column: `type` is the query layer's (a measure's `int` is written as a 64-bit integer). */
export interface ExportColumn {
  alias: string;
  name: string;
  role: 'bucket' | 'dimension' | 'measure';
  type: 'int' | 'float' | 'timestamp' | 'string';
}

export class StoreUnavailableError extends Error {
  override readonly name: string = 'StoreUnavailableError';
}

/** A query ran past its time limit and was interrupted (the route answers 503 with Retry-After). */
export class QueryTimeoutError extends StoreUnavailableError {
  override readonly name = 'QueryTimeoutError';
}

export interface AppendOptions {
  /**
   * Aborted when the caller stopped waiting (the write buffer's commit timeout). A store that sees it before
   * its COMMIT rolls back and rejects: nothing of the batch is written.
   */
  signal?: AbortSignal;
}

/** What one catch-up of the rollups did (rollups/; `/api/background-tasks` shows the last). */
export interface RollupRun {
  /** Events rolled up by this run. */
  events: number;
  /** The last event `seq` the rollups now include. */
  watermark: number;
  /** Delta rows merged into one row per key. */
  compacted: number;
  /** Days rolled into the daily tables by this run. */
  days: number;
}

export interface RollupStatus {
  watermark: number;
  /** The end of the days in the daily tables (epoch ms), or null when none has been rolled. */
  daysUntil: number | null;
  /** Committed events not rolled up yet (read raw by queries meanwhile). */
  behind: number;
  /** Rows per rollup table. */
  rows: Record<string, number>;
}

/** Rollup tables to expire: rows of buckets before each cutoff (epoch ms) are deleted. */
export interface RollupCutoffs {
  minute: number;
  hour: number;
  day: number;
}

/**
 * Pre-aggregated rows kept beside the raw events (rollups/definition.ts), maintained from committed events by their
 * `seq` watermark, so a query reads rollup rows up to the watermark and raw events after it.
 */
export interface Rollups {
  /** Rolls up every event committed since the last run (in slices) and merges delta rows of the same key. */
  catchUp(): Promise<RollupRun>;
  /**
   * The end (epoch ms, a day boundary) of the days rolled into the daily tables, as of the last run; null: none.
   * Queries read daily rows only before it (a stale, lower value is safe).
   */
  daysUntil(): number | null;
  /**
   * Every event committed so far is rolled up (as of this call): a query planned now needs no raw tail, since
   * every event acknowledged before it is in the rollup rows.
   */
  caughtUp(): boolean;
  /**
   * The latest event `ts` (epoch ms) among the project's rolled-up events, as of this call; null when unknown. It
   * only grows, and grows before the rows that raise it are visible, so when it is still before a range's end after
   * a query ran, no rollup row that query read held an event at or after that end (rollups/plan.ts `openEnd`).
   */
  latestRolled(project: string): number | null;
  /**
   * Hourly rows are complete from this time on (epoch ms): every hour from it holds all its rolled-up events. -Infinity
   * when no hourly row was ever deleted; +Infinity when not tracked. Raised before a deletion commits.
   */
  hoursFrom(): number;
  /** Deletes rollup rows older than the cutoffs; returns the rows deleted. */
  deleteBefore(cutoffs: RollupCutoffs): Promise<number>;
  status(): Promise<RollupStatus>;
}

export interface EventStore {
  readonly dialect: DialectName;
  /** Present when the store keeps rollups; the query layer then reads them where a query allows. */
  readonly rollups?: Rollups;
  init(): Promise<void>;
  /**
   * Appends a batch: when the promise resolves, every event and idempotency record of the batch is stored and visible
   * to queries; rejects with StoreUnavailableError when the store cannot store it. How atomic and durable that is
   * depends on the engine: DuckDB commits the batch in one transaction and fsyncs its WAL (all or nothing, survives
   * power loss); ClickHouse has no transactions — a batch within one month is all or nothing, rows are on the
   * server's disk but not fsync'd, and an idempotency record counts only once its events are stored
   * (store/clickhouse/event-store.ts, docs/scaling.md).
   */
  append(batch: AppendBatch, options?: AppendOptions): Promise<void>;
  getIdempotency(project: string, key: string): Promise<IdempotencyRecord | null>;
  /** Runs SQL compiled by the query layer with bound parameters. */
  query(sql: string, params: readonly QueryParam[]): Promise<Row[]>;
  /**
   * Retention: deletes events older than `beforeMs` (all projects) and idempotency records older than 24 h, and
   * returns how many events it deleted. With `archivePath`, those very events are first written there as Parquet
   * (no file when there are none): an event is deleted only if it is in the archive. With `maxSeq`, only events up to
   * that seq (the user rollups' watermark: nothing goes before it is rolled up).
   */
  deleteBefore(beforeMs: number, opts?: { archivePath?: string; maxSeq?: number }): Promise<number>;
  stats(): Promise<StoreStats>;
  /**
   * Streams the rows of `source` into a new file at `path` in `format`, inside the engine, in bounded memory, from
   * one consistent snapshot (appends may continue meanwhile). Returns the number of rows written.
   */
  exportTo(source: ExportSource, path: string, format: ExportFormat): Promise<number>;
  /**
   * Writes a consistent copy of the whole store (events, keys, projects) to `file` while writes go on: every
   * batch committed before the call began is in it. Stores that cannot do this online leave it out.
   */
  backup?(file: string): Promise<void>;
  close(): Promise<void>;
}

export type Scope = 'ingest' | 'read' | 'admin';
export const SCOPES: readonly Scope[] = ['ingest', 'read', 'admin'];

export interface ApiKeyRecord {
  id: string;
  project: string;
  scope: Scope;
  name: string | null;
  /** First characters of the secret, for recognising a key in a list; not enough to use it. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface ProjectRecord {
  name: string;
  createdAt: number;
  /** Whether message `text` is stored (off by default: text is only used for sentiment). */
  storeText: boolean;
}

export interface MetaStore {
  init(): Promise<void>;
  createKey(key: Omit<ApiKeyRecord, 'revokedAt'> & { hash: string }): Promise<void>;
  listKeys(project?: string): Promise<ApiKeyRecord[]>;
  /** Active (not revoked) key with this secret hash. */
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** Returns false when no active key has this id. */
  revokeKey(id: string, atMs: number): Promise<boolean>;
  getProject(name: string): Promise<ProjectRecord | null>;
  upsertProject(project: ProjectRecord): Promise<void>;
  listProjects(): Promise<ProjectRecord[]>;
  /**
   * Calls `listener` after a key is revoked — by this process, or by any other instance sharing the store (PostgreSQL
   * announces it with NOTIFY) — and whenever changes may have been missed; caches of keys clear on it. Returns the
   * unsubscribe. Optional: a store without it leaves caches to their expiry.
   */
  onKeysChanged?(listener: () => void): () => void;
  close(): Promise<void>;
}
