import type { DialectName } from '../store/types.js';
import type { Interval } from './types.js';

/**
 * Everything engine-specific the compiler needs, as small SQL-fragment builders. Arguments are SQL
 * fragments the compiler produced (column names from allow-lists, placeholders, constants from the
 * measure table) — never user text. How `attributes` and `phases` are stored is known only here, so a
 * change of their encoding touches one dialect file.
 *
 * Timestamps travel as epoch-millisecond integers: parameters are converted to the engine's time type
 * with `timestamp()`, and time-valued results come back as epoch ms (`bucket`, `epochMs`).
 */
export type ParamType = 'string' | 'int';

export interface Dialect {
  readonly name: DialectName;
  /** The placeholder for the `index`-th (0-based) bound value. */
  placeholder(index: number, type: ParamType): string;
  /** An epoch-ms integer placeholder as a value comparable with `ts`. */
  timestamp(param: string): string;
  /** Start of the UTC bucket containing `ts`, as epoch ms. */
  bucket(interval: Interval): string;
  /** A timestamp-valued expression (e.g. `max(ts)`) as epoch ms. */
  epochMs(expr: string): string;
  /** UTC hour of `ts`, 0–23. */
  hourOfDay(): string;
  /** ISO weekday of `ts`, 1 = Monday … 7 = Sunday. */
  weekday(): string;
  /**
   * One expression per quantile `qs[i]` of `column`, written so the engine computes the group's
   * quantiles in one pass (several percentiles of one column cost one sort, not one each).
   */
  quantiles(column: string, qs: readonly number[]): string[];
  /**
   * ⌈ln(column) / lnGamma⌉ as an integer, NULL when the column is NULL or ≤ 0: the index of the
   * logarithmic bucket (γ^(i−1), γ^i] holding the value, as a DDSketch with the same γ indexes it.
   */
  logBucket(column: string, lnGamma: number): string;
  countDistinct(expr: string): string;
  /** The value of `expr` on the group's row with the largest `by` (latest affinity, level …). */
  argMax(expr: string, by: string): string;
  /** The value of `expr` on the group's row with the smallest `by`. */
  argMin(expr: string, by: string): string;
  countIf(condition: string): string;
  sumIf(expr: string, condition: string): string;
  /** `num / den` as a float, NULL when `den` is 0. */
  safeDiv(num: string, den: string): string;
  /** The value of attribute `keyParam` (a placeholder), NULL when absent. */
  attribute(keyParam: string): string;
  /** Within `source(…, true)`: the phase name and its milliseconds, one row per (event, phase). */
  phaseName(): string;
  phaseValue(): string;
  /**
   * The latency-sketch bin of `column` (rollups/definition.ts): ⌈ln(column) / lnGamma⌉ as an integer for values
   * > 0, `zeroBin` for values ≤ 0 (NULL stays NULL).
   */
  sketchBin(column: string, lnGamma: number, zeroBin: number): string;
  /** The representative value of sketch bin `bin`: 2γ^bin / (γ + 1), and 0 for `zeroBin`. */
  sketchValue(bin: string, gamma: number, zeroBin: number): string;
  /** The smallest `expr` over the group's rows meeting `condition`. */
  minIf(expr: string, condition: string): string;
  /** Equality that holds for two NULLs (join keys of groups that lack a dimension). */
  nullSafeEquals(a: string, b: string): string;
  /**
   * Rows `(bucket, cohort)` from `activity` (a subquery of `(user_id, bucket)` rows, one per user and active bucket):
   * each row's bucket with the user's first bucket as `cohort`.
   */
  cohortRows(activity: string): string;
  /** `FROM … WHERE …`; with `unnestPhases`, one row per (event, phase) and events without phases dropped. */
  source(where: string, unnestPhases: boolean): string;
  /**
   * Optional, for engines without window functions (ClickHouse 18.16): rows `(aliases…, q0, q1, …)`, one per group of
   * `aliases` in `binned` (rows `aliases…, bin, n`, one per group and bin), where `q<i>` is quantile `qs[i]`: the
   * representative values (`value`) of the bins holding the order statistics either side of rank q·(n−1),
   * interpolated. Without it, rollups/compile.ts computes the same with a cumulative window sum.
   */
  binQuantiles?(binned: string, aliases: readonly string[], qs: readonly number[], value: (bin: string) => string): string;
  /**
   * Optional, for engines without `JOIN … ON` over expressions or several joins in one SELECT (ClickHouse 18.16): joins
   * each side (rows `keys…, columns…`) to `aggregate` (rows `keys…, aggregateColumns…`) on the keys, NULL keys
   * equal, and selects the keys then `outputs` — a column of the aggregate (`from` null), or a side's column, NULL
   * where that side has no row for the group. Without it the compiler writes LEFT JOINs ON nullSafeEquals.
   */
  joinOnKeys?(
    aggregate: { sql: string; columns: readonly string[] },
    keys: readonly string[],
    sides: ReadonlyArray<{ alias: string; sql: string; columns: readonly string[] }>,
    outputs: ReadonlyArray<{ from: string | null; column: string; as: string }>,
  ): string;
}
