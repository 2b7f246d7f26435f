import type { Dialect } from '../query/dialect.js';
import { MEANINGFUL_CHARS, PRICED_TOKENS, SENTIMENT_BAND } from '../query/measures.js';
import { LATENCY_GAMMA } from '../query/types.js';

/**
 * What the rollups keep (docs/retention.md, "Rollups"). Three grains of pre-aggregated rows per project:
 *
 * - `minute`: counts by type and status only (peak minute, throughput, live-range error rates);
 * - `hour` and `day`: every partial below by the ten string dimensions the dashboard and presets group and filter
 *   by, plus latency sketches (`latency_*`) and phase sums (`phases_*`).
 *
 * A rollup row holds *partials* — sums, counts, minima, maxima, arg-max pairs — never a finished ratio, so rows merge
 * by aggregating them again: across buckets (a 30-day query reads 29 daily rows per group), across delta rows of one
 * bucket (late events), and with raw events projected into the same shape (the range's unaligned edges and the
 * events not rolled up yet). Every table name and column here is a constant of this file, never caller input.
 */
export const ROLLUP_DIMENSIONS = [
  'type', 'name', 'service', 'environment', 'persona', 'model', 'provider', 'status', 'error_type', 'prompt_id',
] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

export type PartialKind = 'sum' | 'min' | 'max' | { argMax: string } | { argMin: string };

export interface PartialDef {
  column: string;
  sqlType: 'BIGINT' | 'DOUBLE' | 'TIMESTAMP';
  /** The partial of one raw event, as an expression over an `events` row (NULL: the event does not contribute). */
  row: (d: Dialect) => string;
  /**
   * How partials merge: the same aggregate builds a rollup row from events and merges rows with each other. (Rows
   * built in memory as batches commit use event-partials.ts, the same definitions written out in JavaScript.)
   */
  kind: PartialKind;
}


const ERROR = `status = 'error'`;
const TIMED_OUTPUT = 'duration_ms > 0 AND output_tokens IS NOT NULL';
const VALUE_TS = 'CASE WHEN value IS NOT NULL THEN ts END';
const flag = (condition: string): string => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;
const when = (condition: string, expr: string): string => `CASE WHEN ${condition} THEN ${expr} END`;

export const PARTIALS = [
  { column: 'n', sqlType: 'BIGINT', row: () => '1', kind: 'sum' },
  { column: 'n_error', sqlType: 'BIGINT', row: () => flag(ERROR), kind: 'sum' },
  { column: 'n_ok', sqlType: 'BIGINT', row: () => flag(`status = 'ok'`), kind: 'sum' },
  { column: 'input_tokens', sqlType: 'BIGINT', row: () => 'input_tokens', kind: 'sum' },
  { column: 'output_tokens', sqlType: 'BIGINT', row: () => 'output_tokens', kind: 'sum' },
  { column: 'cost_usd', sqlType: 'DOUBLE', row: () => 'cost_usd', kind: 'sum' },
  { column: 'duration_n', sqlType: 'BIGINT', row: () => flag('duration_ms IS NOT NULL'), kind: 'sum' },
  { column: 'duration_sum', sqlType: 'DOUBLE', row: () => 'duration_ms', kind: 'sum' },
  { column: 'ttft_n', sqlType: 'BIGINT', row: () => flag('ttft_ms IS NOT NULL'), kind: 'sum' },
  { column: 'ttft_sum', sqlType: 'DOUBLE', row: () => 'ttft_ms', kind: 'sum' },
  { column: 'timed_output_tokens', sqlType: 'BIGINT', row: () => when(TIMED_OUTPUT, 'output_tokens'), kind: 'sum' },
  { column: 'timed_duration', sqlType: 'DOUBLE', row: () => when(TIMED_OUTPUT, 'duration_ms'), kind: 'sum' },
  { column: 'sentiment_n', sqlType: 'BIGINT', row: () => flag('sentiment IS NOT NULL'), kind: 'sum' },
  { column: 'sentiment_sum', sqlType: 'DOUBLE', row: () => 'sentiment', kind: 'sum' },
  { column: 'positive_n', sqlType: 'BIGINT', row: () => flag(`sentiment > ${SENTIMENT_BAND}`), kind: 'sum' },
  { column: 'neutral_n', sqlType: 'BIGINT', row: () => flag(`sentiment BETWEEN -${SENTIMENT_BAND} AND ${SENTIMENT_BAND}`), kind: 'sum' },
  { column: 'negative_n', sqlType: 'BIGINT', row: () => flag(`sentiment < -${SENTIMENT_BAND}`), kind: 'sum' },
  { column: 'value_n', sqlType: 'BIGINT', row: () => flag('value IS NOT NULL'), kind: 'sum' },
  { column: 'value_sum', sqlType: 'DOUBLE', row: () => 'value', kind: 'sum' },
  { column: 'value_max', sqlType: 'DOUBLE', row: () => 'value', kind: 'max' },
  { column: 'value_last', sqlType: 'DOUBLE', row: () => 'value', kind: { argMax: 'value_last_ts' } },
  { column: 'value_last_ts', sqlType: 'TIMESTAMP', row: () => VALUE_TS, kind: 'max' },
  { column: 'value_first', sqlType: 'DOUBLE', row: () => 'value', kind: { argMin: 'value_first_ts' } },
  { column: 'value_first_ts', sqlType: 'TIMESTAMP', row: () => VALUE_TS, kind: 'min' },
  { column: 'ts_min', sqlType: 'TIMESTAMP', row: () => 'ts', kind: 'min' },
  { column: 'ts_max', sqlType: 'TIMESTAMP', row: () => 'ts', kind: 'max' },
  { column: 'session_n', sqlType: 'BIGINT', row: () => flag('session_id IS NOT NULL'), kind: 'sum' },
  { column: 'meaningful_n', sqlType: 'BIGINT', row: () => flag(`status = 'ok' AND text_length >= ${MEANINGFUL_CHARS}`), kind: 'sum' },
  { column: 'text_n', sqlType: 'BIGINT', row: () => flag('text_length IS NOT NULL'), kind: 'sum' },
  { column: 'text_length_sum', sqlType: 'BIGINT', row: () => 'text_length', kind: 'sum' },
  { column: 'questions', sqlType: 'BIGINT', row: () => 'questions', kind: 'sum' },
  { column: 'emojis', sqlType: 'BIGINT', row: () => 'emojis', kind: 'sum' },
  { column: 'mentions', sqlType: 'BIGINT', row: () => 'mentions', kind: 'sum' },
  // Added by DuckDB migration 11 and ClickHouse migration 4, which say what rows written before them hold.
  { column: 'priced_tokens', sqlType: 'BIGINT', row: () => PRICED_TOKENS, kind: 'sum' },
] as const satisfies readonly PartialDef[];

