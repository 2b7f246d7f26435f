import type { Dialect } from './dialect.js';
import type { Per } from './types.js';

/**
 * THE table of measures: adding one is one entry here (and a row in docs/api.md).
 *
 * A measure is either an aggregate SQL expression built through the dialect, or a quantile of a column;
 * quantiles are gathered by the compiler so all percentiles of one column in a query are computed in
 * one pass. Percentiles are EXACT (DuckDB `quantile_cont`, linear interpolation): measured at 10M
 * events on the 2-core box, exact was faster than DuckDB's `approx_quantile` (see dialects/duckdb.ts).
 *
 * Result types: `int` and `float` come back as JSON numbers (or null when there is nothing to
 * average), `timestamp` as an RFC 3339 string. Sums are 0, not null, over no rows.
 */
export type MeasureType = 'int' | 'float' | 'timestamp';

interface MeasureBase {
  type: MeasureType;
  description: string;
  /** Only valid with this dimension in the query (its rows are what the measure aggregates). */
  requires?: 'phase';
  /**
   * Aggregates sessions or cohorts, not events: valid only with that `per`. With `per: 'session'` each
   * source row is one session with `s_events` (its events) and `s_span` (ms, first to last event);
   * with `per: 'cohort'` each row is one (user, bucket the user was active in).
   */
  per?: Per;
  /**
   * Computed from 32-bit FLOAT columns (durations, sentiment), which carry ~7 significant digits:
   * answered rounded to 7, so `6017.60009765625` reads 6017.6. DOUBLE sums (cost, value) keep theirs.
   */
  float32?: true;
  /**
   * A sum or mean of a DOUBLE column: its last bits depend on the order the engine adds the rows in (its threads,
   * ClickHouse's parts, which instance wrote what), so it is answered rounded to 15 significant digits, which a
   * double always holds: 0.02 twenty times reads 0.4 from every query, not 0.4000000000000001 from one and
   * 0.39999999999999997 from the next.
   */
  doubleSum?: true;
}
export interface AggregateMeasure extends MeasureBase {
  sql: (d: Dialect) => string;
}
export interface QuantileMeasure extends MeasureBase {
  quantile: { column: string; q: number };
}
export type MeasureDef = AggregateMeasure | QuantileMeasure;

const ERROR = `status = 'error'`;
const sum0 = (column: string): string => `coalesce(sum(${column}), 0)`;
/** Sentiment within ±0.05 is neutral; the same band the sentiment distributions of seed 001 use. */
export const SENTIMENT_BAND = 0.05;
/** A reply shorter than this many characters ("ok", "lol") does not count as meaningful. */
export const MEANINGFUL_CHARS = 20;
/** `ts` of events that carry a value: arg_max/arg_min skip NULL keys, so value-less events are passed over. */
const VALUE_TS = 'CASE WHEN value IS NOT NULL THEN ts END';
const TIMED_OUTPUT = 'duration_ms > 0 AND output_tokens IS NOT NULL';
/**
 * input + output tokens of an event that carries a cost (priced by the client or the pricing table), NULL for one
 * that does not: an unpriced event's tokens are not tokens that cost $0. Added as 64-bit (each count may be up to
 * 2³¹ − 1); `CAST(… AS Int64)` is read by DuckDB and ClickHouse alike.
 */
export const PRICED_TOKENS = 'CASE WHEN cost_usd IS NOT NULL THEN CAST(0 AS Int64) + coalesce(input_tokens, 0) + coalesce(output_tokens, 0) END';

