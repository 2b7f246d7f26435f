import type { Dialect } from '../query/dialect.js';
import type { Bind } from '../query/dimensions.js';
import type { MeasureName } from '../query/measures.js';
import type { Filter, TimeRange } from '../query/types.js';
import {
  partialDef, SKETCH_GAMMA, SKETCH_LN_GAMMA, WATERMARK_SQL, ZERO_BIN, type Grain, type PartialName,
} from './definition.js';
import { rollupMeasure } from './measures.js';
import type { RollupPlan, Segment } from './plan.js';

/**
 * The FROM side of a query answered from rollups. Each source is a UNION ALL of partial rows with the same columns
 * (`ts`, the string dimensions the query groups by, then the partials), so the compiler's bucket and dimension
 * expressions work on it unchanged:
 *
 *   rollup rows of each rolled-up segment       FROM rollup_<grain> WHERE project, ts range, filters
 *   raw events of the unaligned edges           FROM events          WHERE project, ts range, filters
 *   raw events not rolled up yet                FROM events          WHERE …, middle range AND seq > watermark
 *
 * The watermark is read by a subquery of the same statement, so rows and watermark come from one snapshot: an
 * event is counted from its rollup row or from raw, never both, never neither. (DuckDB turns the subquery into a
 * dynamic filter on `seq`, so the tail scan reads only the newest row groups.)
 */
export interface RollupSourceInput {
  plan: RollupPlan;
  project: string;
  filters: readonly Filter[];
  /** String dimensions the query groups by (columns of both `events` and the rollup tables). */
  groupColumns: readonly string[];
  dialect: Dialect;
  bind: Bind;
  /** The compiler's WHERE terms for a project, range and filters (every value bound). */
  where: (range: TimeRange) => string[];
}

type Part = (range: TimeRange, tail: boolean) => string;

function union(input: RollupSourceInput, rollupPart: (grain: Grain, range: TimeRange) => string, rawPart: Part): string {
  const parts: string[] = [];
  const middle: TimeRange[] = [];
  for (const s of input.plan.segments) {
    if (s.source === 'raw') parts.push(rawPart(s.range, false));
    else {
      parts.push(rollupPart(s.grain, s.range));
      middle.push(s.range);
    }
  }
  const first = middle[0];
  const last = middle[middle.length - 1];
  if (first !== undefined && last !== undefined && input.plan.tail) {
    parts.push(rawPart({ startMs: first.startMs, endMs: Math.min(last.endMs, input.plan.range.endMs) }, true));
  }
  return parts.join(' UNION ALL ');
}

const tailTerm = (tail: boolean): string[] => (tail ? [`seq > ${WATERMARK_SQL}`] : []);

/** Partial rows for the query's measures (always with `n`, so every group that has events exists). */
export function partialSource(input: RollupSourceInput): string {
  const { dialect: d, plan } = input;
  const partials: PartialName[] = [...new Set<PartialName>(['n', ...plan.partials])];
  const cols = ['ts', ...input.groupColumns];
  return union(
    input,
    (grain, range) => `SELECT ${[...cols, ...partials].join(', ')} FROM ${grain.table} WHERE ${input.where(range).join(' AND ')}`,
    (range, tail) =>
      `SELECT ${[...cols, ...partials.map((p) => `${partialDef(p).row(d)} AS ${p}`)].join(', ')} ` +
      `FROM events WHERE ${[...input.where(range), ...tailTerm(tail)].join(' AND ')}`,
  );
}

/** Phase rows: `phase`, `n` (events with that phase) and `sum_ms`. */
export function phaseSource(input: RollupSourceInput): string {
  const { dialect: d } = input;
  const cols = ['ts', ...input.groupColumns];
  return union(
    input,
    (grain, range) => `SELECT ${[...cols, 'phase', 'n', 'sum_ms'].join(', ')} FROM ${grain.phasesTable!} WHERE ${input.where(range).join(' AND ')}`,
    (range, tail) =>
      // (No `phase AS phase` where the engine already names it so: ClickHouse refuses the alias twice.)
      `SELECT ${[...cols, d.phaseName() === 'phase' ? 'phase' : `${d.phaseName()} AS phase`, '1 AS n', `${d.phaseValue()} AS sum_ms`].join(', ')} ` +
      d.source([...input.where(range), ...tailTerm(tail)].join(' AND '), true),
  );
}

