/**
 * The rows of a day table (tables.ts) for a time range, exact and live: whole UTC days from the table, whole hours of
 * the range's partial first and last days from its hourly twin (when it has one), and everything else — under an hour
 * at each end, and events past the watermark — from raw events mapped to the same columns (one row per event). The watermark is read inside the statement, so one statement sees
 * the table and the events past it from one snapshot; DuckDB pushes `seq > watermark` into the scan as a dynamic
 * filter (zone maps on `seq`).
 */
import type { QueryParam } from '../../store/types.js';
import type { TimeRange } from '../../query/types.js';
import { columnNames, hourTwin, PLAN_EVENT, timeColumn, USER_DAY, USER_HOUR, type DayTable } from './tables.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface Binder {
  params: QueryParam[];
  /** Binds a value, returning its placeholder. */
  bind: (value: QueryParam) => string;
  /** A bound epoch-ms time as a TIMESTAMP. */
  ts: (ms: number) => string;
}

export function binder(): Binder {
  const params: QueryParam[] = [];
  const bind = (value: QueryParam): string => {
    params.push(value);
    return `$${params.length}`;
  };
  return { params, bind, ts: (ms) => `epoch_ms(CAST(${bind(ms)} AS BIGINT))` };
}

export const WATERMARK = '(SELECT watermark FROM user_rollup_state WHERE id = 1)';

export const floorDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
const ceilDay = (ms: number): number => Math.ceil(ms / DAY_MS) * DAY_MS;
export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ceilHour = (ms: number): number => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/** Raw events as rows of `t`. */
export function eventColumns(t: DayTable): string {
  return [`date_trunc('${timeColumn(t)}', ts) AS ${timeColumn(t)}`, ...t.keys.map((k) => `${k.event} AS ${k.name}`), ...t.columns.map((c) => `${c.event} AS ${c.name}`)].join(', ');
}

/**
 * The part of `range` that `t`'s rows answer: its whole hours (whole days, for a day table without an hourly twin);
 * null when it has none. The rest is read raw.
 */
export function rolledSpan(t: DayTable, range: TimeRange): TimeRange | null {
  const hours = timeColumn(t) === 'hour' || hourTwin(t) !== undefined;
  const rs = hours ? ceilHour(range.startMs) : ceilDay(range.startMs);
  const re = hours ? floorHour(range.endMs) : floorDay(range.endMs);
  return rs < re ? { startMs: rs, endMs: re } : null;
}

/**
 * `t`'s own rows of `span` (rolledSpan), restricted by `conditions` (as daySource): whole days from a day table, the
 * whole hours around them from its hourly twin (an hour table: its hour rows) — up to the watermark.
 */
export function rolledSource(t: DayTable, project: string, span: TimeRange, conditions: readonly string[], b: Binder): string {
  const p = b.bind(project);
  const tableExtra = conditions.map((c) => ` AND ${c}`).join('');
  const cols = columnNames(t).slice(2).join(', ');
  const { startMs: rs, endMs: re } = span;
  const hourly = timeColumn(t) === 'hour';
  const hours = hourly ? t : hourTwin(t);
  const dayRows = (from: number, to: number): string =>
    `SELECT day, ${cols} FROM ${t.name} WHERE project = ${p} AND day >= ${b.ts(from)} AND day < ${b.ts(to)}${tableExtra}`;
  if (hours === undefined) return dayRows(rs, re);
  // An hour table (`time: 'hour'`) gives rows per hour (`hour`); a day table per day (`day`), with its hourly twin's.
  const time = hourly ? 'hour' : `date_trunc('day', hour) AS day`;
  const hourRows = (from: number, to: number): string =>
    `SELECT ${time}, ${cols} FROM ${hours.name} WHERE project = ${p} AND hour >= ${b.ts(from)} AND hour < ${b.ts(to)}${tableExtra}`;
  if (hourly) return hourRows(rs, re);
  let ds = ceilDay(rs);
  let de = floorDay(re);
  if (ds >= de) ds = de = rs;
  const parts: string[] = [];
  if (ds < de) parts.push(dayRows(ds, de));
  if (rs < ds) parts.push(hourRows(rs, ds));
  if (de < re) parts.push(hourRows(de, re));
  return parts.join(' UNION ALL ');
}

/**
 * A subquery of `t`'s rows covering [startMs, endMs) of `project`, restricted by `conditions` (SQL over key columns
 * that the table and the events share: user_id, session_id, persona, type, name): rolledSource's rows of its
 * rolledSpan, and raw events for the rest — under an hour at each end, and every event past the watermark. With
 * `rawOnly`, the raw events only (the whole-hour cache holds the rest).
 */
