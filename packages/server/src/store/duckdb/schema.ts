/**
 * Versioned migrations of the embedded DuckDB file. Each entry runs once, in order, inside a
 * transaction; `schema_migrations` records what ran. Never edit a released migration: add one.
 *
 * Column notes: `seq` is the store's own monotonically increasing number (compresses to almost
 * nothing, and gives events without a client id a stable identity); `id` holds a client-supplied id
 * only. `ts` is TIMESTAMP (UTC). Rows arrive roughly in time order, so DuckDB's per-row-group min/max
 * on `ts` prunes time-range scans.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export interface Migration {
  version: number;
  name: string;
  sql: readonly string[];
  /** Run after `sql`, in the same transaction: statements that depend on what the file holds (e.g. one per day). */
  then?: (connection: DuckDBConnection) => Promise<void>;
}

/** Migration 9's rows of one UTC day ($1, epoch ms): the hour tables from the events up to the watermark, interaction_day from interaction_hour. */
const FILL_HOURS_AND_INTERACTIONS: readonly string[] = [
  `INSERT INTO user_session_hour SELECT project, date_trunc('hour', ts) AS hour, user_id, session_id, persona, type, count(*), count(*) FILTER (WHERE status = 'ok'),
         sum(cost_usd), sum(value) FILTER (WHERE status = 'ok'), min(ts), max(ts), arg_max(attributes['plan'], ts) FILTER (WHERE type IN ('payment', 'user') AND attributes['plan'] IS NOT NULL),
         max(ts) FILTER (WHERE type IN ('payment', 'user') AND attributes['plan'] IS NOT NULL), true
       FROM events WHERE seq <= (SELECT watermark FROM user_rollup_state WHERE id = 1) AND ts >= epoch_ms($1::BIGINT) AND ts < epoch_ms($1::BIGINT) + INTERVAL 1 DAY
       GROUP BY project, date_trunc('hour', ts), user_id, session_id, persona, type ORDER BY project, hour, type, persona, session_id, user_id`,
  `INSERT INTO user_hour SELECT project, hour, user_id, sum(n), sum(cost_usd), min(first_ts), max(last_ts), arg_max(plan, plan_ts), max(plan_ts), true
       FROM user_session_hour WHERE user_id IS NOT NULL AND hour >= epoch_ms($1::BIGINT) AND hour < epoch_ms($1::BIGINT) + INTERVAL 1 DAY GROUP BY project, hour, user_id ORDER BY project, hour, user_id`,
  `INSERT INTO interaction_hour SELECT project, date_trunc('hour', ts) AS hour, persona, target, name, topic, attributes['stage'] AS stage,
         attributes['exchange_length'] AS exchange_length, attributes['continued'] AS continued, count(*), min(ts), max(ts),
         arg_min(value, CASE WHEN value IS NOT NULL THEN ts END), min(ts) FILTER (WHERE value IS NOT NULL), arg_max(value, CASE WHEN value IS NOT NULL THEN ts END), max(ts) FILTER (WHERE value IS NOT NULL), true
       FROM events WHERE seq <= (SELECT watermark FROM user_rollup_state WHERE id = 1) AND ts >= epoch_ms($1::BIGINT) AND ts < epoch_ms($1::BIGINT) + INTERVAL 1 DAY AND type = 'interaction'
       GROUP BY ALL ORDER BY project, hour, continued, exchange_length, stage, topic, name, target, persona`,
  `INSERT INTO interaction_day SELECT project, date_trunc('day', hour) AS day, persona, target, name, topic, stage, exchange_length, continued, sum(n),
         min(first_ts), max(last_ts), arg_min(value_first, value_first_ts), min(value_first_ts), arg_max(value_last, value_last_ts), max(value_last_ts), true
       FROM interaction_hour WHERE hour >= epoch_ms($1::BIGINT) AND hour < epoch_ms($1::BIGINT) + INTERVAL 1 DAY GROUP BY ALL ORDER BY project, day, continued, exchange_length, stage, topic, name, target, persona`,
  `INSERT INTO user_topic_hour SELECT project, date_trunc('hour', ts) AS hour, user_id, persona, type, name, topic, count(*), arg_max(value, CASE WHEN value IS NOT NULL THEN ts END),
         max(ts) FILTER (WHERE value IS NOT NULL), true
       FROM events WHERE seq <= (SELECT watermark FROM user_rollup_state WHERE id = 1) AND ts >= epoch_ms($1::BIGINT) AND ts < epoch_ms($1::BIGINT) + INTERVAL 1 DAY
         AND (type = 'message' OR (type = 'interaction' AND name = 'affinity'))
       GROUP BY ALL ORDER BY project, hour, topic, name, type, persona, user_id`,
];

