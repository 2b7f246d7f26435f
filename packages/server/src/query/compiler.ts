import type { QueryParam } from '../store/types.js';
import type { Dialect } from './dialect.js';
import { dimensionDef, fieldSql, isFilterField, isStringDimension, type Bind, type DimensionDef } from './dimensions.js';
import { phaseSource, partialSource, rollupMeasureSql, sketchBins, sketchQuantiles, sketchSource } from '../rollups/compile.js';
import { BINS_COLUMN, PART_COLUMN, type QuantilesAfter } from '../rollups/quantiles.js';
import { rollupMeasure } from '../rollups/measures.js';
import { planRollups, type RollupPlan } from '../rollups/plan.js';
import { isMeasureName, measureDef, type MeasureName, type MeasureType } from './measures.js';
import {
  DEFAULT_LIMIT, INTERVALS, InvalidQueryError, MAX_DIMENSIONS, MAX_FILTER_VALUES, MAX_LIMIT, PER_VALUES,
  type DimensionName, type Interval, type OrderBy, type Per, type QuerySpec, type TimeRange,
} from './types.js';

/**
 * QuerySpec → one parameterised SELECT. The SQL text is built only from the dialect, the measure and
 * dimension tables and generated aliases (`bucket`, `d0…`, `m0…`); every value — project, time range,
 * filter values, attribute keys, limit — is a bound parameter (`$n` in DuckDB), numbered in text order.
 * Shape, with the time-range predicate first so the scan prunes row groups:
 *
 *   SELECT <bucket>, <dimensions>, <measures> FROM events
 *   WHERE project = $ AND ts >= $ AND ts < $ [AND <field> IN ($, …)]…
 *   GROUP BY … ORDER BY … LIMIT $
 */
export type ColumnType = MeasureType | 'string';

export interface OutputColumn {
  /** The alias in the SQL. */
  alias: string;
  /** The name in the API answer. */
  name: string;
  role: 'bucket' | 'dimension' | 'measure';
  type: ColumnType;
  /** Round to 7 significant digits (see `float32` in measures.ts). */
  float32?: boolean;
  /** Round to 15 significant digits (see `doubleSum` in measures.ts). */
  doubleSum?: boolean;
}

export interface CompiledQuery {
  sql: string;
  params: QueryParam[];
  columns: OutputColumn[];
  /** Whether the SQL reads rollups (then `exactPercentiles` is false when it asks for a percentile). */
  rollups: boolean;
  /** Percentiles, if any, are exact (raw rows) rather than sketch estimates. */
  exactPercentiles: boolean;
  /**
   * Set when the caller must finish the sketches' quantiles (`quantilesAfter`): the rows are then groups and bins,
   * and rollups/quantiles.ts `finishQuantiles` turns them into the answer's rows.
   */
  quantilesAfter?: QuantilesAfter;
  /**
   * The SQL reads the rollups' last bucket whole, past the range's end (rollups/plan.ts `openEnd`): the answer holds
   * only if the rolled-up events were still all before the end when it ran — the caller checks Rollups.latestRolled
   * after the read, and compiles again without `latestRolledMs` if not.
   */
  openEnd?: boolean;
  /**
   * The SQL reads hourly rows from here in place of daily ones (rollups/plan.ts `hoursNeededFrom`): the answer holds only
   * if Rollups.hoursFrom is still at or before it after the read — the caller checks, and compiles again if not.
   */
  hoursNeededFrom?: number;
}

export interface CompileOptions {
  /**
   * The store keeps rollups (rollups/): answer from them when the query allows it (rollups/plan.ts), from raw events
   * otherwise. Percentiles from rollups are estimates within 1 % (the sketch's relative accuracy).
   */
  rollups?: boolean;
  /** Ranges up to this long read raw events even with `rollups` (default RAW_RANGE_MS, 24 h). */
  rawRangeMs?: number;
  /** With `rollups`: the end of the days rolled into the daily tables (Rollups.daysUntil; null or absent: none). */
  daysUntilMs?: number | null;
  /** With `rollups`: every committed event is rolled up (Rollups.caughtUp), so no raw tail is read. */
  caughtUp?: boolean;
  /** With `rollups`: the latest `ts` among the project's rolled-up events (Rollups.latestRolled; see `openEnd`). */
  latestRolledMs?: number | null;
  /** With `rollups`: hourly rows are complete from this time on (Rollups.hoursFrom; absent: unknown). */
  hoursFromMs?: number;
  /** Fetch one row beyond the limit, so the caller can tell whether the answer was cut. */
  extraRow?: boolean;
  /** No LIMIT: for exports, which stream every row to a file instead of answering with them. */
  unlimited?: boolean;
  /**
   * Let the caller finish the sketches' quantiles (rollups/quantiles.ts) for queries without an interval, where that
   * measured 20–35 % faster than DuckDB's window and filtered aggregates. Series keep the SQL: an hourly p95 over 30
   * days took 327 ms that way against 226 ms in SQL (a daily one by model 71 against 137 ms — not yet told apart).
   * DuckDB only (the statement uses its SEMI JOIN and list casts).
   */
  quantilesAfter?: boolean;
}

