/**
 * What the analytics' own statements over the embedded store share. On DuckDB with the user rollups, an endpoint
 * asks for its figures in one or two statements that do the second step (per user, per session, per pair) in SQL,
 * instead of several query-layer reads whose grouped rows come back to be combined here: at 10M events most of an
 * endpoint's time went to aggregating the same rows again for each read, and to moving up to 10,000 grouped rows per
 * read into JavaScript (benchmarks/analytics-profile.ts). Each statement reads the same rows the reads did —
 * user-rollup day rows for whole days, hour rows for the whole hours around them, raw events for the rest
 * (user-rollups/source.ts) — so answers stay the same,
 * except that nothing is cut at GROUP_LIMIT any more (the reads' second step kept the first 10,000 groups only).
 *
 * Every value is bound; the SQL text holds only constants of these files and generated aliases.
 */
import { duckdbDialect } from '../../query/dialects/duckdb.js';
import { fieldSql } from '../../query/dimensions.js';
import { compileSelection } from '../../query/compiler.js';
import type { Filter, TimeRange } from '../../query/types.js';
import type { Row } from '../../store/types.js';
import { conditions, type RolledInput } from '../user-rollups/read.js';
import { binder, daySource, eventColumns, rolledSource, rolledSpan, type Binder } from '../user-rollups/source.js';
import type { DayTable } from '../user-rollups/tables.js';
import type { CacheStatement } from '../user-rollups/whole-hour-cache.js';

export type { Binder } from '../user-rollups/source.js';
export { binder } from '../user-rollups/source.js';

/**
 * Whether the endpoints' own statements can answer `input`: the embedded store with its user rollups, and the
 * caller's filters all on the rollups' keys (user_id, session_id, persona, type) — else the query-layer reads do.
 * `fields`, when given, narrows the keys the filters may be on.
 */
export function statementsFor(input: RolledInput, fields?: readonly string[]): boolean {
  if (input.userRollups !== true) return false;
  const cond = conditions(input.filters, () => '?');
  return cond !== null && !cond.okOnly && (fields === undefined || [...cond.fields].every((f) => fields.includes(f)));
}

/** Rows of a user-rollup day table over `range` (daySource: whole hours from the tables, the rest raw) within the caller's filters and `where`. */
export function userRows(input: RolledInput, b: Binder, table: DayTable, range: TimeRange, where: readonly Filter[] = [], extra: readonly string[] = []): string {
  const cond = conditions([...input.filters, ...where], (v) => b.bind(v));
  if (cond === null || cond.okOnly) throw new Error('statementsFor() is false for these filters');
  return daySource(table, input.project, range, [...cond.sql, ...extra], b);
}

/**
 * Like userRows, in two halves for the whole-hour cache: the table's own rows of a range's whole hours (`span`,
 * rolledSpan), and raw events for the rest — under an hour at each end, and events past the watermark.
 */
export function rolledRows(input: RolledInput, b: Binder, table: DayTable, span: TimeRange, where: readonly Filter[] = [], extra: readonly string[] = []): string {
  return rolledSource(table, input.project, span, [...tableConditions(input, b, table, where), ...extra], b);
}

/**
 * `columns` of a whole-hour table's session rows (a `session_id` and its `h = hash(session_id)`) whose session is
 * among those of the statement's `e` CTE (the rest of the range): a semi-join of the table's rows (~300k at 30 days
 * of 10M events) on the rest's few hundred.
 * The hashes come as an unnested list because DuckDB estimates the rest at millions of rows (raw events over a time
 * filter) and would otherwise hash the table's side: 25–44 ms instead of ~2 ms of the margin statement's join CPU at
 * 30 days (DuckDB's profile, three runs).
 */
export function sessionHits(table: string, columns: string): string {
  return `SELECT ${columns} FROM ${table} WHERE h IN (SELECT unnest(x) FROM (SELECT list(hash(session_id)) AS x FROM e) AS l)`;
}

export function rawRows(input: RolledInput, b: Binder, table: DayTable, range: TimeRange, where: readonly Filter[] = [], extra: readonly string[] = []): string {
  return daySource(table, input.project, range, [...tableConditions(input, b, table, where), ...extra], b, true);
}

/** Whether every filter of `filters` is on one of `t`'s keys (a column the table and the events share). */
const onKeys = (t: DayTable, filters: readonly Filter[]): boolean => filters.every((f) => t.keys.some((k) => k.name === f.field && k.event === f.field));

