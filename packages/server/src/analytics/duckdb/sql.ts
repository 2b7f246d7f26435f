/**
 * What the analytics' own statements over the embedded store share. On DuckDB with the user rollups, an endpoint
 * asks for its figures in one or two statements that do the second step (per user, per session, per pair) in SQL,
 * instead of several query-layer reads whose grouped rows come back to be combined here: at 10M events most of an
 * endpoint's time went to aggregating the same rows again for each read, and to moving up to 10,000 grouped rows per
 * read into JavaScript (benchmarks/analytics-profile.ts). Each statement reads the same rows the reads did —
 * user-rollup day rows for whole days, raw events for the rest (user-rollups/source.ts) — so answers stay the same,
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
import { daySource, eventColumns, type Binder } from '../user-rollups/source.js';
import { INTERACTION_DAY, type DayTable } from '../user-rollups/tables.js';
import { INTERACTION } from '../vocabulary.js';

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

/** Rows of a user-rollup day table over `range` (whole days from the table, the rest raw) within the caller's filters and `where`. */
export function userRows(input: RolledInput, b: Binder, table: DayTable, range: TimeRange, where: readonly Filter[] = [], extra: readonly string[] = []): string {
  const cond = conditions([...input.filters, ...where], (v) => b.bind(v));
  if (cond === null || cond.okOnly) throw new Error('statementsFor() is false for these filters');
  return daySource(table, input.project, range, [...cond.sql, ...extra], b);
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
 * `interaction` events of the range within the caller's filters and `where` (on name) as rows of interaction_day
 * (persona, target, name, topic, stage, exchange_length, continued; n, first_ts, last_ts, value_first(_ts),
 * value_last(_ts)): from the user rollups when the caller's filters are on persona only (the one filter field they
 * share), else raw events, one row per event.
 */
export function interactionRows(input: RolledInput, b: Binder, where: readonly Filter[] = []): string {
  const filters = [...input.filters, ...where];
  if (input.userRollups === true && input.filters.every((f) => f.field === 'persona') && where.every((f) => f.field === 'name')) {
    const cond = filters.map((f) => `${f.field} IN (${f.values.map((v) => b.bind(v)).join(', ')})`);
    return daySource(INTERACTION_DAY, input.project, input.range, cond, b);
  }
  return `SELECT ${eventColumns(INTERACTION_DAY)} FROM events WHERE ${eventTerms(input, b, input.range, [{ field: 'type', values: [INTERACTION] }, ...where])}`;
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