export function compileQuery(spec: QuerySpec, dialect: Dialect, options: CompileOptions = {}): CompiledQuery {
  const measures = unique(spec.measures);
  const dimensions = unique(spec.dimensions);
  const dimensionDefs = validate(spec, measures, dimensions);
  const plan = options.rollups === true ? planRollups(spec, {
    ...(options.rawRangeMs === undefined ? {} : { rawRangeMs: options.rawRangeMs }),
    daysUntilMs: options.daysUntilMs ?? null,
    caughtUp: options.caughtUp === true,
    latestRolledMs: options.latestRolledMs ?? null,
    ...(options.hoursFromMs === undefined ? {} : { hoursFromMs: options.hoursFromMs }),
  }) : null;
  if (plan !== null) return compileFromRollups(spec, dialect, options, plan, measures, dimensions, dimensionDefs);

  const params: QueryParam[] = [];
  const bind: Bind = (value, type) => {
    const placeholder = dialect.placeholder(params.length, type);
    params.push(value);
    return placeholder;
  };

  const select: string[] = [];
  const columns: OutputColumn[] = [];
  const groupBy: string[] = [];
  const per = spec.per;
  if (spec.interval !== undefined) {
    // per=cohort computes the bucket per user inside; outside it is only referenced.
    select.push(per === 'cohort' ? 'bucket' : `${dialect.bucket(spec.interval)} AS bucket`);
    columns.push({ alias: 'bucket', name: 'bucket', role: 'bucket', type: 'timestamp' });
    groupBy.push('bucket');
  }
  // per=session: event-level dimensions are computed per session in the inner query (where the
  // binds happen, so placeholders stay in text order) and only referenced by alias outside.
  const inner: Array<{ sql: string; alias: string }> = [];
  dimensionDefs.forEach((def, i) => {
    if (per === 'session' && def.per === undefined) {
      inner.push({ sql: def.sql(dialect, bind), alias: `d${i}` });
      select.push(`d${i}`);
    } else {
      select.push(`${def.sql(dialect, bind)} AS d${i}`);
    }
    columns.push({ alias: `d${i}`, name: dimensions[i]!, role: 'dimension', type: def.type });
    groupBy.push(`d${i}`);
  });
  const measureSql = measureExpressions(measures, dialect);
  measures.forEach((name, i) => {
    select.push(`${measureSql[i]} AS m${i}`);
    const def = measureDef(name);
    columns.push({ alias: `m${i}`, name, role: 'measure', type: def.type, ...('float32' in def ? { float32: true } : {}), ...('doubleSum' in def ? { doubleSum: true } : {}) });
  });

  const where = whereTerms(spec, dialect, bind);
  const unnestPhases = dimensionDefs.some((def) => def.unnestsPhases === true);

  // Resolved even for an ungrouped query (one row, nothing to sort), so a bad `order` is still a 400.
  const order = orderBy(spec, columns);
  let sql = `SELECT ${select.join(', ')} `;
  if (per === 'session') sql += `FROM (${sessionSource(dialect, inner, where)}) AS s`;
  else if (per === 'cohort') sql += `FROM (${cohortSource(dialect, spec.interval!, where)}) AS c`;
  else sql += dialect.source(where.join(' AND '), unnestPhases);
  if (groupBy.length > 0) sql += ` GROUP BY ${groupBy.join(', ')} ORDER BY ${orderSql(order)}`;
  if (options.unlimited !== true) sql += ` LIMIT ${bind(limitOf(spec, options), 'int')}`;
  return { sql, params, columns, rollups: false, exactPercentiles: true };
}

