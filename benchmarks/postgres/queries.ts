import { TABLE } from './schema.js';

/**
 * The SQL a PostgreSQL-backed implementation of each Pulse query would run, written by hand against
 * the seed 004 table, with the same filters, groups, order and limits as Pulse's compiled queries
 * (packages/server/src/query). A preset is the set of statements it needs, run one after another on
 * one connection, as a request handler would. Values are bound parameters, as in Pulse.
 *
 * Mapping: project → tenant_id, ts → "timestamp", type → event_type, model → model_name,
 * duration_ms → response_time_ms, status = 'error' → NOT success. Percentiles are exact
 * (percentile_cont), as Pulse's are.
 */
export interface PgStatement {
  sql: string;
  params: unknown[];
}

export interface PgRange {
  startMs: number;
  endMs: number;
}

export type PgQueryName =
  | 'usage_overview'
  | 'performance_metrics'
  | 'api_metrics'
  | 'timeseries_hour'
  | 'p95_by_model'
  | 'top_users'
  | 'heatmap'
  | 'errors_by_type';

const iso = (ms: number): string => new Date(ms).toISOString();
const WHERE = `tenant_id = $1 AND "timestamp" >= $2::timestamptz AND "timestamp" < $3::timestamptz`;
const base = (project: string, r: PgRange): unknown[] => [project, iso(r.startMs), iso(r.endMs)];

const TOTAL_TOKENS = 'coalesce(sum(input_tokens), 0) + coalesce(sum(output_tokens), 0)';
const SUCCESS_RATE = 'count(*) FILTER (WHERE success)::float8 / NULLIF(count(*), 0)';
const ERROR_RATE = 'count(*) FILTER (WHERE NOT success)::float8 / NULLIF(count(*), 0)';
const PERCENTILES = 'percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY response_time_ms)';
const TIMED = 'response_time_ms > 0 AND output_tokens IS NOT NULL';
const TOKENS_PER_SECOND =
  `(sum(output_tokens) FILTER (WHERE ${TIMED}) * 1000)::float8 / NULLIF(sum(response_time_ms) FILTER (WHERE ${TIMED}), 0)`;
const USAGE = `count(*) AS requests, coalesce(sum(input_tokens), 0) AS input_tokens, ${TOTAL_TOKENS} AS total_tokens,
  coalesce(sum(cost_usd), 0) AS cost_usd, avg(response_time_ms) AS avg_ms, ${SUCCESS_RATE} AS success_rate`;
const LATENCY = `count(*) AS events, avg(response_time_ms) AS avg_ms, ${PERCENTILES} AS pcts, ${ERROR_RATE} AS error_rate`;

type Builder = (project: string, range: PgRange, groupBy: string) => PgStatement[];

