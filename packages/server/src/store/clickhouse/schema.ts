import { partialsViewStatement, rollupStatements } from './rollups.js';

/**
 * Versioned migrations of the ClickHouse event store. Each runs once, in order; `pulse_migrations` records what ran.
 * ClickHouse has no transactional DDL, so every statement is idempotent (IF NOT EXISTS) and a migration is recorded
 * only after all of its statements succeeded: an interrupted one is simply run again. Never edit a released
 * migration: add one.
 *
 * Kept to SQL that runs on 18.16 (Debian's) and on current releases — the minimum version is 18.16.1:
 * - `ts` is Int64 epoch milliseconds: DateTime has second precision and DateTime64 does not exist before 20.1.
 *   Pulse's SQL compares and buckets it as an integer (query/dialects/clickhouse.ts).
 * - PARTITION BY month of `ts` (UTC): retention drops whole months (ALTER TABLE … DROP PARTITION) and deletes the
 *   rest of the boundary month with one ALTER … DELETE mutation.
 * - ORDER BY (project, ts): every read is one project over a time range, so the primary index skips to that
 *   project's range and the partition's min/max of `ts` skips whole months. `type` is not in the key: queries rarely
 *   fix it, and it would split each project's time range into one run per type.
 * - No column CODECs (they arrive in 19.x) and no LowCardinality (experimental in 18.16): columns use the server's
 *   compression (LZ4 by default; `<compression>` in the server config selects zstd). Measured bytes per event are in
 *   docs/scaling.md.
 * - Maps as parallel arrays: `phases` as phase_names/phase_values, `attributes` as attr_keys/attr_values (no Map
 *   type before 21.x). An event without phases and one with `{}` both read back as null.
 * - `batch` names the append that wrote the row and `ingested` is the server time it arrived: the idempotency check
 *   and archive-before-delete rely on them (event-store.ts).
 */
export interface ClickHouseMigration {
  version: number;
  name: string;
  /**
   * `events`: DDL of the events table, run where events are stored — the store's database, or with shards
   * (event-store.ts) each shard's `<database>_shard`. `meta`: everything else, run in the store's database.
   * `rollups`: the rollup tables and the materialized views keeping them (rollups.ts), where events are stored (with
   * shards, on each: event-store.ts reads them through Distributed tables).
   */
  statements: ReadonlyArray<{
    on: 'events' | 'meta' | 'rollups';
    sql: string;
    /**
     * The ClickHouse error code saying the statement's change is there already, for DDL 18.16 has no IF NOT EXISTS
     * for (`ADD COLUMN`: 44): an instance starting at the same time, or an interrupted run, made it.
     */
    doneIfError?: string;
  }>;
}

/**
 * Columns later migrations added to rollup tables, as `ALTER TABLE … ADD COLUMN` (ClickHouse error 44 when there):
 * run on the tables by their migration (`version`), and by event-store.ts on a sharded store's Distributed tables over
 * them, created from the tables' structure before the column existed.
 *
 * `priced_tokens` (migration 4): a row written before it gets the DEFAULT, computed from the row — views sum cost as
 * 0 when no event had one, so a row with no cost reads 0 priced tokens and one with a cost all its tokens: exact
 * unless the row mixed priced and unpriced events of a model the pricing table does not know (where it answers as
 * the release before did), or its events were all priced at exactly $0 (then read as unpriced: unknown, not $0).
 */
export const ADDED_ROLLUP_COLUMNS: ReadonlyArray<{ version: number; table: string; sql: string }> = ['rollup_hour', 'rollup_day'].flatMap((table) => [
  { version: 4, table, sql: `ALTER TABLE ${table} ADD COLUMN priced_tokens_v Int64 DEFAULT if(cost_usd_v = 0, 0, input_tokens_v + output_tokens_v)` },
  { version: 4, table, sql: `ALTER TABLE ${table} ADD COLUMN priced_tokens Int64 ALIAS priced_tokens_v` },
]);

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'events and idempotency records',
    statements: [
      { on: 'events', sql: `CREATE TABLE IF NOT EXISTS events (
        project String,
        ts Int64,
        batch String,
        ingested DateTime DEFAULT now(),
        id Nullable(String),
        type String,
        name Nullable(String),
        service Nullable(String),
        environment Nullable(String),
        user_id Nullable(String),
        session_id Nullable(String),
        persona Nullable(String),
        channel Nullable(String),
        guild Nullable(String),
        prompt_id Nullable(String),
        model Nullable(String),
        provider Nullable(String),
        input_tokens Nullable(Int32),
        output_tokens Nullable(Int32),
        cost_usd Nullable(Float64),
        duration_ms Nullable(Float32),
        ttft_ms Nullable(Float32),
        status String,
        error_type Nullable(String),
        error_message Nullable(String),
        severity Nullable(String),
        value Nullable(Float64),
        target Nullable(String),
        text Nullable(String),
        sentiment Nullable(Float32),
        phase_names Array(String),
        phase_values Array(Float32),
        attr_keys Array(String),
        attr_values Array(String),
        text_length Nullable(Int32),
        questions Nullable(Int32),
        emojis Nullable(Int32),
        mentions Nullable(Int32),
        topic Nullable(String)
      ) ENGINE = MergeTree
      PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000), 'UTC'))
      ORDER BY (project, ts)` },
      // One row per (project, key) and append; `events` and the ts span say which of the batch's events must be
      // stored before the record counts (event-store.ts, getIdempotency). ReplacingMergeTree folds exact repeats.
      { on: 'meta', sql: `CREATE TABLE IF NOT EXISTS idempotency (
        project String,
        key String,
        batch String,
        created_at Int64,
        status UInt16,
        response String,
        events UInt32,
        min_ts Int64,
        max_ts Int64
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(toDateTime(intDiv(created_at, 1000), 'UTC'))
      ORDER BY (project, key, batch)` },
    ],
  },
  {
    version: 2,
    // Generated from rollups/definition.ts as of this migration (less the partials later migrations add): a later
    // change to the partials or grains needs a migration of its own (new columns, a replaced view), and its partials
    // left out here, like any schema change.
    name: 'rollup tables kept by materialized views',
    statements: rollupStatements(['priced_tokens']).map((sql) => ({ on: 'rollups' as const, sql })),
  },
  {
    version: 3,
    // The digest of the body a key was first used with (ingest/idempotency.ts): the same key with another body is a
    // client's mistake (422), not a retry. Records written before have '' and are answered as retries.
    name: 'idempotency: body fingerprint',
    statements: [{ on: 'meta', sql: "ALTER TABLE idempotency ADD COLUMN fingerprint String DEFAULT ''", doneIfError: '44' }],
  },
  {
    version: 4,
    // `priced_tokens` in rollup_hour and rollup_day (what rows written before read: ADDED_ROLLUP_COLUMNS), and their
    // views replaced by ones writing it. 18.16 cannot alter a view's query: it is dropped and created again, so an
    // event another instance inserts in between (milliseconds) would miss these two tables — upgrade with every
    // instance stopped (docs/operations.md#upgrading).
    name: 'rollups: priced tokens',
    statements: [
      ...ADDED_ROLLUP_COLUMNS.filter((c) => c.version === 4).map(({ sql }) => ({ on: 'rollups' as const, sql, doneIfError: '44' })),
      ...['rollup_hour', 'rollup_day'].flatMap((table) => [
        { on: 'rollups' as const, sql: `DROP TABLE IF EXISTS ${table}_mv` },
        { on: 'rollups' as const, sql: partialsViewStatement(table) },
      ]),
    ],
  },
];