export const MEASURES = {
  count: { type: 'int', description: 'number of events', sql: () => 'count(*)' },
  errors: { type: 'int', description: 'events with status `error`', sql: (d) => d.countIf(ERROR) },
  input_tokens: { type: 'int', description: 'sum of prompt tokens', sql: () => sum0('input_tokens') },
  output_tokens: { type: 'int', description: 'sum of completion tokens', sql: () => sum0('output_tokens') },
  total_tokens: {
    type: 'int',
    description: 'input_tokens + output_tokens',
    sql: () => `${sum0('input_tokens')} + ${sum0('output_tokens')}`,
  },
  cost_usd: { type: 'float', doubleSum: true, description: 'sum of cost in USD', sql: () => sum0('cost_usd') },
  priced_tokens: {
    type: 'int',
    description: 'input_tokens + output_tokens of events that carry a cost (cost_usd / priced_tokens is the price per token; 0: none is priced)',
    sql: () => sum0(PRICED_TOKENS),
  },
  avg_duration_ms: { type: 'float', float32: true, description: 'mean duration_ms', sql: () => 'avg(duration_ms)' },
  p50_duration_ms: { type: 'float', float32: true, description: 'median duration_ms (exact)', quantile: { column: 'duration_ms', q: 0.5 } },
  p95_duration_ms: { type: 'float', float32: true, description: '95th percentile duration_ms (exact)', quantile: { column: 'duration_ms', q: 0.95 } },
  p99_duration_ms: { type: 'float', float32: true, description: '99th percentile duration_ms (exact)', quantile: { column: 'duration_ms', q: 0.99 } },
  avg_ttft_ms: { type: 'float', float32: true, description: 'mean time to first token', sql: () => 'avg(ttft_ms)' },
  p95_ttft_ms: { type: 'float', float32: true, description: '95th percentile time to first token (exact)', quantile: { column: 'ttft_ms', q: 0.95 } },
  error_rate: { type: 'float', description: 'errors / count (0…1)', sql: (d) => d.safeDiv(d.countIf(ERROR), 'count(*)') },
  success_rate: {
    type: 'float',
    description: 'events with status `ok` / count (0…1)',
    sql: (d) => d.safeDiv(d.countIf(`status = 'ok'`), 'count(*)'),
  },
  unique_users: { type: 'int', description: 'distinct user_id (exact)', sql: (d) => d.countDistinct('user_id') },
  tokens_per_second: {
    type: 'float',
    float32: true,
    description: 'sum(output_tokens) / sum(duration_ms) × 1000, over events that have both',
    sql: (d) => d.safeDiv(`${d.sumIf('output_tokens', TIMED_OUTPUT)} * 1000`, d.sumIf('duration_ms', TIMED_OUTPUT)),
  },
  duration_samples: { type: 'int', description: 'events that carry duration_ms', sql: () => 'count(duration_ms)' },
  ttft_samples: { type: 'int', description: 'events that carry ttft_ms', sql: () => 'count(ttft_ms)' },
  sentiment_samples: { type: 'int', description: 'events that carry a sentiment', sql: () => 'count(sentiment)' },
  avg_sentiment: { type: 'float', float32: true, description: 'mean sentiment (−1…1)', sql: () => 'avg(sentiment)' },
  sum_value: { type: 'float', doubleSum: true, description: 'sum of value', sql: () => sum0('value') },
  avg_value: { type: 'float', doubleSum: true, description: 'mean value', sql: () => 'avg(value)' },
  last_seen: { type: 'timestamp', description: 'time of the latest event', sql: (d) => d.epochMs('max(ts)') },
  first_seen: { type: 'timestamp', description: 'time of the earliest event', sql: (d) => d.epochMs('min(ts)') },
  unique_sessions: { type: 'int', description: 'distinct session_id (exact)', sql: (d) => d.countDistinct('session_id') },
  unique_personas: { type: 'int', description: 'distinct persona (exact)', sql: (d) => d.countDistinct('persona') },
  max_value: { type: 'float', description: 'largest value', sql: () => 'max(value)' },
  last_value: { type: 'float', description: 'value of the latest event that has one (current affinity, level …)', sql: (d) => d.argMax('value', VALUE_TS) },
  first_value: { type: 'float', description: 'value of the earliest event that has one', sql: (d) => d.argMin('value', VALUE_TS) },
  last_value_seen: { type: 'timestamp', description: 'time of the latest event that has a value', sql: (d) => d.epochMs(`max(${VALUE_TS})`) },
  first_value_seen: { type: 'timestamp', description: 'time of the earliest event that has a value', sql: (d) => d.epochMs(`min(${VALUE_TS})`) },
  positive_count: { type: 'int', description: `events with sentiment > ${SENTIMENT_BAND}`, sql: (d) => d.countIf(`sentiment > ${SENTIMENT_BAND}`) },
  neutral_count: { type: 'int', description: `events with sentiment within ±${SENTIMENT_BAND}`, sql: (d) => d.countIf(`sentiment BETWEEN -${SENTIMENT_BAND} AND ${SENTIMENT_BAND}`) },
  negative_count: { type: 'int', description: `events with sentiment < −${SENTIMENT_BAND}`, sql: (d) => d.countIf(`sentiment < -${SENTIMENT_BAND}`) },
  session_events: { type: 'int', description: 'events that carry a session_id', sql: () => 'count(session_id)' },
  meaningful_texts: {
    type: 'int',
    description: `events with status \`ok\` whose text was at least ${MEANINGFUL_CHARS} characters (text facts)`,
    sql: (d) => d.countIf(`status = 'ok' AND text_length >= ${MEANINGFUL_CHARS}`),
  },
  text_samples: { type: 'int', description: 'events that carry text facts', sql: () => 'count(text_length)' },
  avg_text_length: { type: 'float', description: 'mean text length in characters (text facts)', sql: () => 'avg(text_length)' },
  questions: { type: 'int', description: 'question marks in texts (text facts)', sql: () => sum0('questions') },
  emojis: { type: 'int', description: 'emoji in texts (text facts)', sql: () => sum0('emojis') },
  mentions: { type: 'int', description: 'mentions in texts (text facts)', sql: () => sum0('mentions') },
  sessions: { type: 'int', per: 'session', description: 'sessions (per=session)', sql: () => 'count(*)' },
  avg_session_ms: { type: 'float', per: 'session', description: 'mean session span, first to last event, ms (per=session)', sql: () => 'avg(s_span)' },
  p50_session_ms: { type: 'float', per: 'session', description: 'median session span, ms (per=session, exact)', quantile: { column: 's_span', q: 0.5 } },
  p95_session_ms: { type: 'float', per: 'session', description: '95th percentile session span, ms (per=session, exact)', quantile: { column: 's_span', q: 0.95 } },
  avg_session_events: { type: 'float', per: 'session', description: 'mean events per session (per=session)', sql: () => 'avg(s_events)' },
  cohort_users: { type: 'int', per: 'cohort', description: 'users of the cohort active in the bucket (per=cohort)', sql: () => 'count(*)' },
  avg_phase_ms: {
    type: 'float',
    float32: true,
    description: 'mean milliseconds of the phase (needs dimension `phase`)',
    requires: 'phase',
    sql: (d) => `avg(${d.phaseValue()})`,
  },
} as const satisfies Record<string, MeasureDef>;

export type MeasureName = keyof typeof MEASURES;
export const MEASURE_NAMES = Object.keys(MEASURES) as MeasureName[];

export function isMeasureName(name: string): name is MeasureName {
  return Object.hasOwn(MEASURES, name);
}

export function measureDef(name: MeasureName): MeasureDef {
  return MEASURES[name];
}