/**
 * The same query over rollup rows (rollups/compile.ts): the partial measures aggregated over the partial source,
 * each sketched column's quantiles computed per group and joined on the group keys. Output columns, order and limit
 * are those of the raw query.
 */
function compileFromRollups(
  spec: QuerySpec, dialect: Dialect, options: CompileOptions, plan: RollupPlan,
  measures: MeasureName[], dimensions: DimensionName[], dimensionDefs: DimensionDef[],
): CompiledQuery {
  const params: QueryParam[] = [];
  const bind: Bind = (value, type) => {
    const placeholder = dialect.placeholder(params.length, type);
    params.push(value);
    return placeholder;
  };
  const keys: Array<{ sql: string; alias: string }> = [];
  const columns: OutputColumn[] = [];
  if (spec.interval !== undefined) {
    keys.push({ sql: dialect.bucket(spec.interval), alias: 'bucket' });
    columns.push({ alias: 'bucket', name: 'bucket', role: 'bucket', type: 'timestamp' });
  }
  dimensionDefs.forEach((def, i) => {
    keys.push({ sql: def.sql(dialect, bind), alias: `d${i}` });
    columns.push({ alias: `d${i}`, name: dimensions[i]!, role: 'dimension', type: def.type });
  });
  const groupColumns = dimensions.filter((d) => isStringDimension(d));
  const input = {
    plan, project: spec.project, filters: spec.filters, groupColumns, dialect, bind,
    where: (range: TimeRange) => whereTerms({ project: spec.project, range, filters: spec.filters }, dialect, bind),
  };
  const partialMeasures: string[] = [];
  const sketchByColumn = new Map<string, number[]>();
  // Each output measure: a column of the partial aggregate `a` (from null), or a quantile of a sketched column.
  const outputs: Array<{ from: string | null; column: string; as: string }> = [];
  measures.forEach((name, i) => {
    const def = measureDef(name);
    columns.push({ alias: `m${i}`, name, role: 'measure', type: def.type, ...('float32' in def ? { float32: true } : {}), ...('doubleSum' in def ? { doubleSum: true } : {}) });
    const rollup = rollupMeasure(name);
    if (rollup !== undefined && 'sketch' in rollup && !plan.phases) {
      const qs = sketchByColumn.get(rollup.sketch.column) ?? [];
      if (!qs.includes(rollup.sketch.q)) qs.push(rollup.sketch.q);
      sketchByColumn.set(rollup.sketch.column, qs);
      outputs.push({ from: `s_${rollup.sketch.column}`, column: `q${qs.indexOf(rollup.sketch.q)}`, as: `m${i}` });
    } else {
      partialMeasures.push(`${rollupMeasureSql(name, dialect, plan.phases)} AS m${i}`);
      outputs.push({ from: null, column: `m${i}`, as: `m${i}` });
    }
  });
  const source = plan.phases ? phaseSource(input) : partialSource(input);
  const groupBy = keys.length > 0 ? ` GROUP BY ${keys.map((k) => k.alias).join(', ')}` : '';
  const select = [...keys.map((k) => `${k.sql} AS ${k.alias}`), ...partialMeasures];
  let sql = `SELECT ${select.length > 0 ? select.join(', ') : 'count(*) AS g'} FROM (${source}) AS r${groupBy}`;
  const order = orderBy(spec, columns);
  const sketchAliases = new Set(outputs.filter((o) => o.from !== null).map((o) => o.as));
  if (options.quantilesAfter === true && dialect.name === 'duckdb' && sketchByColumn.size > 0 && spec.interval === undefined) {
    // Groups first — ordered and cut to the limit unless a percentile orders them — then each group's merged bins
    // as one list per sketched column (rollups/quantiles.ts finishes the quantiles, the order and the cut).
    const cutInSql = keys.length > 0 && !order.some((term) => sketchAliases.has(term.alias));
    if (cutInSql) {
      sql += ` ORDER BY ${orderSql(order)}`;
      if (options.unlimited !== true) sql += ` LIMIT ${bind(limitOf(spec, options), 'int')}`;
    }
    const aliases = keys.map((k) => k.alias);
    const groupColumns = [...aliases, ...(select.length > 0 ? outputs.filter((o) => o.from === null).map((o) => o.column) : ['g'])];
    const branches = [`SELECT 0 AS ${PART_COLUMN}, ${groupColumns.join(', ')}, NULL AS ${BINS_COLUMN} FROM a`];
    const sides: QuantilesAfter['sides'][number][] = [];
    [...sketchByColumn].forEach(([column, qs], i) => {
      const b = `b${i}`;
      const binned = sketchBins(sketchSource(input, column as 'duration_ms' | 'ttft_ms'), keys);
      const cells = groupColumns.map((c) => (aliases.includes(c) ? `${b}.${c}` : 'NULL'));
      // Only the groups kept (a semi join: measured ~1 ms less than EXISTS); the bins as text, `[[bin, n], …]`:
      // DuckDB's cast and JSON.parse beat converting their rows or list values one by one (rollups/quantiles.ts).
      const match = cutInSql ? ` SEMI JOIN a ON ${aliases.map((k) => dialect.nullSafeEquals(`a.${k}`, `${b}.${k}`)).join(' AND ')}` : '';
      const groupBy = aliases.length > 0 ? ` GROUP BY ${aliases.map((k) => `${b}.${k}`).join(', ')}` : '';
      branches.push(`SELECT ${i + 1}, ${cells.join(', ')}, CAST(list([${b}.bin, ${b}.n]) AS VARCHAR) FROM (${binned}) AS ${b}${match}${groupBy}`);
      sides.push({ qs: qs.map((q, k) => ({ q, as: outputs.find((o) => o.from === `s_${column}` && o.column === `q${k}`)!.as })) });
    });
    return {
      sql: `WITH a AS MATERIALIZED (${sql}) ${branches.join(' UNION ALL ')}`,
      params, columns, rollups: true, exactPercentiles: false, openEnd: plan.openEnd, ...hoursNeeded(plan),
      quantilesAfter: {
        keys: aliases, sides,
        order: keys.length > 0 ? order : [],
        limit: cutInSql || options.unlimited === true ? null : limitOf(spec, options),
      },
    };
  }
  if (sketchByColumn.size > 0) {
    const sides = [...sketchByColumn].map(([column, qs]) => ({
      alias: `s_${column}`, columns: qs.map((_, k) => `q${k}`),
      sql: sketchQuantiles(sketchSource(input, column as 'duration_ms' | 'ttft_ms'), keys, qs, dialect),
    }));
    if (dialect.joinOnKeys !== undefined) {
      const aggregateColumns = outputs.filter((o) => o.from === null).map((o) => o.column);
      sql = dialect.joinOnKeys({ sql, columns: select.length > 0 ? aggregateColumns : ['g'] }, keys.map((k) => k.alias), sides, outputs);
    } else {
      const joins = sides.map((side) => {
        const on = keys.map((k) => dialect.nullSafeEquals(`a.${k.alias}`, `${side.alias}.${k.alias}`));
        return `LEFT JOIN (${side.sql}) AS ${side.alias} ON ${on.length > 0 ? on.join(' AND ') : 'true'}`;
      });
      const outer = outputs.map((o) => (o.from === null ? `a.${o.column}` : `${o.from}.${o.column} AS ${o.as}`));
      sql = `SELECT ${[...keys.map((k) => `a.${k.alias}`), ...outer].join(', ')} FROM (${sql}) AS a ${joins.join(' ')}`;
    }
  }
  if (keys.length > 0) sql += ` ORDER BY ${orderSql(order)}`;
  if (options.unlimited !== true) sql += ` LIMIT ${bind(limitOf(spec, options), 'int')}`;
  return { sql, params, columns, rollups: true, exactPercentiles: sketchByColumn.size === 0, openEnd: plan.openEnd, ...hoursNeeded(plan) };
}