/** The grain's smallest sketch table holding every dimension the query groups or filters by. */
function sketchTable(grain: Grain, input: RollupSourceInput): string {
  const needed = [...input.groupColumns, ...input.filters.map((f) => f.field)];
  const table = grain.sketchTables.find((t) => needed.every((d) => (t.dimensions as readonly string[]).includes(d)));
  if (table === undefined) throw new Error(`no ${grain.name} sketch table holds ${needed.join(', ')}`);
  return table.table;
}

/** Sketch rows of one latency column: `bin` and `n`. */
export function sketchSource(input: RollupSourceInput, column: 'duration_ms' | 'ttft_ms'): string {
  const { dialect: d, bind } = input;
  const cols = ['ts', ...input.groupColumns];
  return union(
    input,
    (grain, range) =>
      `SELECT ${[...cols, 'bin', 'n'].join(', ')} FROM ${sketchTable(grain, input)} ` +
      `WHERE ${[...input.where(range), `metric = ${bind(column, 'string')}`].join(' AND ')}`,
    (range, tail) =>
      `SELECT ${[...cols, `${d.sketchBin(column, SKETCH_LN_GAMMA, ZERO_BIN)} AS bin`, '1 AS n'].join(', ')} ` +
      `FROM events WHERE ${[...input.where(range), `${column} IS NOT NULL`, ...tailTerm(tail)].join(' AND ')}`,
  );
}

/** The aggregate for a measure over partial rows (or phase rows when the query groups by phase). */
export function rollupMeasureSql(name: MeasureName, d: Dialect, phases: boolean): string {
  const def = rollupMeasure(name);
  if (def === undefined || 'sketch' in def) throw new Error(`${name} is not a partial measure`);
  if (phases) return 'phase' in def ? d.safeDiv('sum(sum_ms)', 'sum(n)') : 'coalesce(sum(n), 0)';
  if ('phase' in def) throw new Error(`${name} needs the phase rows`);
  return def.sql(d);
}

/** One sketched column's bins merged per group: the group keys (as `keys`' aliases), `bin` and `n`. */
export function sketchBins(source: string, keys: ReadonlyArray<{ sql: string; alias: string }>): string {
  return `SELECT ${[...keys.map((k) => `${k.sql} AS ${k.alias}`), 'bin', 'sum(n) AS n'].join(', ')} ` +
    `FROM (${source}) AS k GROUP BY ${[...keys.map((k) => k.alias), 'bin'].join(', ')}`;
}

/**
 * Quantiles `qs` of one sketched column per group: merge the group's bins, run a cumulative count over them, and
 * take the bins holding the order statistics either side of rank q·(n−1); the answer interpolates between their
 * representative values as `quantile_cont` interpolates between the two values — so each estimate is within the
 * sketch's 1 % of the exact answer. `keys` are the group expressions (bucket and dimensions) with their aliases.
 */
export function sketchQuantiles(
  source: string,
  keys: ReadonlyArray<{ sql: string; alias: string }>,
  qs: readonly number[],
  d: Dialect,
): string {
  const aliases = keys.map((k) => k.alias);
  const binned = sketchBins(source, keys);
  const value = (bin: string): string => d.sketchValue(bin, SKETCH_GAMMA, ZERO_BIN);
  if (d.binQuantiles !== undefined) return d.binQuantiles(binned, aliases, qs, value);
  const partition = aliases.length > 0 ? `PARTITION BY ${aliases.join(', ')} ` : '';
  const cumulative = `SELECT ${[...aliases, 'bin'].join(', ')}, sum(n) OVER (${partition}ORDER BY bin) AS cum, ` +
    `sum(n) OVER (${partition.trim()}) AS total FROM (${binned}) AS b`;
  const picks: string[] = ['max(total) AS total'];
  qs.forEach((q, i) => {
    picks.push(`${d.minIf('bin', `cum > floor(${q} * (total - 1))`)} AS lo${i}`);
    picks.push(`${d.minIf('bin', `cum > ceil(${q} * (total - 1))`)} AS hi${i}`);
  });
  const grouped = `SELECT ${[...aliases, ...picks].join(', ')} FROM (${cumulative}) AS c` +
    (aliases.length > 0 ? ` GROUP BY ${aliases.join(', ')}` : '');
  const estimates = qs.map((q, i) => {
    const rank = `${q} * (total - 1)`;
    return `${value(`lo${i}`)} + (${rank} - floor(${rank})) * (${value(`hi${i}`)} - ${value(`lo${i}`)}) AS q${i}`;
  });
  return `SELECT ${[...aliases, ...estimates].join(', ')} FROM (${grouped}) AS g`;
}

export type { Segment };
