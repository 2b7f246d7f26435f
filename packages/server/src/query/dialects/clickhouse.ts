import type { Dialect } from '../dialect.js';
import type { Interval } from '../types.js';

/**
 * ClickHouse, kept to the subset Debian's 18.16 runs (no Map, JSON functions, DateTime64 or
 * toStartOfInterval). Assumed layout of the events table: `ts DateTime('UTC')` (second precision, so
 * range bounds are truncated to the second), attributes as parallel `attr_keys`/`attr_values`
 * Array(String), phases as parallel `phase_names` Array(String) / `phase_values` Array(Float32).
 *
 * Placeholders are typed `{pN:Type}` query parameters. Percentiles use `quantilesExact`, which is exact
 * but takes the nearest rank where DuckDB interpolates; on a few samples the two can differ.
 */
const SECONDS: Partial<Record<Interval, number>> = { minute: 60, hour: 3600, day: 86_400 };

export const clickhouseDialect: Dialect = {
  name: 'clickhouse',
  placeholder: (index, type) => `{p${index}:${type === 'int' ? 'Int64' : 'String'}}`,
  timestamp: (param) => `toDateTime(intDiv(${param}, 1000), 'UTC')`,
  bucket: (interval) => {
    const seconds = SECONDS[interval];
    if (seconds !== undefined) return `intDiv(toUInt32(ts), ${seconds}) * ${seconds * 1000}`;
    // A Date is a day number since the epoch, so this needs no time-zone conversion.
    const day = interval === 'week' ? 'toMonday(ts)' : 'toStartOfMonth(ts)';
    return `toUInt64(toUInt16(${day})) * 86400000`;
  },
  epochMs: (expr) => `toUInt64(${expr}) * 1000`,
  hourOfDay: () => 'toHour(ts)',
  weekday: () => 'toDayOfWeek(ts)',
  quantiles: (column, qs) => {
    const agg = `quantilesExact(${qs.join(', ')})(${column})`;
    return qs.map((_, i) => `${agg}[${i + 1}]`);
  },
  logBucket: (column, lnGamma) => `if(${column} > 0, toInt32(ceil(log(${column}) / ${lnGamma})), NULL)`,
  sketchBin: (column, lnGamma, zeroBin) =>
    `if(${column} > 0, toInt32(ceil(log(${column}) / ${lnGamma})), if(isNull(${column}), NULL, ${zeroBin}))`,
  sketchValue: (bin, gamma, zeroBin) => `if(${bin} = ${zeroBin}, 0, 2 * pow(${gamma}, ${bin}) / ${gamma + 1})`,
  minIf: (expr, condition) => `minIf(${expr}, ${condition})`,
  // 18.16 has no IS NOT DISTINCT FROM; NULL keys compare through a sentinel no real value takes.
  nullSafeEquals: (a, b) => `ifNull(toString(${a}), '\\0') = ifNull(toString(${b}), '\\0')`,
  countDistinct: (expr) => `uniqExact(${expr})`,
  argMax: (expr, by) => `argMax(${expr}, ${by})`,
  argMin: (expr, by) => `argMin(${expr}, ${by})`,
  countIf: (condition) => `countIf(${condition})`,
  sumIf: (expr, condition) => `sumIf(${expr}, ${condition})`,
  safeDiv: (num, den) => `toFloat64(${num}) / nullIf(${den}, 0)`,
  // Named placeholders may repeat, so the key is looked up once and tested for presence once.
  attribute: (keyParam) =>
    `if(has(attr_keys, ${keyParam}), attr_values[indexOf(attr_keys, ${keyParam})], NULL)`,
  phaseName: () => 'phase',
  phaseValue: () => 'phase_ms',
  source: (where, unnestPhases) =>
    unnestPhases
      ? `FROM events ARRAY JOIN phase_names AS phase, phase_values AS phase_ms WHERE ${where}`
      : `FROM events WHERE ${where}`,
};