const hoursNeeded = (plan: RollupPlan): Pick<CompiledQuery, 'hoursNeededFrom'> =>
  plan.hoursNeededFrom === null ? {} : { hoursNeededFrom: plan.hoursNeededFrom };

/** The LIMIT of a query's SQL: its limit, plus one with `extraRow`. */
const limitOf = (spec: QuerySpec, options: CompileOptions): number => {
  const limit = spec.limit ?? DEFAULT_LIMIT;
  return options.extraRow === true ? limit + 1 : limit;
};

/** The rows a query reads: its project, `[start, end)` and filters — every value bound. */
export type RowSelection = Pick<QuerySpec, 'project' | 'range' | 'filters'>;

function whereTerms(spec: RowSelection, dialect: Dialect, bind: Bind): string[] {
  return [
    `project = ${bind(spec.project, 'string')}`,
    `ts >= ${dialect.timestamp(bind(spec.range.startMs, 'int'))}`,
    `ts < ${dialect.timestamp(bind(spec.range.endMs, 'int'))}`,
    ...spec.filters.map(
      (f) => `${fieldSql(f.field, dialect, bind)} IN (${f.values.map((v) => bind(v, 'string')).join(', ')})`,
    ),
  ];
}

/** A compiled row selection: the `WHERE` condition over `events` and its bound values. */
export interface CompiledSelection {
  where: string;
  params: QueryParam[];
}