export function daySource(t: DayTable, project: string, range: TimeRange, conditions: readonly string[], b: Binder, rawOnly = false): string {
  const p = b.bind(project);
  const extra = [...(t.events ? [t.events] : []), ...conditions].map((c) => ` AND ${c}`).join('');
  const raw = (where: string): string => `SELECT ${eventColumns(t)} FROM events WHERE project = ${p} AND ${where}${extra}`;
  const { startMs, endMs } = range;
  const span = rolledSpan(t, range);
  if (span === null) return raw(`ts >= ${b.ts(startMs)} AND ts < ${b.ts(endMs)}`);
  const { startMs: rs, endMs: re } = span;
  const parts: string[] = rawOnly ? [] : [rolledSource(t, project, span, conditions, b)];
  if (startMs < rs) parts.push(raw(`ts >= ${b.ts(startMs)} AND ts < ${b.ts(rs)}`));
  if (re < endMs) parts.push(raw(`ts >= ${b.ts(re)} AND ts < ${b.ts(endMs)}`));
  parts.push(raw(`seq > ${WATERMARK} AND ts >= ${b.ts(rs)} AND ts < ${b.ts(re)}`));
  return parts.join(' UNION ALL ');
}

/**
 * Each user's first event before `beforeMs`: `user_first_seen` up to the watermark, raw events past it. Unfiltered
 * (every event of the project counts).
 */
export function firstSeenSource(project: string, beforeMs: number, b: Binder): string {
  const p = b.bind(project);
  const before = b.ts(beforeMs);
  return `SELECT user_id, min(first_ts) AS first_ts FROM (
    SELECT user_id, first_ts FROM user_first_seen WHERE project = ${p} AND first_ts < ${before}
    UNION ALL SELECT user_id, ts AS first_ts FROM events WHERE project = ${p} AND seq > ${WATERMARK} AND ts < ${before} AND user_id IS NOT NULL
  ) GROUP BY user_id`;
}

/**
 * Each user's latest plan named before `endMs` (`plan`, `plan_ts`), restricted by `conditions` on user_id: from
 * `user_first_seen` when the latest plan it holds was named before `endMs`' day; else from that user's user_day rows
 * before that day; plus that day's whole hours from user_hour, raw events of its last partial hour, and raw events
 * past the watermark. (The day's events were read raw before: at 10M events, a day's ~330k events and their
 * attribute maps took ~17 ms to scan.) `part`: the rolled-up rows only (up to `endMs`' hour; for the whole-hour cache:
 * what they give for a user's latest plan changes only with writes to earlier hours), or the raw events only.
 */
export function planSource(project: string, endMs: number, conditions: readonly string[], b: Binder, part: 'all' | 'rolled' | 'raw' = 'all'): string {
  const p = b.bind(project);
  const he = b.ts(floorHour(endMs));
  const extra = conditions.map((c) => ` AND ${c}`).join('');
  const plan = `CASE WHEN ${PLAN_EVENT} THEN attributes['plan'] END`;
  const parts: string[] = [];
  if (part !== 'raw') {
    const de = b.ts(floorDay(endMs));
    parts.push(`SELECT user_id, plan, plan_ts FROM user_first_seen WHERE project = ${p} AND plan_ts < ${de}${extra}`,
      `SELECT user_id, plan, plan_ts FROM ${USER_DAY.name} WHERE project = ${p} AND day < ${de} AND plan IS NOT NULL${extra}
      AND user_id IN (SELECT user_id FROM user_first_seen WHERE project = ${p} AND plan_ts >= ${de})`,
      `SELECT user_id, plan, plan_ts FROM ${USER_HOUR.name} WHERE project = ${p} AND hour >= ${de} AND hour < ${he} AND plan IS NOT NULL${extra}`);
  }
  if (part !== 'rolled') {
    parts.push(`SELECT user_id, ${plan} AS plan, ts AS plan_ts FROM events WHERE project = ${p} AND ${PLAN_EVENT}${extra} AND ts >= ${he} AND ts < ${b.ts(endMs)}`,
      `SELECT user_id, ${plan} AS plan, ts AS plan_ts FROM events WHERE project = ${p} AND ${PLAN_EVENT}${extra} AND seq > ${WATERMARK} AND ts < ${he}`);
  }
  return parts.join('\n    UNION ALL ');
}
