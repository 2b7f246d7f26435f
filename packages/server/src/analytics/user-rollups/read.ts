/**
 * Reads of the conversation, persona and user analytics answered from the user rollups (source.ts) instead of
 * raw events: the same rows, names and limits as the query layer's `read` (common.ts) would give, or null when
 * the read needs something the rollups do not keep (then the caller reads raw events as before).
 *
 * Kept: filters on user_id, session_id, persona and type (the rollups' keys), plus `status=ok` for `count` and
 * `sum_value`; measures count, unique_users, unique_sessions, cost_usd, sum_value, first_seen, last_seen; dimensions
 * user_id, session_id, persona, type and `attributes.plan` (with last_seen: when the user's plan was last named);
 * intervals day and week.
 */
import { SESSION_LENGTH_SQL } from '../../query/dimensions.js';
import type { Execution, NamedRow } from '../../query/run.js';
import type { Filter } from '../../query/types.js';
import type { Row } from '../../store/types.js';
import type { Read } from '../common.js';
import type { PresetInput } from '../../query/presets/common.js';
import { binder, daySource, firstSeenSource, planSource, type Binder } from './source.js';
import { PERSONA_EVOLUTION_DAY, USER_DAY, USER_SESSION_DAY } from './tables.js';
import type { WholeHourCache } from './whole-hour-cache.js';

const GROUP_LIMIT = 10_000;
const KEY_FIELDS = new Set(['user_id', 'session_id', 'persona', 'type']);

/** A preset's input, with the user rollups when the store keeps them. */
export interface RolledInput extends PresetInput {
  userRollups?: boolean;
  /** Partial answers over ranges' whole hours (whole-hour-cache.ts), for the statements that use them. */
  wholeHours?: WholeHourCache;
}

const MEASURE_SQL: Record<string, string> = {
  count: 'sum(n)',
  session_events: 'coalesce(sum(n) FILTER (WHERE session_id IS NOT NULL), 0)',
  unique_users: 'count(DISTINCT user_id)',
  unique_sessions: 'count(DISTINCT session_id)',
  cost_usd: 'coalesce(sum(cost_usd), 0)',
  first_seen: 'epoch_ms(min(first_ts))',
  last_seen: 'epoch_ms(max(last_ts))',
};
/** user_day (events with a user only) answers these when they cannot see the events without a user. */
const USER_DAY_MEASURES = new Set(['count', 'unique_users', 'cost_usd', 'first_seen', 'last_seen']);
/** With `status=ok`: only these, over the ok events. */
const OK_MEASURE_SQL: Record<string, string> = {
  count: 'sum(n_ok)',
  sum_value: 'coalesce(sum(value_ok), 0)',
};
const TIMESTAMP_MEASURES = new Set(['first_seen', 'last_seen']);

export interface Conditions {
  sql: string[];
  okOnly: boolean;
  fields: Set<string>;
}

/** Filters as SQL over the key columns, or null when one is on another field (or status other than ok). */
export function conditions(filters: readonly Filter[], bind: (v: string) => string): Conditions | null {
  const sql: string[] = [];
  const fields = new Set<string>();
  let okOnly = false;
  for (const f of filters) {
    if (f.field === 'status' && f.values.length === 1 && f.values[0] === 'ok') {
      okOnly = true;
      continue;
    }
    if (!KEY_FIELDS.has(f.field)) return null;
    fields.add(f.field);
    sql.push(`${f.field} IN (${f.values.map((v) => bind(v)).join(', ')})`);
  }
  return { sql, okOnly, fields };
}

type Column = { name: string; alias: string; role: 'bucket' | 'dimension' | 'measure' };

/** GROUP BY / ORDER BY / LIMIT as the query layer writes them: the requested order (default: the first measure, descending, without an interval), then bucket and dimensions ascending. */
function groupOrderLimit(r: Read, columns: readonly Column[], b: Binder): { sql: string; limit: number } {
  const limit = r.limit ?? GROUP_LIMIT;
  const keys = columns.filter((c) => c.role !== 'measure');
  if (keys.length === 0) return { sql: '', limit };
  const order: string[] = [];
  const requested = r.order ?? (r.interval === undefined ? [{ name: r.measures[0]!, direction: 'desc' as const }] : []);
  for (const o of requested) {
    const c = columns.find((x) => x.name === o.name);
    if (c && !order.some((x) => x.startsWith(`${c.alias} `))) order.push(`${c.alias} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`);
  }
  for (const c of keys) if (!order.some((o) => o.startsWith(`${c.alias} `))) order.push(`${c.alias} ASC`);
  return { sql: ` GROUP BY ${keys.map((c) => c.alias).join(', ')} ORDER BY ${order.join(', ')} LIMIT ${b.bind(limit + 1)}`, limit };
}