/**
 * The condition selecting raw events (exports): validated like a query's range and filters, with the
 * same bound-parameter rules. Placeholders are numbered from 0, so the caller may append its own after.
 */
export function compileSelection(spec: RowSelection, dialect: Dialect): CompiledSelection {
  validateSelection(spec);
  const params: QueryParam[] = [];
  const bind: Bind = (value, type) => {
    const placeholder = dialect.placeholder(params.length, type);
    params.push(value);
    return placeholder;
  };
  return { where: whereTerms(spec, dialect, bind).join(' AND '), params };
}

function validateSelection(spec: RowSelection): void {
  if (typeof spec.project !== 'string' || spec.project === '') throw new InvalidQueryError('project', 'is required');
  const { startMs, endMs } = spec.range;
  if (!Number.isSafeInteger(startMs)) throw new InvalidQueryError('start_date', 'is not a valid time');
  if (!Number.isSafeInteger(endMs)) throw new InvalidQueryError('end_date', 'is not a valid time');
  if (endMs <= startMs) throw new InvalidQueryError('end_date', 'must be after start_date');
  for (const f of spec.filters) {
    const param = String(f.field);
    if (!isFilterField(f.field)) throw new InvalidQueryError(param, 'is not a filterable field');
    if (f.values.length === 0) throw new InvalidQueryError(param, 'needs at least one value');
    if (f.values.length > MAX_FILTER_VALUES) throw new InvalidQueryError(param, `at most ${MAX_FILTER_VALUES} values`);
    if (f.values.some((v) => typeof v !== 'string')) throw new InvalidQueryError(param, 'values must be strings');
  }
}

/** One row per (session, event-level dimensions): its event count and span in ms. */
function sessionSource(dialect: Dialect, dims: ReadonlyArray<{ sql: string; alias: string }>, where: readonly string[]): string {
  const keys = ['session_id', ...dims.map((d) => d.alias)];
  const span = `${dialect.epochMs('max(ts)')} - ${dialect.epochMs('min(ts)')}`;
  return `SELECT ${['session_id', ...dims.map((d) => `${d.sql} AS ${d.alias}`)].join(', ')}, count(*) AS s_events, ${span} AS s_span ` +
    `${dialect.source([...where, 'session_id IS NOT NULL'].join(' AND '), false)} GROUP BY ${keys.join(', ')}`;
}

/**
 * One row per (user, bucket the user was active in), with the user's first bucket in the range as
 * `cohort` (the dialect's cohortRows: a window in DuckDB, a per-user array in ClickHouse).
 */
function cohortSource(dialect: Dialect, interval: Interval, where: readonly string[]): string {
  const activity = `SELECT user_id, ${dialect.bucket(interval)} AS bucket ` +
    `${dialect.source([...where, 'user_id IS NOT NULL'].join(' AND '), false)} GROUP BY user_id, bucket`;
  return dialect.cohortRows(activity);
}