const QUERIES: Record<PgQueryName, Builder> = {
  /** GET /v1/analytics/usage/overview: summary, time series, top prompts over `llm` events. */
  usage_overview: (project, r, groupBy) => [
    { sql: `SELECT ${USAGE} FROM ${TABLE} WHERE ${WHERE} AND event_type = $4`, params: [...base(project, r), 'llm'] },
    {
      sql: `SELECT date_trunc($5, "timestamp") AS bucket, ${USAGE} FROM ${TABLE} WHERE ${WHERE} AND event_type = $4
        GROUP BY 1 ORDER BY 1 LIMIT 10000`,
      params: [...base(project, r), 'llm', groupBy],
    },
    {
      sql: `SELECT prompt_id, count(*) AS requests, ${TOTAL_TOKENS} AS total_tokens, coalesce(sum(cost_usd), 0) AS cost_usd
        FROM ${TABLE} WHERE ${WHERE} AND event_type = $4 GROUP BY prompt_id ORDER BY requests DESC, prompt_id LIMIT 11`,
      params: [...base(project, r), 'llm'],
    },
  ],

  /** GET /v1/analytics/performance/metrics: latency overall, by model, by route; peak minute; table size. */
  performance_metrics: (project, r) => [
    { sql: `SELECT ${LATENCY}, count(*) FILTER (WHERE NOT success) AS errors FROM ${TABLE} WHERE ${WHERE}`, params: base(project, r) },
    {
      sql: `SELECT model_name, ${LATENCY} FROM ${TABLE} WHERE ${WHERE}
        GROUP BY model_name ORDER BY events DESC, model_name LIMIT 100`,
      params: base(project, r),
    },
    {
      sql: `SELECT name, ${LATENCY} FROM ${TABLE} WHERE ${WHERE} AND event_type = $4
        GROUP BY name ORDER BY events DESC, name LIMIT 100`,
      params: [...base(project, r), 'http'],
    },
    {
      sql: `SELECT date_trunc('minute', "timestamp") AS bucket, count(*) AS events FROM ${TABLE} WHERE ${WHERE}
        GROUP BY 1 ORDER BY events DESC, bucket LIMIT 1`,
      params: base(project, r),
    },
    // Pulse reports the stored event count; the planner's estimate stands in for count(*) here,
    // which would be a full scan (this favours PostgreSQL).
    {
      sql: `SELECT c.reltuples::bigint AS events, pg_total_relation_size(c.oid) AS bytes
        FROM pg_class c WHERE c.oid = $1::regclass`,
      params: [TABLE],
    },
  ],

  /** GET /api/metrics: overall, phase breakdown, by model, top errors, previous period for the trend. */
  api_metrics: (project, r) => [
    {
      sql: `SELECT count(*) AS events, count(*) FILTER (WHERE NOT success) AS errors, avg(response_time_ms) AS avg_ms,
        ${PERCENTILES} AS pcts, coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
        ${TOTAL_TOKENS} AS total_tokens, coalesce(sum(cost_usd), 0) AS cost_usd FROM ${TABLE} WHERE ${WHERE}`,
      params: base(project, r),
    },
    {
      sql: `SELECT p.key AS phase, avg(p.value::float8) AS avg_ms FROM ${TABLE}, jsonb_each_text(phases) AS p
        WHERE ${WHERE} GROUP BY p.key ORDER BY p.key LIMIT 100`,
      params: base(project, r),
    },
    {
      sql: `SELECT model_name, count(*) AS events, coalesce(sum(input_tokens), 0) AS input_tokens,
        coalesce(sum(output_tokens), 0) AS output_tokens, ${TOTAL_TOKENS} AS total_tokens, coalesce(sum(cost_usd), 0) AS cost_usd,
        avg(response_time_ms) AS avg_ms, ${TOKENS_PER_SECOND} AS tokens_per_second
        FROM ${TABLE} WHERE ${WHERE} GROUP BY model_name ORDER BY events DESC, model_name LIMIT 100`,
      params: base(project, r),
    },
    {
      sql: `SELECT error_type, count(*) AS events, max("timestamp") AS last_seen FROM ${TABLE}
        WHERE ${WHERE} AND NOT success GROUP BY error_type ORDER BY events DESC, error_type LIMIT 10`,
      params: base(project, r),
    },
    {
      sql: `SELECT count(*) AS events, count(*) FILTER (WHERE NOT success) AS errors FROM ${TABLE} WHERE ${WHERE}`,
      params: [project, iso(r.startMs - (r.endMs - r.startMs)), iso(r.startMs)],
    },
  ],

  /** /v1/query?measures=count,total_tokens,cost_usd,avg_duration_ms&interval=hour&type=llm */
  timeseries_hour: (project, r) => [
    {
      sql: `SELECT date_trunc('hour', "timestamp") AS bucket, count(*) AS events, ${TOTAL_TOKENS} AS total_tokens,
        coalesce(sum(cost_usd), 0) AS cost_usd, avg(response_time_ms) AS avg_ms
        FROM ${TABLE} WHERE ${WHERE} AND event_type = $4 GROUP BY 1 ORDER BY 1 LIMIT 1000`,
      params: [...base(project, r), 'llm'],
    },
  ],

  /** /v1/query?measures=p95_duration_ms,count&dimensions=model&type=llm */
  p95_by_model: (project, r) => [
    {
      sql: `SELECT model_name, percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95_ms, count(*) AS events
        FROM ${TABLE} WHERE ${WHERE} AND event_type = $4 GROUP BY model_name ORDER BY p95_ms DESC, model_name LIMIT 1000`,
      params: [...base(project, r), 'llm'],
    },
  ],

  /** /v1/query?measures=count&dimensions=user_id&order=-count&limit=10 */
  top_users: (project, r) => [
    {
      sql: `SELECT user_id, count(*) AS events FROM ${TABLE} WHERE ${WHERE}
        GROUP BY user_id ORDER BY events DESC, user_id LIMIT 10`,
      params: base(project, r),
    },
  ],

  /** /v1/query?measures=count&dimensions=weekday,hour_of_day (ISO weekday, UTC) */
  heatmap: (project, r) => [
    {
      sql: `SELECT extract(isodow FROM "timestamp" AT TIME ZONE 'UTC')::int AS weekday,
        extract(hour FROM "timestamp" AT TIME ZONE 'UTC')::int AS hour_of_day, count(*) AS events
        FROM ${TABLE} WHERE ${WHERE} GROUP BY 1, 2 ORDER BY events DESC, 1, 2 LIMIT 1000`,
      params: base(project, r),
    },
  ],

  /** /v1/query?measures=count&dimensions=error_type&status=error */
  errors_by_type: (project, r) => [
    {
      sql: `SELECT error_type, count(*) AS events FROM ${TABLE} WHERE ${WHERE} AND NOT success
        GROUP BY error_type ORDER BY events DESC, error_type LIMIT 1000`,
      params: base(project, r),
    },
  ],
};

export const PG_QUERY_NAMES = Object.keys(QUERIES) as PgQueryName[];

/** The statements of one named query; `groupBy` is the usage overview's bucket (hour/day/week/month). */
export function pgStatements(name: PgQueryName, project: string, range: PgRange, groupBy = 'day'): PgStatement[] {
  return QUERIES[name](project, range, groupBy);
}