function run(input: PresetInput, sql: string, b: Binder, columns: readonly Column[], limit: number): Promise<Execution> {
  return input.store.query(sql, b.params).then((raw) => {
    const truncated = raw.length > limit;
    const rows = (truncated ? raw.slice(0, limit) : raw).map((row) => named(row, columns));
    return { rows, truncated, columns: [], rollups: true, exactPercentiles: true };
  });
}

/** What the rollups answer of `r`, or null when they cannot (read raw events instead). */
export function rolledRead(input: RolledInput, r: Read): Promise<Execution> | null {
  if (input.userRollups !== true || r.per !== undefined) return null;
  if (r.interval !== undefined && r.interval !== 'day' && r.interval !== 'week') return null;
  const dims = r.dimensions ?? [];
  if (dims.includes('attributes.plan')) return rolledPlans(input, r);
  const b = binder();
  const cond = conditions([...input.filters, ...(r.where ?? [])], (v) => b.bind(v));
  if (cond === null) return null;
  if (dims.some((d) => !KEY_FIELDS.has(d))) return null;
  const table = cond.okOnly ? OK_MEASURE_SQL : MEASURE_SQL;
  if (r.measures.some((m) => table[m] === undefined)) return null;
  // The smaller user_day when nothing needs sessions, personas or types, and events without a user cannot count.
  const perUser = !cond.okOnly && dims.length === 0 && [...cond.fields].every((f) => f === 'user_id') && r.measures.every((m) => USER_DAY_MEASURES.has(m)) &&
    (cond.fields.has('user_id') || r.measures.every((m) => m === 'unique_users'));

  const select: string[] = [];
  const columns: Column[] = [];
  if (r.interval !== undefined) {
    select.push(r.interval === 'day' ? 'epoch_ms(day) AS bucket' : `epoch_ms(date_trunc('week', day)) AS bucket`);
    columns.push({ name: 'bucket', alias: 'bucket', role: 'bucket' });
  }
  dims.forEach((d, i) => {
    select.push(`${d} AS d${i}`);
    columns.push({ name: d, alias: `d${i}`, role: 'dimension' });
  });
  r.measures.forEach((m, i) => {
    select.push(`${table[m]} AS m${i}`);
    columns.push({ name: m, alias: `m${i}`, role: 'measure' });
  });
  const where = [...cond.sql, ...(cond.okOnly ? ['n_ok > 0'] : [])];
  const source = daySource(perUser ? USER_DAY : USER_SESSION_DAY, input.project, r.range ?? input.range, where, b);
  const tail = groupOrderLimit(r, columns, b);
  return run(input, `SELECT ${select.join(', ')} FROM (${source}) AS u${tail.sql}`, b, columns, tail.limit);
}

/**
 * The latest plan per user named in the read's range (all history, in practice): `attributes.plan` with last_seen,
 * over payment and user events, one row per user (older plans are not kept), optionally filtered by user_id.
 */
function rolledPlans(input: RolledInput, r: Read): Promise<Execution> | null {
  const b = binder();
  const filters = [...input.filters, ...(r.where ?? [])];
  const planTypes = (f: Filter): boolean => f.field === 'type' && [...f.values].sort().join() === 'payment,user';
  const cond = conditions(filters.filter((f) => !planTypes(f)), (v) => b.bind(v));
  if (cond === null || cond.okOnly || [...cond.fields].some((f) => f !== 'user_id') || !filters.some(planTypes)) return null;
  if (r.measures.length !== 1 || r.measures[0] !== 'last_seen' || r.interval !== undefined) return null;
  const dims = r.dimensions ?? [];
  if (dims.some((d) => d !== 'user_id' && d !== 'attributes.plan')) return null;
  const range = r.range ?? input.range;
  // Plans before the range's start would need the range's start applied; every read of plans starts at 0.
  if (range.startMs !== 0) return null;
  const columns: Column[] = [
    ...dims.map((d, i) => ({ name: d, alias: `d${i}`, role: 'dimension' as const })),
    { name: 'last_seen', alias: 'm0', role: 'measure' },
  ];
  const select = [...dims.map((d, i) => `${d === 'attributes.plan' ? 'plan' : d} AS d${i}`), 'epoch_ms(max(plan_ts)) AS m0'];
  const source = planSource(input.project, range.endMs, cond.sql, b);
  const tail = groupOrderLimit(r, columns, b);
  return run(input, `SELECT ${select.join(', ')} FROM (${source}) AS u${tail.sql}`, b, columns, tail.limit);
}