export type PartialName = (typeof PARTIALS)[number]['column'];
const PARTIAL_BY_NAME = new Map<string, PartialDef>(PARTIALS.map((p) => [p.column, p]));

export function partialDef(name: PartialName): PartialDef {
  return PARTIAL_BY_NAME.get(name)!;
}

/** The aggregate merging `expr` (a partial column, or a raw event's partial expression) by the partial's kind. */
export function mergeSql(d: Dialect, p: PartialDef, expr: string): string {
  const k = p.kind;
  if (k === 'sum') return `sum(${expr})`;
  if (k === 'min') return `min(${expr})`;
  if (k === 'max') return `max(${expr})`;
  // The arg pair merges on the row's own key column: the value of the latest (earliest) contributing event.
  const by = 'argMax' in k ? k.argMax : k.argMin;
  const byExpr = expr === p.column ? by : partialDef(by as PartialName).row(d);
  return 'argMax' in k ? d.argMax(expr, byExpr) : d.argMin(expr, byExpr);
}

export type GrainName = 'minute' | 'hour' | 'day';
export const GRAIN_MS: Record<GrainName, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface Grain {
  name: GrainName;
  /** The table of partial rows. */
  table: string;
  dimensions: readonly RollupDimension[];
  partials: readonly PartialName[];
  /**
   * Latency sketch tables (`metric`, `bin`, `n` rows), smallest first: the sketch rows of a query come from the first
   * whose dimensions hold every dimension the query groups or filters by. Sketch rows are many (a bin per key), so a
   * table by the four dimensions latency is usually asked by (type, name, model, provider) answers most queries with
   * ~2.6× fewer rows than the one by all ten. Empty: this grain keeps no sketches.
   */
  sketchTables: readonly SketchTable[];
  /** Phase rows (`phase`, `n`, `sum_ms`) by the same dimensions, or null. */
  phasesTable: string | null;
}

export interface SketchTable {
  table: string;
  dimensions: readonly RollupDimension[];
}

const ALL_PARTIALS = PARTIALS.map((p) => p.column);
const LATENCY_DIMENSIONS: readonly RollupDimension[] = ['type', 'name', 'model', 'provider'];
/**
 * Hourly sketches are kept by the four latency dimensions only: sketch rows are a bin per key, and by all ten
 * dimensions they were two thirds of every rollup write (the ingest cost of the rollups). A percentile by another
 * dimension reads the daily sketch by all ten for whole days and raw events for the rest of its range.
 */
const sketches = (grain: 'hour' | 'day'): SketchTable[] => [
  { table: `latency_${grain}_by_model`, dimensions: LATENCY_DIMENSIONS },
  ...(grain === 'day' ? [{ table: 'latency_day', dimensions: ROLLUP_DIMENSIONS }] : []),
];

/** Coarsest first: the planner covers a range with the coarsest grain it can, then finer ones at the edges. */
export const GRAINS: readonly Grain[] = [
  { name: 'day', table: 'rollup_day', dimensions: ROLLUP_DIMENSIONS, partials: ALL_PARTIALS, sketchTables: sketches('day'), phasesTable: 'phases_day' },
  { name: 'hour', table: 'rollup_hour', dimensions: ROLLUP_DIMENSIONS, partials: ALL_PARTIALS, sketchTables: sketches('hour'), phasesTable: 'phases_hour' },
  { name: 'minute', table: 'rollup_minute', dimensions: ['type', 'status'], partials: ['n', 'n_error', 'n_ok'], sketchTables: [], phasesTable: null },
];

/**
 * One row: `watermark`, the last event `seq` every rollup table includes (events after it are read raw), and
 * `day_until`, the end (epoch ms) of the days rolled into the daily tables — every day before it is complete there
 * up to the watermark (late events included); days from it on are read from the hourly tables. Null: no day yet.
 */
export const STATE_TABLE = 'rollup_state';
export const WATERMARK_SQL = `(SELECT watermark FROM ${STATE_TABLE})`;

/** Sketched latency columns: the `metric` value of their sketch rows is the column's name. */
export const SKETCHED_COLUMNS = ['duration_ms', 'ttft_ms'] as const;

/**
 * The latency sketch: DDSketch's logarithmic mapping with 1 % relative accuracy (γ = 1.01 / 0.99, the gamma of
 * the `duration_bucket` dimension). Bin i holds (γ^(i−1), γ^i]; its representative value 2γ^i / (γ + 1) is within
 * 1 % of every value in it. Values ≤ 0 go to ZERO_BIN, represented by 0.
 */
export const SKETCH_GAMMA = LATENCY_GAMMA;
export const SKETCH_LN_GAMMA = Math.log(LATENCY_GAMMA);
export const ZERO_BIN = -32_768;