/** The caller's filters and `where` as SQL over `t`'s key columns. */
function tableConditions(input: RolledInput, b: Binder, t: DayTable, where: readonly Filter[]): string[] {
  const filters = [...input.filters, ...where];
  if (!onKeys(t, filters)) throw new Error(`a filter is not on a key of ${t.name}`);
  return filters.map((f) => `${f.field} IN (${f.values.map((v) => b.bind(v)).join(', ')})`);
}

/**
 * `cached`'s answer from the whole-hour cache's tables `parts` for `kind` (built by `build`) when `input` has the
 * cache and its range whole hours of `table`, else — or when the cache cannot be trusted for this request — `live`'s.
 * Each gets a new binder for its statement's values.
 */
export async function withWholeHours<T>(
  input: RolledInput, kind: string, table: DayTable, parts: readonly string[],
  build: (span: TimeRange, names: Readonly<Record<string, string>>) => CacheStatement[],
  cached: (names: Readonly<Record<string, string>>, b: Binder) => Promise<T>,
  live: (b: Binder) => Promise<T>,
): Promise<T> {
  const span = input.wholeHours === undefined || !onKeys(table, input.filters) ? null : rolledSpan(table, input.range);
  if (input.wholeHours !== undefined && span !== null) {
    const key = JSON.stringify([kind, input.project, input.filters, span.startMs, span.endMs]);
    const answer = await input.wholeHours.with(input.store, key, parts, (names) => build(span, names), (names) => cached(names, binder()));
    if (answer !== null) return answer;
  }
  return live(binder());
}

/** A statement for the whole-hour cache: `CREATE TABLE name AS select`, its values bound by `fill`. */
export function createTable(name: string, fill: (b: Binder) => string): CacheStatement {
  const b = binder();
  return { sql: `CREATE TABLE ${name} AS ${fill(b)}`, params: b.params };
}

/** `WHERE` terms selecting raw events of the project in `range` within the caller's filters and `where` (any field). */
export function eventTerms(input: RolledInput, b: Binder, range: TimeRange, where: readonly Filter[] = []): string {
  const filters = [...input.filters, ...where];
  // Validated as the query layer validates a selection (a bad field is a 400 naming it).
  compileSelection({ project: input.project, range, filters }, duckdbDialect);
  return [
    `project = ${b.bind(input.project)}`, `ts >= ${b.ts(range.startMs)}`, `ts < ${b.ts(range.endMs)}`,
    ...filters.map((f) => `${fieldSql(f.field, duckdbDialect, (v) => b.bind(v))} IN (${f.values.map((v) => b.bind(v)).join(', ')})`),
  ].join(' AND ');
}

/**
 * Events of the range within the caller's filters, `where` and `extra` (SQL on key columns) as rows of `t`, a user
 * rollup table: from the user rollups when every filter is on one of `t`'s keys, else raw events mapped to its
 * columns, one row per event (sql.ts's callers group them either way).
 */
export function tableRows(input: RolledInput, b: Binder, t: DayTable, where: readonly Filter[] = [], extra: readonly string[] = []): string {
  const filters = [...input.filters, ...where];
  if (input.userRollups === true && onKeys(t, filters)) {
    const cond = filters.map((f) => `${f.field} IN (${f.values.map((v) => b.bind(v)).join(', ')})`);
    return daySource(t, input.project, input.range, [...cond, ...extra], b);
  }
  const terms = [eventTerms(input, b, input.range, where), ...(t.events ? [t.events] : []), ...extra];
  return `SELECT ${eventColumns(t)} FROM events WHERE ${terms.join(' AND ')}`;
}

/** A bound attribute lookup (`attributes[$n]`). */
export const attribute = (b: Binder, key: string): string => duckdbDialect.attribute(b.bind(key));

export function run(input: RolledInput, sql: string, b: Binder): Promise<Row[]> {
  return input.store.query(sql, b.params);
}

/** Rows of a statement of several parts (a `part` column), by part, each in its `ord` order when it has one. */
export function byPart(rows: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    const k = String(r.part);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  for (const list of out.values()) if (list.some((r) => r.ord !== undefined && r.ord !== null)) list.sort((x, y) => Number(x.ord) - Number(y.ord));
  return out;
}

export const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const nOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);
export const s = (v: unknown): string | null => (typeof v === 'string' ? v : null);
