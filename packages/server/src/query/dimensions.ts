import { ATTRIBUTE_KEY_PATTERN, STRING_DIMENSIONS, type StringDimension } from '@pulse/protocol';
import type { Dialect, ParamType } from './dialect.js';
import { LATENCY_GAMMA, type DerivedDimension, type DimensionName, type FilterField, type Per } from './types.js';

/**
 * The dimension allow-list. Column identifiers in generated SQL come only from here; an attribute key
 * is validated against ATTRIBUTE_KEY_PATTERN and then still bound as a parameter, never spliced.
 */
export type DimensionType = 'string' | 'int' | 'timestamp';

/** Binds a value and returns its placeholder. */
export type Bind = (value: string | number, type: ParamType) => string;

export interface DimensionDef {
  type: DimensionType;
  sql: (d: Dialect, bind: Bind) => string;
  /** Rows are (event, phase) pairs: the source unnests `phases`. */
  unnestsPhases?: boolean;
  /** A property of a session or cohort, computed over the per-session / per-user rows (that `per` only). */
  per?: Per;
}

/** Session-length bins (upper bounds in minutes, exclusive); the last is open-ended. */
export const SESSION_LENGTH_BINS: ReadonlyArray<readonly [label: string, maxMinutes: number]> = [
  ['<1m', 1], ['1-5m', 5], ['5-15m', 15], ['15-30m', 30], ['30-60m', 60], ['60m+', Infinity],
];
// Labels and bounds are constants of this table, never caller input.
/** A session's span in ms (`s_span`) as its SESSION_LENGTH_BINS label. */
export const SESSION_LENGTH_SQL = `CASE ${SESSION_LENGTH_BINS.filter(([, m]) => Number.isFinite(m)).map(([label, m]) => `WHEN s_span < ${m * 60_000} THEN '${label}'`).join(' ')} ELSE '60m+' END`;

const ATTRIBUTE_PREFIX = 'attributes.';
const STRING_DIMENSION_SET: ReadonlySet<string> = new Set(STRING_DIMENSIONS);

const LN_GAMMA = Math.log(LATENCY_GAMMA);

const DERIVED: Record<DerivedDimension, DimensionDef> = {
  hour_of_day: { type: 'int', sql: (d) => d.hourOfDay() },
  weekday: { type: 'int', sql: (d) => d.weekday() },
  phase: { type: 'string', sql: (d) => d.phaseName(), unnestsPhases: true },
  duration_bucket: { type: 'int', sql: (d) => d.logBucket('duration_ms', LN_GAMMA) },
  ttft_bucket: { type: 'int', sql: (d) => d.logBucket('ttft_ms', LN_GAMMA) },
  topic: { type: 'string', sql: () => 'topic' },
  session_length: { type: 'string', sql: () => SESSION_LENGTH_SQL, per: 'session' },
  cohort: { type: 'timestamp', sql: () => 'cohort', per: 'cohort' },
};

export function isStringDimension(name: string): name is StringDimension {
  return STRING_DIMENSION_SET.has(name);
}

/** The key of `attributes.<key>`, or null when `name` is not an attribute reference. */
export function attributeKey(name: string): string | null {
  return name.startsWith(ATTRIBUTE_PREFIX) ? name.slice(ATTRIBUTE_PREFIX.length) : null;
}

export function isValidAttributeKey(key: string): boolean {
  return ATTRIBUTE_KEY_PATTERN.test(key);
}

export function isFilterField(name: string): name is FilterField {
  if (isStringDimension(name)) return true;
  const key = attributeKey(name);
  return key !== null && isValidAttributeKey(key);
}

export function isDimensionName(name: string): name is DimensionName {
  return isFilterField(name) || Object.hasOwn(DERIVED, name);
}

/** SQL for a filterable field: a column for string fields, an attribute lookup with a bound key. */
export function fieldSql(field: FilterField, d: Dialect, bind: Bind): string {
  if (isStringDimension(field)) return field;
  const key = attributeKey(field);
  if (key === null || !isValidAttributeKey(key)) throw new Error(`not a filter field: ${field}`);
  return d.attribute(bind(key, 'string'));
}

/** The definition of an allow-listed dimension, or null for anything else. */
export function dimensionDef(name: string): DimensionDef | null {
  if (isFilterField(name)) return { type: 'string', sql: (d, bind) => fieldSql(name, d, bind) };
  return Object.hasOwn(DERIVED, name) ? DERIVED[name as keyof typeof DERIVED] : null;
}