/**
 * Persona evolution as personas.ts reads it — count, sum_value, last_value and first_seen of `evolution` events by
 * persona, name and `attributes.trait`, over [0, endMs), first_seen ascending — or null when filtered.
 */
export function rolledEvolution(input: RolledInput, endMs: number): Promise<Execution> | null {
  if (input.userRollups !== true || input.filters.length > 0) return null;
  const b = binder();
  const source = daySource(PERSONA_EVOLUTION_DAY, input.project, { startMs: 0, endMs }, [], b);
  const columns: Column[] = [
    { name: 'persona', alias: 'd0', role: 'dimension' }, { name: 'name', alias: 'd1', role: 'dimension' }, { name: 'attributes.trait', alias: 'd2', role: 'dimension' },
    { name: 'count', alias: 'm0', role: 'measure' }, { name: 'sum_value', alias: 'm1', role: 'measure' },
    { name: 'last_value', alias: 'm2', role: 'measure' }, { name: 'first_seen', alias: 'm3', role: 'measure' },
  ];
  const r: Read = { measures: ['first_seen'], order: [{ name: 'first_seen', direction: 'asc' }] };
  const tail = groupOrderLimit(r, columns, b);
  const sql = `SELECT persona AS d0, name AS d1, trait AS d2, sum(n) AS m0, coalesce(sum(value_sum), 0) AS m1,
    arg_max(value_last, value_last_ts) AS m2, epoch_ms(min(first_ts)) AS m3 FROM (${source}) AS u${tail.sql}`;
  return run(input, sql, b, columns, tail.limit);
}

function named(row: Row, columns: readonly Column[]): NamedRow {
  const out: NamedRow = {};
  for (const c of columns) {
    const v = row[c.alias] ?? null;
    if (c.role === 'dimension') out[c.name] = v === null ? null : String(v);
    else out[c.name] = v === null ? (TIMESTAMP_MEASURES.has(c.name) || c.role === 'bucket' ? null : 0) : Number(v);
  }
  return out;
}

/** Users whose first event (of the project, any filter aside) came before `beforeMs`; null when filtered. */
export function rolledUsersSeenBefore(input: RolledInput, beforeMs: number): Promise<number> | null {
  if (input.userRollups !== true || input.filters.length > 0) return null;
  const b = binder();
  const sql = `SELECT count(*) AS n FROM (${firstSeenSource(input.project, beforeMs, b)})`;
  return input.store.query(sql, b.params).then((rows) => Number(rows[0]?.n ?? 0));
}

/**
 * Sessions of the range (first to last event in the range, as `per: 'session'` reads them): by `session_length` with
 * the `sessions` measure, or in all with `sessions` and `avg_session_ms`; null when a filter is not on a key.
 */
export function rolledSessions(input: RolledInput, by: 'length' | 'all', where: readonly Filter[] = []): Promise<Execution> | null {
  if (input.userRollups !== true) return null;
  const b = binder();
  const cond = conditions([...input.filters, ...where], (v) => b.bind(v));
  if (cond === null || cond.okOnly) return null;
  const source = daySource(USER_SESSION_DAY, input.project, input.range, [...cond.sql, 'session_id IS NOT NULL'], b);
  const spans = `SELECT session_id, epoch_ms(max(last_ts)) - epoch_ms(min(first_ts)) AS s_span FROM (${source}) AS u GROUP BY session_id`;
  const sql = by === 'length'
    ? `SELECT ${SESSION_LENGTH_SQL} AS session_length, count(*) AS sessions FROM (${spans}) GROUP BY 1`
    : `SELECT count(*) AS sessions, avg(s_span) AS avg_session_ms FROM (${spans})`;
  return input.store.query(sql, b.params).then((raw) => ({
    rows: raw.map((r): NamedRow => by === 'length'
      ? { session_length: String(r.session_length), sessions: Number(r.sessions) }
      : { sessions: Number(r.sessions), avg_session_ms: r.avg_session_ms === null ? null : Number(r.avg_session_ms) }),
    truncated: false, columns: [], rollups: true, exactPercentiles: true,
  }));
}

