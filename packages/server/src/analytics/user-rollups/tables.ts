/**
 * The tables of the user rollups, as data: each row is one (project, UTC day or hour, key). For each column, how a
 * slice of events makes it, how rows of the same key merge, and what one raw event contributes — so the maintainer
 * (maintain.ts) and the readers (source.ts) cannot drift apart.
 */
import { AFFINITY, EVOLUTION, INTERACTION, MESSAGE, PAYMENT, USER } from '../vocabulary.js';

/** An event carries a plan when it is a payment or user lifecycle event with `attributes.plan`. */
export const PLAN_EVENT = `type IN ('${PAYMENT}', '${USER}') AND attributes['plan'] IS NOT NULL`;

export interface DayColumn {
  name: string;
  /** Aggregate over the events of a slice. */
  slice: string;
  /** Aggregate over rows of this table (same key, several slices). */
  merge: string;
  /** One raw event as a row. */
  event: string;
}

export interface DayTable {
  name: string;
  /** The time column and its grain: `day` (UTC days; the default) or `hour`. */
  time?: 'day' | 'hour';
  /** Key columns besides project and day: name and the event expression it comes from. */
  keys: ReadonlyArray<{ name: string; event: string }>;
  columns: readonly DayColumn[];
  /** Which events make rows (none: all). */
  events?: string;
}

const OK = `status = 'ok'`;
const sum = (name: string, slice: string, event: string): DayColumn => ({ name, slice, merge: `sum(${name})`, event });
const first = { name: 'first_ts', slice: 'min(ts)', merge: 'min(first_ts)', event: 'ts' };
const last = { name: 'last_ts', slice: 'max(ts)', merge: 'max(last_ts)', event: 'ts' };
const plan = { name: 'plan', slice: `arg_max(attributes['plan'], ts) FILTER (WHERE ${PLAN_EVENT})`, merge: 'arg_max(plan, plan_ts)', event: `CASE WHEN ${PLAN_EVENT} THEN attributes['plan'] END` };
const planTs = { name: 'plan_ts', slice: `max(ts) FILTER (WHERE ${PLAN_EVENT})`, merge: 'max(plan_ts)', event: `CASE WHEN ${PLAN_EVENT} THEN ts END` };
const key = (name: string): { name: string; event: string } => ({ name, event: name });

/** Per user, session, persona and type: what needs distinct sessions or a split by persona or type. */
export const USER_SESSION_DAY: DayTable = {
  name: 'user_session_day',
  keys: [key('user_id'), key('session_id'), key('persona'), key('type')],
  columns: [
    sum('n', 'count(*)', '1'),
    sum('n_ok', `count(*) FILTER (WHERE ${OK})`, `CASE WHEN ${OK} THEN 1 ELSE 0 END`),
    sum('cost_usd', 'sum(cost_usd)', 'cost_usd'),
    sum('value_ok', `sum(value) FILTER (WHERE ${OK})`, `CASE WHEN ${OK} THEN value END`),
    first, last, plan, planTs,
  ],
};

/** Per user: active days, counts, cost, first/last time, plan — a ninth of the rows of user_session_day. */
export const USER_DAY: DayTable = {
  name: 'user_day',
  keys: [key('user_id')],
  events: 'user_id IS NOT NULL',
  columns: [sum('n', 'count(*)', '1'), sum('cost_usd', 'sum(cost_usd)', 'cost_usd'), first, last, plan, planTs],
};

const VALUE_TS = 'CASE WHEN value IS NOT NULL THEN ts END';

/** Persona progression (`evolution` events) per persona, name and trait: read over all history. */
export const PERSONA_EVOLUTION_DAY: DayTable = {
  name: 'persona_evolution_day',
  keys: [key('persona'), key('name'), { name: 'trait', event: `attributes['trait']` }],
  events: `type = '${EVOLUTION}'`,
  columns: [
    sum('n', 'count(*)', '1'),
    sum('value_sum', 'sum(value)', 'value'),
    { name: 'value_last', slice: `arg_max(value, ${VALUE_TS})`, merge: 'arg_max(value_last, value_last_ts)', event: 'value' },
    { name: 'value_last_ts', slice: 'max(ts) FILTER (WHERE value IS NOT NULL)', merge: 'max(value_last_ts)', event: VALUE_TS },
    first, last,
  ],
};