function measureLevel(m: MeasureName): Per | undefined {
  const def = measureDef(m);
  return 'per' in def ? def.per : undefined;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function validate(spec: QuerySpec, measures: MeasureName[], dimensions: DimensionName[]): DimensionDef[] {
  validateSelection(spec);
  if (measures.length === 0) throw new InvalidQueryError('measures', 'at least one measure is required');
  const per = spec.per;
  if (per !== undefined && !PER_VALUES.includes(per)) throw new InvalidQueryError('per', `must be one of ${PER_VALUES.join(', ')}`);
  if (per === 'session' && spec.interval !== undefined) throw new InvalidQueryError('interval', 'is not available with per=session');
  if (per === 'cohort' && spec.interval === undefined) throw new InvalidQueryError('interval', 'is required with per=cohort');
  for (const m of measures) {
    if (!isMeasureName(m)) throw new InvalidQueryError('measures', `unknown measure ${quote(m)}`);
    const level = measureLevel(m);
    if (level !== per) {
      throw new InvalidQueryError('measures', level === undefined ? `${m} is an event measure; per=${per} takes its own measures only` : `${m} needs per=${level}`);
    }
    const needs = measureDef(m).requires;
    if (needs !== undefined && !dimensions.includes(needs)) {
      throw new InvalidQueryError('measures', `${m} needs dimension ${needs}`);
    }
  }
  if (dimensions.length > MAX_DIMENSIONS) {
    throw new InvalidQueryError('dimensions', `at most ${MAX_DIMENSIONS} dimensions`);
  }
  const defs = dimensions.map((name) => {
    const def = dimensionDef(name);
    if (def === null) throw new InvalidQueryError('dimensions', `unknown dimension ${quote(name)}`);
    if (def.per !== undefined && def.per !== per) throw new InvalidQueryError('dimensions', `${name} needs per=${def.per}`);
    if (per === 'cohort' && def.per !== 'cohort') throw new InvalidQueryError('dimensions', `${name} is not available with per=cohort`);
    if (def.unnestsPhases === true && per !== undefined) throw new InvalidQueryError('dimensions', `${name} is not available with per=${per}`);
    return def;
  });
  if (spec.interval !== undefined && !INTERVALS.includes(spec.interval)) {
    throw new InvalidQueryError('interval', `must be one of ${INTERVALS.join(', ')}`);
  }
  const limit = spec.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidQueryError('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return defs;
}

/** Quantiles of one column share one aggregate, so p50/p95/p99 cost one pass per group. */
function measureExpressions(measures: readonly MeasureName[], dialect: Dialect): string[] {
  const qsByColumn = new Map<string, number[]>();
  for (const name of measures) {
    const def = measureDef(name);
    if ('quantile' in def) {
      const qs = qsByColumn.get(def.quantile.column) ?? [];
      if (!qs.includes(def.quantile.q)) qs.push(def.quantile.q);
      qsByColumn.set(def.quantile.column, qs);
    }
  }
  const quantileSql = new Map<string, string>();
  for (const [column, qs] of qsByColumn) {
    const exprs = dialect.quantiles(column, qs);
    qs.forEach((q, i) => quantileSql.set(`${column}@${q}`, exprs[i]!));
  }
  return measures.map((name) => {
    const def = measureDef(name);
    return 'quantile' in def ? quantileSql.get(`${def.quantile.column}@${def.quantile.q}`)! : def.sql(dialect);
  });
}

/** An ORDER BY term: a column alias and its direction. */
interface OrderTerm {
  alias: string;
  desc: boolean;
}

const orderSql = (terms: readonly OrderTerm[]): string => terms.map((t) => `${t.alias} ${t.desc ? 'DESC' : 'ASC'}`).join(', ');

/**
 * The requested order (names resolved to aliases), then the remaining group keys ascending so equal
 * rows come back in a stable order. Default: by bucket for a time series, else by the first measure,
 * largest first.
 */
function orderBy(spec: QuerySpec, columns: readonly OutputColumn[]): OrderTerm[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const requested: OrderBy[] = spec.order ? [...spec.order] : [];
  if (requested.length === 0 && spec.interval === undefined) {
    const first = columns.find((c) => c.role === 'measure');
    if (first) requested.push({ name: first.name, direction: 'desc' });
  }
  const terms: OrderTerm[] = [];
  const used = new Set<string>();
  for (const o of requested) {
    const column = byName.get(o.name);
    if (!column) throw new InvalidQueryError('order', `${quote(o.name)} is not a measure, dimension or bucket of this query`);
    if (o.direction !== 'asc' && o.direction !== 'desc') throw new InvalidQueryError('order', 'direction must be asc or desc');
    if (used.has(column.alias)) continue;
    used.add(column.alias);
    terms.push({ alias: column.alias, desc: o.direction === 'desc' });
  }
  for (const c of columns) {
    if (c.role !== 'measure' && !used.has(c.alias)) terms.push({ alias: c.alias, desc: false });
  }
  return terms;
}

/** User text in a message: JSON-quoted and cut, so a message never grows unbounded. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
