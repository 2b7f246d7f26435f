import type { Dialect } from '../dialect.js';
import type { Interval } from '../types.js';

/**
 * ClickHouse, kept to the subset Debian's 18.16 runs and current releases still run (no Map, JSON functions,
 * DateTime64, window functions or toStartOfInterval). Layout of the events table (store/clickhouse/schema.ts): `ts`
 * Int64 epoch milliseconds — so ranges, buckets and first/last times are exact to the millisecond, as in DuckDB —
 * attributes as parallel `attr_keys`/`attr_values` Array(String), phases as parallel `phase_names` Array(String) /
 * `phase_values` Array(Float32).
 *
 * Placeholders are typed `{pN:Type}`. 18.16 has no server-side parameters, so the ClickHouse store binds them with
 * its literal encoder (store/clickhouse/bind.ts); from 19.15 on the server could bind the same text itself.
 *
 * Percentiles are exact and interpolate linearly between the two nearest ranks, as DuckDB's `quantile_cont` does:
 * 18.16's exact quantile functions take the nearest rank only, so the group's values are collected once
 * (`groupArray`, which skips NULLs) and sorted, and each percentile reads its two neighbours. ClickHouse evaluates
 * an identical expression once, so several percentiles of one column share one array and one sort.
 */
const MS: Partial<Record<Interval, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const DATE_TIME = "toDateTime(intDiv(ts, 1000), 'UTC')";