/**
 * `interaction` events (banter, affinity, relationships) per persona, target, name, topic and the attributes the
 * persona, relationship and banter views group by (`stage`, `exchange_length`, `continued`): counts, first/last time,
 * first/latest value. Read instead of the events, whose attribute maps each scan would decode.
 */
export const INTERACTION_DAY: DayTable = {
  name: 'interaction_day',
  keys: [
    key('persona'), key('target'), key('name'), key('topic'),
    { name: 'stage', event: `attributes['stage']` }, { name: 'exchange_length', event: `attributes['exchange_length']` }, { name: 'continued', event: `attributes['continued']` },
  ],
  events: `type = '${INTERACTION}'`,
  columns: [
    sum('n', 'count(*)', '1'),
    first, last,
    { name: 'value_first', slice: `arg_min(value, ${VALUE_TS})`, merge: 'arg_min(value_first, value_first_ts)', event: 'value' },
    { name: 'value_first_ts', slice: 'min(ts) FILTER (WHERE value IS NOT NULL)', merge: 'min(value_first_ts)', event: VALUE_TS },
    { name: 'value_last', slice: `arg_max(value, ${VALUE_TS})`, merge: 'arg_max(value_last, value_last_ts)', event: 'value' },
    { name: 'value_last_ts', slice: 'max(ts) FILTER (WHERE value IS NOT NULL)', merge: 'max(value_last_ts)', event: VALUE_TS },
  ],
};

export const DAY_TABLES: readonly DayTable[] = [USER_SESSION_DAY, USER_DAY, PERSONA_EVOLUTION_DAY, INTERACTION_DAY];

/**
 * The hourly twins of user_session_day, user_day and interaction_day (migration 9): the same rows per UTC hour, read only at a range's
 * edges — the hours of its partial first and last days — so a range reads raw events only for less than an hour at
 * each end. (persona_evolution_day has none: it is read over all history up to a range's end, and its events are few.)
 */
export const USER_SESSION_HOUR: DayTable = { ...USER_SESSION_DAY, name: 'user_session_hour', time: 'hour' };
export const USER_HOUR: DayTable = { ...USER_DAY, name: 'user_hour', time: 'hour' };
export const INTERACTION_HOUR: DayTable = { ...INTERACTION_DAY, name: 'interaction_hour', time: 'hour' };
/**
 * Messages and `affinity` interactions per UTC hour, user, persona, type, name and topic: counts and the latest value
 * — users' topics, busiest hours of the day and affinities (preferences, the user drill-down), and personas' topics.
 * Hourly only (no day table): the hour of the day is one of its answers.
 */
export const USER_TOPIC_HOUR: DayTable = {
  name: 'user_topic_hour',
  time: 'hour',
  keys: [key('user_id'), key('persona'), key('type'), key('name'), key('topic')],
  events: `(type = '${MESSAGE}' OR (type = '${INTERACTION}' AND name = '${AFFINITY}'))`,
  columns: [
    sum('n', 'count(*)', '1'),
    { name: 'value_last', slice: `arg_max(value, ${VALUE_TS})`, merge: 'arg_max(value_last, value_last_ts)', event: 'value' },
    { name: 'value_last_ts', slice: 'max(ts) FILTER (WHERE value IS NOT NULL)', merge: 'max(value_last_ts)', event: VALUE_TS },
  ],
};

export const HOUR_TABLES: readonly DayTable[] = [USER_SESSION_HOUR, USER_HOUR, INTERACTION_HOUR, USER_TOPIC_HOUR];

/** The hourly twin of a day table, if it has one. */
export function hourTwin(t: DayTable): DayTable | undefined {
  return HOUR_TABLES.find((h) => h.name === t.name.replace(/_day$/, '_hour'));
}

/** `t`'s time column: `day` or `hour`. */
export const timeColumn = (t: DayTable): 'day' | 'hour' => t.time ?? 'day';

/** Column names of `t` in table order. */
export function columnNames(t: DayTable): string[] {
  return ['project', timeColumn(t), ...t.keys.map((k) => k.name), ...t.columns.map((c) => c.name)];
}