/**
 * Migration 11's rebuild of a partials table (rollup_hour, rollup_day) with `priced_tokens` before `compacted`: the
 * rollup writers fill tables by position (appender, INSERT … SELECT *), so the column cannot go after `compacted`.
 */
const ADD_PRICED_TOKENS = (table: string): string[] => [
  `ALTER TABLE ${table} RENAME TO ${table}_v10`,
  `CREATE TABLE ${table} (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, service VARCHAR, environment VARCHAR, persona VARCHAR, model VARCHAR, provider VARCHAR, status VARCHAR NOT NULL, error_type VARCHAR, prompt_id VARCHAR, n BIGINT, n_error BIGINT, n_ok BIGINT, input_tokens BIGINT, output_tokens BIGINT, cost_usd DOUBLE, duration_n BIGINT, duration_sum DOUBLE, ttft_n BIGINT, ttft_sum DOUBLE, timed_output_tokens BIGINT, timed_duration DOUBLE, sentiment_n BIGINT, sentiment_sum DOUBLE, positive_n BIGINT, neutral_n BIGINT, negative_n BIGINT, value_n BIGINT, value_sum DOUBLE, value_max DOUBLE, value_last DOUBLE, value_last_ts TIMESTAMP, value_first DOUBLE, value_first_ts TIMESTAMP, ts_min TIMESTAMP, ts_max TIMESTAMP, session_n BIGINT, meaningful_n BIGINT, text_n BIGINT, text_length_sum BIGINT, questions BIGINT, emojis BIGINT, mentions BIGINT, priced_tokens BIGINT, compacted BOOLEAN NOT NULL)`,
  `INSERT INTO ${table} SELECT * EXCLUDE (compacted), CASE WHEN cost_usd IS NOT NULL THEN coalesce(input_tokens, 0) + coalesce(output_tokens, 0) END, compacted FROM ${table}_v10`,
  `DROP TABLE ${table}_v10`,
];

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, idempotency, projects, keys',
    sql: [
      `CREATE TABLE events (
        project VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        seq BIGINT NOT NULL,
        id VARCHAR,
        type VARCHAR NOT NULL,
        name VARCHAR,
        service VARCHAR,
        environment VARCHAR,
        user_id VARCHAR,
        session_id VARCHAR,
        persona VARCHAR,
        channel VARCHAR,
        guild VARCHAR,
        prompt_id VARCHAR,
        model VARCHAR,
        provider VARCHAR,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd DOUBLE,
        duration_ms FLOAT,
        ttft_ms FLOAT,
        status VARCHAR NOT NULL,
        error_type VARCHAR,
        error_message VARCHAR,
        severity VARCHAR,
        value DOUBLE,
        target VARCHAR,
        text VARCHAR,
        sentiment FLOAT,
        phases MAP(VARCHAR, FLOAT),
        attributes MAP(VARCHAR, VARCHAR)
      )`,
      `CREATE TABLE idempotency (
        project VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        status INTEGER NOT NULL,
        response VARCHAR NOT NULL,
        PRIMARY KEY (project, key)
      )`,
      `CREATE TABLE projects (
        name VARCHAR PRIMARY KEY,
        created_at TIMESTAMP NOT NULL,
        store_text BOOLEAN NOT NULL DEFAULT false
      )`,
      `CREATE TABLE api_keys (
        id VARCHAR PRIMARY KEY,
        project VARCHAR NOT NULL,
        scope VARCHAR NOT NULL,
        name VARCHAR,
        prefix VARCHAR NOT NULL,
        hash VARCHAR NOT NULL UNIQUE,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`,
    ],
  },
  {
    // Text facts (docs/ingest.md): appended columns, so events stored before them read NULL and still
    // count in every measure that does not need them.
    version: 2,
    name: 'events: text facts',
    sql: [
      'ALTER TABLE events ADD COLUMN text_length INTEGER',
      'ALTER TABLE events ADD COLUMN questions INTEGER',
      'ALTER TABLE events ADD COLUMN emojis INTEGER',
      'ALTER TABLE events ADD COLUMN mentions INTEGER',
      'ALTER TABLE events ADD COLUMN topic VARCHAR',
    ],
  },
  {
    version: 3,
    name: 'export jobs',
    sql: [
      `CREATE TABLE export_jobs (
        id VARCHAR PRIMARY KEY,
        project VARCHAR NOT NULL,
        export_type VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        spec VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        rows BIGINT,
        bytes BIGINT,
        error VARCHAR
      )`,
    ],
  },
  {
    version: 4,
    name: 'report runs',
    sql: [
      `CREATE TABLE report_runs (
        name VARCHAR NOT NULL,
        period_start TIMESTAMP NOT NULL,
        period_end TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL,
        claimed_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        detail VARCHAR,
        PRIMARY KEY (name, period_start)
      )`,
    ],
  },
  {
    // Rollups (rollups/definition.ts; docs/retention.md): partial rows per grain, latency sketches, phase sums, and
    // the watermark — the last event seq they include. A store migrated from an older version starts at 0 and the
    // rollup task catches up in slices while queries read raw events past the watermark.
    version: 5,
    name: 'rollups',
    sql: [
      `CREATE TABLE rollup_day (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, service VARCHAR, environment VARCHAR, persona VARCHAR, model VARCHAR, provider VARCHAR, status VARCHAR NOT NULL, error_type VARCHAR, prompt_id VARCHAR, n BIGINT, n_error BIGINT, n_ok BIGINT, input_tokens BIGINT, output_tokens BIGINT, cost_usd DOUBLE, duration_n BIGINT, duration_sum DOUBLE, ttft_n BIGINT, ttft_sum DOUBLE, timed_output_tokens BIGINT, timed_duration DOUBLE, sentiment_n BIGINT, sentiment_sum DOUBLE, positive_n BIGINT, neutral_n BIGINT, negative_n BIGINT, value_n BIGINT, value_sum DOUBLE, value_max DOUBLE, value_last DOUBLE, value_last_ts TIMESTAMP, value_first DOUBLE, value_first_ts TIMESTAMP, ts_min TIMESTAMP, ts_max TIMESTAMP, session_n BIGINT, meaningful_n BIGINT, text_n BIGINT, text_length_sum BIGINT, questions BIGINT, emojis BIGINT, mentions BIGINT, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE latency_day_by_model (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, model VARCHAR, provider VARCHAR, metric VARCHAR NOT NULL, bin INTEGER NOT NULL, n BIGINT NOT NULL, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE latency_day (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, service VARCHAR, environment VARCHAR, persona VARCHAR, model VARCHAR, provider VARCHAR, status VARCHAR NOT NULL, error_type VARCHAR, prompt_id VARCHAR, metric VARCHAR NOT NULL, bin INTEGER NOT NULL, n BIGINT NOT NULL, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE phases_day (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, service VARCHAR, environment VARCHAR, persona VARCHAR, model VARCHAR, provider VARCHAR, status VARCHAR NOT NULL, error_type VARCHAR, prompt_id VARCHAR, phase VARCHAR NOT NULL, n BIGINT NOT NULL, sum_ms DOUBLE, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE rollup_hour (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, service VARCHAR, environment VARCHAR, persona VARCHAR, model VARCHAR, provider VARCHAR, status VARCHAR NOT NULL, error_type VARCHAR, prompt_id VARCHAR, n BIGINT, n_error BIGINT, n_ok BIGINT, input_tokens BIGINT, output_tokens BIGINT, cost_usd DOUBLE, duration_n BIGINT, duration_sum DOUBLE, ttft_n BIGINT, ttft_sum DOUBLE, timed_output_tokens BIGINT, timed_duration DOUBLE, sentiment_n BIGINT, sentiment_sum DOUBLE, positive_n BIGINT, neutral_n BIGINT, negative_n BIGINT, value_n BIGINT, value_sum DOUBLE, value_max DOUBLE, value_last DOUBLE, value_last_ts TIMESTAMP, value_first DOUBLE, value_first_ts TIMESTAMP, ts_min TIMESTAMP, ts_max TIMESTAMP, session_n BIGINT, meaningful_n BIGINT, text_n BIGINT, text_length_sum BIGINT, questions BIGINT, emojis BIGINT, mentions BIGINT, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE latency_hour_by_model (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, model VARCHAR, provider VARCHAR, metric VARCHAR NOT NULL, bin INTEGER NOT NULL, n BIGINT NOT NULL, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE latency_hour (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, service VARCHAR, environment VARCHAR, persona VARCHAR, model VARCHAR, provider VARCHAR, status VARCHAR NOT NULL, error_type VARCHAR, prompt_id VARCHAR, metric VARCHAR NOT NULL, bin INTEGER NOT NULL, n BIGINT NOT NULL, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE phases_hour (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, name VARCHAR, service VARCHAR, environment VARCHAR, persona VARCHAR, model VARCHAR, provider VARCHAR, status VARCHAR NOT NULL, error_type VARCHAR, prompt_id VARCHAR, phase VARCHAR NOT NULL, n BIGINT NOT NULL, sum_ms DOUBLE, compacted BOOLEAN NOT NULL)`,
      `CREATE TABLE rollup_minute (project VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, status VARCHAR NOT NULL, n BIGINT, n_error BIGINT, n_ok BIGINT, compacted BOOLEAN NOT NULL)`,
      'CREATE TABLE rollup_state (id INTEGER PRIMARY KEY, watermark BIGINT NOT NULL)',
      'INSERT INTO rollup_state VALUES (1, 0)',
    ],
  },
  {
    // User rollups (analytics/user-rollups/; docs/retention.md "User rollups"), each row one (project, UTC day, key):
    // user_session_day per user, session, persona and type (counts, ok counts, cost, value of ok events, first/last
    // time, latest plan); user_day per user (the same without the split); persona_evolution_day per persona, name and
    // trait of `evolution` events; user_first_seen, each user's first event and latest plan; and their watermark.
    version: 6,
    name: 'user rollups',
    sql: [
      `CREATE TABLE user_session_day (project VARCHAR NOT NULL, day TIMESTAMP NOT NULL, user_id VARCHAR, session_id VARCHAR, persona VARCHAR, type VARCHAR NOT NULL, n BIGINT NOT NULL, n_ok BIGINT NOT NULL, cost_usd DOUBLE, value_ok DOUBLE, first_ts TIMESTAMP NOT NULL, last_ts TIMESTAMP NOT NULL, plan VARCHAR, plan_ts TIMESTAMP)`,
      `CREATE TABLE user_day (project VARCHAR NOT NULL, day TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL, n BIGINT NOT NULL, cost_usd DOUBLE, first_ts TIMESTAMP NOT NULL, last_ts TIMESTAMP NOT NULL, plan VARCHAR, plan_ts TIMESTAMP)`,
      `CREATE TABLE persona_evolution_day (project VARCHAR NOT NULL, day TIMESTAMP NOT NULL, persona VARCHAR, name VARCHAR, trait VARCHAR, n BIGINT NOT NULL, value_sum DOUBLE, value_last DOUBLE, value_last_ts TIMESTAMP, first_ts TIMESTAMP NOT NULL, last_ts TIMESTAMP NOT NULL)`,
      'CREATE TABLE user_first_seen (project VARCHAR NOT NULL, user_id VARCHAR NOT NULL, first_ts TIMESTAMP NOT NULL, plan VARCHAR, plan_ts TIMESTAMP, PRIMARY KEY (project, user_id))',
      'CREATE TABLE user_rollup_state (id INTEGER PRIMARY KEY, watermark BIGINT NOT NULL)',
      'INSERT INTO user_rollup_state VALUES (1, 0)',
    ],
  },
  {
    // Daily rows rolled once per ended day (rollups/definition.ts, STATE_TABLE's day_until) instead of written with
    // every hourly delta, and no hourly sketch by all ten dimensions (the daily one stays). A store that has daily
    // rows keeps them: its days up to the end of today stay fed by hourly deltas, as before; later days roll.
    version: 7,
    name: 'rollups-daily-roll',
    sql: [
      'ALTER TABLE rollup_state ADD COLUMN day_until BIGINT',
      `UPDATE rollup_state SET day_until = CASE WHEN EXISTS (SELECT 1 FROM rollup_day) OR EXISTS (SELECT 1 FROM latency_day)
         THEN (epoch_ms(now()) // 86400000 + 1) * 86400000 END`,
      'DROP TABLE latency_hour',
    ],
  },
  {
    // User rollups kept as the hourly rollups are (analytics/user-rollups/maintain.ts): rows are appended as delta
    // rows (`compacted = false`) and a day's rows are merged into one per key once enough have accumulated. The rows
    // written before were merged already.
    version: 8,
    name: 'user rollups: delta rows',
    sql: ['user_session_day', 'user_day', 'persona_evolution_day'].map((t) => `ALTER TABLE ${t} ADD COLUMN compacted BOOLEAN DEFAULT true`),
  },  {
    // Hourly twins of user_session_day and user_day (analytics/user-rollups/tables.ts), read at a range's edges — the
    // hours of its partial first and last days — instead of raw events; and interaction_day with its hourly twin,
    // `interaction` events per persona, target, name, topic, stage, exchange length and continued (read instead of the
    // events by the persona, relationship and banter views); and user_topic_hour, messages and affinity interactions per
    // hour, user, persona, type, name and topic. A store migrated from version 8 fills them
    // from its events up to the user rollups' watermark (the maintainer writes the hours past it), merged and sorted as
    // a compaction leaves them; hours whose events retention deleted stay empty, as raw reads of them were.
    version: 9,
    name: 'user rollups: hours, interactions',
    sql: [
      `CREATE TABLE user_session_hour (project VARCHAR NOT NULL, hour TIMESTAMP NOT NULL, user_id VARCHAR, session_id VARCHAR, persona VARCHAR, type VARCHAR NOT NULL, n BIGINT NOT NULL, n_ok BIGINT NOT NULL, cost_usd DOUBLE, value_ok DOUBLE, first_ts TIMESTAMP NOT NULL, last_ts TIMESTAMP NOT NULL, plan VARCHAR, plan_ts TIMESTAMP, compacted BOOLEAN DEFAULT true)`,
      `CREATE TABLE user_hour (project VARCHAR NOT NULL, hour TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL, n BIGINT NOT NULL, cost_usd DOUBLE, first_ts TIMESTAMP NOT NULL, last_ts TIMESTAMP NOT NULL, plan VARCHAR, plan_ts TIMESTAMP, compacted BOOLEAN DEFAULT true)`,
      `CREATE TABLE interaction_hour (project VARCHAR NOT NULL, hour TIMESTAMP NOT NULL, persona VARCHAR, target VARCHAR, name VARCHAR, topic VARCHAR, stage VARCHAR, exchange_length VARCHAR, continued VARCHAR, n BIGINT NOT NULL, first_ts TIMESTAMP NOT NULL, last_ts TIMESTAMP NOT NULL, value_first DOUBLE, value_first_ts TIMESTAMP, value_last DOUBLE, value_last_ts TIMESTAMP, compacted BOOLEAN DEFAULT true)`,
      `CREATE TABLE interaction_day (project VARCHAR NOT NULL, day TIMESTAMP NOT NULL, persona VARCHAR, target VARCHAR, name VARCHAR, topic VARCHAR, stage VARCHAR, exchange_length VARCHAR, continued VARCHAR, n BIGINT NOT NULL, first_ts TIMESTAMP NOT NULL, last_ts TIMESTAMP NOT NULL, value_first DOUBLE, value_first_ts TIMESTAMP, value_last DOUBLE, value_last_ts TIMESTAMP, compacted BOOLEAN DEFAULT true)`,
      `CREATE TABLE user_topic_hour (project VARCHAR NOT NULL, hour TIMESTAMP NOT NULL, user_id VARCHAR, persona VARCHAR, type VARCHAR NOT NULL, name VARCHAR, topic VARCHAR, n BIGINT NOT NULL, value_last DOUBLE, value_last_ts TIMESTAMP, compacted BOOLEAN DEFAULT true)`,
    ],
    then: async (c) => {
      // A day at a time, so a large file fills within the memory limit (128 MB by default), each day's rows sorted.
      const days = (await c.runAndReadAll(`SELECT DISTINCT epoch_ms(date_trunc('day', ts)) FROM events WHERE seq <= (SELECT watermark FROM user_rollup_state WHERE id = 1)`)).getRows();
      for (const day of days.map((r) => Number(r[0])).sort((x, y) => x - y)) for (const sql of FILL_HOURS_AND_INTERACTIONS) await c.run(sql, [day]);
    },
  },
  {
    // The digest of the body a key was first used with (ingest/idempotency.ts): the same key with another body is a
    // client's mistake (422), not a retry. Records written before have none and are answered as retries.
    version: 10,
    name: 'idempotency: body fingerprint',
    sql: ['ALTER TABLE idempotency ADD COLUMN fingerprint VARCHAR'],
  },
  {
    // `priced_tokens` (rollups/definition.ts): the tokens of events that carry a cost, so the cost per 1k tokens of a
    // model is its cost over its priced tokens — unknown (null) for a model never priced, not $0. A row written before
    // knows only whether any of its events had a cost (cost_usd NULL: none had): one without reads 0 priced tokens,
    // exactly; one with counts all its tokens as priced — exact unless the row (one hour or day, model, provider,
    // name, … and status) mixed priced and unpriced events of a model the pricing table does not know, where it
    // answers as the release before did. Raw events cannot settle it: retention may have deleted them.
    version: 11,
    name: 'rollups: priced tokens',
    sql: [...ADD_PRICED_TOKENS('rollup_hour'), ...ADD_PRICED_TOKENS('rollup_day')],
  },
];
