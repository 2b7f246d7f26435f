import type { Dialect } from '../dialect.js';
import type { Interval } from '../types.js';

/**
 * DuckDB (the embedded store). `ts` is TIMESTAMP (UTC); `attributes` is MAP(VARCHAR, VARCHAR) and
 * `phases` MAP(VARCHAR, FLOAT) (store/duckdb/schema.ts).
 *
 * Percentiles are exact (`quantile_cont`, linear interpolation). Measured on this 2-core box with 10M
 * events: exact was faster than `approx_quantile` (p95 by model over 24 h: 19 ms vs 30 ms; over 30 days:
 * 178 ms vs 306 ms), and the list form `quantile_cont(x, [0.5, 0.95, 0.99])` computes several
 * percentiles in one pass (30 days: ~350 ms vs ~600 ms for three separate aggregates). DuckDB folds the
 * identical list aggregates of `quantiles()` into one.
 */
/** An allow-list, not a rename: only these words ever reach the SQL text for an interval. */
const TRUNC: Record<Interval, string> = {
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
};

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  // Numbered, not `?`: DuckDB numbers `?` by its own parse order, which is not always the text order
  // (inside a MAP literal it takes all keys, then all values), so `$n` keeps binding order explicit.
  placeholder: (index) => `$${index + 1}`,
  // epoch_ms(BIGINT) → TIMESTAMP is constant-folded, so the scan still prunes row groups on `ts`.
  timestamp: (param) => `epoch_ms(CAST(${param} AS BIGINT))`,
  // date_trunc('week') is ISO: Monday.
  bucket: (interval) => `epoch_ms(date_trunc('${TRUNC[interval]}', ts))`,
  epochMs: (expr) => `epoch_ms(${expr})`,
  hourOfDay: () => 'CAST(hour(ts) AS INTEGER)',
  weekday: () => 'CAST(isodow(ts) AS INTEGER)',
  quantiles: (column, qs) => {
    if (qs.length === 1) return [`quantile_cont(${column}, ${qs[0]})`];
    const agg = `quantile_cont(${column}, [${qs.join(', ')}])`;
    return qs.map((_, i) => `${agg}[${i + 1}]`);
  },
  logBucket: (column, lnGamma) => `CASE WHEN ${column} > 0 THEN CAST(ceil(ln(${column}) / ${lnGamma}) AS INTEGER) END`,
  sketchBin: (column, lnGamma, zeroBin) =>
    `CASE WHEN ${column} > 0 THEN CAST(ceil(ln(${column}) / ${lnGamma}) AS INTEGER) WHEN ${column} IS NOT NULL THEN ${zeroBin} END`,
  sketchValue: (bin, gamma, zeroBin) => `CASE WHEN ${bin} = ${zeroBin} THEN 0 ELSE 2 * pow(${gamma}, ${bin}) / ${gamma + 1} END`,
  minIf: (expr, condition) => `min(${expr}) FILTER (WHERE ${condition})`,
  nullSafeEquals: (a, b) => `${a} IS NOT DISTINCT FROM ${b}`,
  countDistinct: (expr) => `count(DISTINCT ${expr})`,
  argMax: (expr, by) => `arg_max(${expr}, ${by})`,
  argMin: (expr, by) => `arg_min(${expr}, ${by})`,
  countIf: (condition) => `count(*) FILTER (WHERE ${condition})`,
  sumIf: (expr, condition) => `sum(${expr}) FILTER (WHERE ${condition})`,
  safeDiv: (num, den) => `CAST(${num} AS DOUBLE) / NULLIF(${den}, 0)`,
  attribute: (keyParam) => `attributes[${keyParam}]`,
  cohortRows: (activity) => `SELECT bucket, min(bucket) OVER (PARTITION BY user_id) AS cohort FROM (${activity}) AS ub`,
  phaseName: () => 'phase',
  phaseValue: () => 'phase_ms',
  source: (where, unnestPhases) =>
    unnestPhases
      ? // unnest in a projection, not a LATERAL join: measured 25 ms vs 750 ms over 330k events.
        `FROM (SELECT *, unnest(map_keys(phases)) AS phase, unnest(map_values(phases)) AS phase_ms ` +
        `FROM events WHERE ${where}) AS e`
      : `FROM events WHERE ${where}`,
};
