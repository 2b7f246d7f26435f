import type { StringDimension } from '@pulse/protocol';
import type { MeasureName } from './measures.js';

/**
 * The query object every read goes through (CONTRACT.md §5, ARCHITECTURE.md "one query layer"):
 * measures × dimensions × filters × interval × range × order × limit, compiled to SQL by a Dialect.
 */

export const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const;
/** Time bucket width. Buckets are UTC; weeks start on Monday (ISO 8601). */
export type Interval = (typeof INTERVALS)[number];

/** A custom dimension: the value of one key of the event's `attributes`. */
export type AttributeField = `attributes.${string}`;

/** Fields a filter may test: the event's string fields and its attributes. */
export type FilterField = StringDimension | AttributeField;

/**
 * Derived dimensions: UTC hour 0–23 and ISO weekday 1 (Monday) – 7 (Sunday), for the heatmap; `phase`
 * unnests `phases`; `duration_bucket`/`ttft_bucket` index logarithmic latency buckets (LATENCY_GAMMA);
 * `topic` is the text-facts column derived at ingest (docs/ingest.md), not a field clients send.
 */
export type DerivedDimension = 'hour_of_day' | 'weekday' | 'phase' | 'duration_bucket' | 'ttft_bucket' | 'topic' | 'session_length' | 'cohort';

/**
 * Latency buckets grow by γ = 1.01 / 0.99 (≈ 2 % wide), the mapping of a DDSketch with 1 % relative
 * accuracy: bucket i holds (γ^(i−1), γ^i] ms. Latency histograms and heatmaps group by it, and the live
 * windows seed their sketches from it.
 */
export const LATENCY_ACCURACY = 0.01;
export const LATENCY_GAMMA = (1 + LATENCY_ACCURACY) / (1 - LATENCY_ACCURACY);

export type DimensionName = FilterField | DerivedDimension;

/** Matches events whose `field` equals any of `values` (SQL `IN`). Several filters are ANDed. */
export interface Filter {
  field: FilterField;
  values: readonly string[];
}

/** Half-open range `[startMs, endMs)` in epoch milliseconds. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

export interface OrderBy {
  /** `bucket`, or one of the query's measures or dimensions. */
  name: string;
  direction: 'asc' | 'desc';
}

export interface QuerySpec {
  project: string;
  measures: readonly MeasureName[];
  dimensions: readonly DimensionName[];
  filters: readonly Filter[];
  interval?: Interval;
  range: TimeRange;
  order?: readonly OrderBy[];
  /** Rows returned; default DEFAULT_LIMIT, at most MAX_LIMIT. */
  limit?: number;
  /**
   * `session`: aggregate sessions instead of events — events with a session_id are first grouped per
   * session (and per dimension), then the session measures (`sessions`, `avg_session_ms` …) run over
   * those groups. No interval.
   * `cohort`: users by the bucket of their first event in the range (`cohort`) and each bucket they
   * were active in (`bucket`; `interval` required), counted by `cohort_users`.
   * Either way, event measures are refused.
   */
  per?: Per;
}

export const PER_VALUES = ['session', 'cohort'] as const;
export type Per = (typeof PER_VALUES)[number];

export const DEFAULT_LIMIT = 1_000;
export const MAX_LIMIT = 10_000;
export const MAX_DIMENSIONS = 8;
export const MAX_FILTER_VALUES = 100;

/**
 * A query object that cannot be compiled. `param` names the query-string parameter to blame, so the
 * HTTP layer can answer 400 naming it; callers other than HTTP (alerts, exports) get a plain Error.
 */
export class InvalidQueryError extends Error {
  override readonly name = 'InvalidQueryError';
  constructor(
    readonly param: string,
    readonly reason: string,
  ) {
    super(`${param}: ${reason}`);
  }
}