export const clickhouseDialect: Dialect = {
  name: 'clickhouse',
  placeholder: (index, type) => `{p${index}:${type === 'int' ? 'Int64' : 'String'}}`,
  // `ts` is already epoch ms: the bound value compares as it is, and the primary index (project, ts) applies.
  timestamp: (param) => param,
  bucket: (interval) => {
    const ms = MS[interval];
    if (ms !== undefined) return `intDiv(ts, ${ms}) * ${ms}`;
    // A Date is a day number since the epoch, so this needs no time-zone conversion.
    const day = interval === 'week' ? `toMonday(${DATE_TIME})` : `toStartOfMonth(${DATE_TIME})`;
    return `toInt64(toUInt16(${day})) * 86400000`;
  },
  // `ts` is a plain Int64, so min/max over no rows is 0, not NULL as in DuckDB: no rows, no time.
  epochMs: (expr) => `if(count() = 0, NULL, ${expr})`,
  hourOfDay: () => `toHour(${DATE_TIME})`,
  weekday: () => `toDayOfWeek(${DATE_TIME})`,
  quantiles: (column, qs) => {
    const sorted = `arraySort(groupArray(${column}))`;
    const n = `length(${sorted})`;
    return qs.map((q) => {
      const rank = `(${n} - 1) * ${q}`;
      const lo = `toUInt64(floor(${rank}))`;
      const at = (offset: number): string => `arrayElement(${sorted}, ${lo} + ${offset})`;
      return `if(${n} = 0, NULL, ${at(1)} + (${rank} - ${lo}) * (${at(2)} - ${at(1)}) * (${lo} + 1 < ${n}))`;
    });
  },
  logBucket: (column, lnGamma) => `if(${column} > 0, toInt32(ceil(log(${column}) / ${lnGamma})), NULL)`,
  sketchBin: (column, lnGamma, zeroBin) =>
    `if(${column} > 0, toInt32(ceil(log(${column}) / ${lnGamma})), if(isNull(${column}), NULL, ${zeroBin}))`,
  sketchValue: (bin, gamma, zeroBin) => `if(${bin} = ${zeroBin}, 0, 2 * pow(${gamma}, ${bin}) / ${gamma + 1})`,
  minIf: (expr, condition) => `minIf(${expr}, ${condition})`,
  // 18.16 has no IS NOT DISTINCT FROM; NULL keys compare through a sentinel no real value takes.
  nullSafeEquals: (a, b) => `ifNull(toString(${a}), '\\0') = ifNull(toString(${b}), '\\0')`,
  // uniqExact of a Nullable column is NULL when every value is; DuckDB's count(DISTINCT …) is 0 then.
  countDistinct: (expr) => `ifNull(uniqExact(${expr}), 0)`,
  argMax: (expr, by) => `argMax(${expr}, ${by})`,
  argMin: (expr, by) => `argMin(${expr}, ${by})`,
  // A condition over a Nullable column is Nullable, and countIf over only NULLs is NULL; DuckDB's FILTER count is 0.
  countIf: (condition) => `countIf(ifNull(${condition}, 0))`,
  sumIf: (expr, condition) => `sumIf(${expr}, ${condition})`,
  safeDiv: (num, den) => `toFloat64(${num}) / nullIf(${den}, 0)`,
  // Named placeholders may repeat, so the key is looked up once and tested for presence once.
  attribute: (keyParam) =>
    `if(has(attr_keys, ${keyParam}), attr_values[indexOf(attr_keys, ${keyParam})], NULL)`,
  phaseName: () => 'phase',
  phaseValue: () => 'phase_ms',
  // No window functions in 18.16: each user's buckets as an array beside their minimum, unnested again.
  cohortRows: (activity) =>
    `SELECT bucket, cohort FROM (SELECT groupArray(bucket) AS buckets, min(bucket) AS cohort FROM (${activity}) AS ub GROUP BY user_id) AS u ARRAY JOIN buckets AS bucket`,
  // Sketch quantiles without window functions: each group's bins sorted into an array with their running counts
  // (arrayCumSum), and each rank's bin found with arrayFirstIndex.
  binQuantiles: (binned, aliases, qs, value) => {
    const per = [
      ...aliases, 'arraySort(x -> x.1, groupArray((bin, n))) AS sk', 'arrayMap(x -> x.1, sk) AS bins',
      'arrayCumSum(arrayMap(x -> x.2, sk)) AS cums', 'sum(n) AS total',
    ];
    const cols = [...aliases];
    qs.forEach((q, i) => {
      const rank = `${q} * (total - 1)`;
      cols.push(`bins[arrayFirstIndex(c -> c > floor(${rank}), cums)] AS lo${i}`, `bins[arrayFirstIndex(c -> c > ceil(${rank}), cums)] AS hi${i}`);
      cols.push(`if(total = 0, NULL, ${value(`lo${i}`)} + (${rank} - floor(${rank})) * (${value(`hi${i}`)} - ${value(`lo${i}`)})) AS q${i}`);
    });
    return `SELECT ${cols.join(', ')} FROM (SELECT ${per.join(', ')} FROM (${binned}) AS b${aliases.length > 0 ? ` GROUP BY ${aliases.join(', ')}` : ''}) AS s`;
  },
  // One JOIN per SELECT (18.16), nested; keys compared through the NULL sentinel with USING, and a `hit` flag per side
  // because an unmatched LEFT JOIN row holds default values, not NULLs. Every column is named: `*` over a join is
  // the left side's only on some releases.
  joinOnKeys: (aggregate, keys, sides, outputs) => {
    const keyCols = keys.map((k) => `ifNull(toString(${k}), '\\0') AS k_${k}`);
    let have = [...keys, ...keys.map((k) => `k_${k}`), ...aggregate.columns];
    let sql = `SELECT ${[...keys, ...aggregate.columns, ...keyCols].join(', ')} FROM (${aggregate.sql}) AS a`;
    for (const side of sides) {
      const named = [`toUInt8(1) AS ${side.alias}_hit`, ...side.columns.map((c) => `${c} AS ${side.alias}_${c}`)];
      const right = `SELECT ${[...keyCols, ...named].join(', ')} FROM (${side.sql}) AS r`;
      const join = keys.length > 0 ? `ALL LEFT JOIN (${right}) USING (${keys.map((k) => `k_${k}`).join(', ')})` : `CROSS JOIN (${right})`;
      have = [...have, `${side.alias}_hit`, ...side.columns.map((c) => `${side.alias}_${c}`)];
      sql = `SELECT ${have.join(', ')} FROM (${sql}) AS l ${join}`;
    }
    const cols = outputs.map((o) =>
      o.from === null ? (o.column === o.as ? o.column : `${o.column} AS ${o.as}`) : `if(${o.from}_hit = 1, ${o.from}_${o.column}, NULL) AS ${o.as}`);
    return `SELECT ${[...keys, ...cols].join(', ')} FROM (${sql}) AS j`;
  },
  source: (where, unnestPhases) =>
    unnestPhases
      ? `FROM events ARRAY JOIN phase_names AS phase, phase_values AS phase_ms WHERE ${where}`
      : `FROM events WHERE ${where}`,
};
