import { ATTRIBUTE_KEY_PATTERN, LIMITS } from '@pulse/protocol';
import { z } from 'zod';
import { badRequest } from '../http/errors.js';
import { quote } from './compiler.js';
import { attributeKey, isDimensionName, isFilterField, isValidAttributeKey } from './dimensions.js';
import { MEASURE_NAMES, type MeasureName } from './measures.js';
import {
  INTERVALS, MAX_FILTER_VALUES, MAX_LIMIT, PER_VALUES,
  type DimensionName, type Filter, type OrderBy, type QuerySpec, type TimeRange,
} from './types.js';

/**
 * Query-string → query object. Control parameters are parsed with zod; every other parameter is a
 * filter on a string field or `attributes.<key>` (repeat it for any-of: `model=a&model=b`), and
 * anything else is a 400 naming it. `project` and `api_key` belong to the auth hook and are ignored.
 */
const RESERVED = new Set(['project', 'api_key']);
const DAY_MS = 86_400_000;
export const DEFAULT_RANGE_MS = DAY_MS;

/** `single` controls may appear once; `list` controls are comma lists and may be repeated. */
export type ControlKind = 'single' | 'list';

export interface ReadParams {
  range: TimeRange;
  filters: Filter[];
  /** Control values by name (lists joined with commas), absent when not given. */
  controls: Record<string, string | undefined>;
}

const rawQuerySchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const dateOnly = z.iso.date();
const dateTime = z.iso.datetime({ offset: true });

function parseWith<T>(schema: z.ZodType<T>, value: unknown, param: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(param, result.error.issues[0]?.message ?? 'is invalid');
  return result.data;
}

/** Range, filters and the endpoint's own controls; shared by `/v1/query` and the presets. */
export function parseReadParams(query: unknown, now: number, controls: Record<string, ControlKind>): ReadParams {
  const raw = parseWith(rawQuerySchema, query ?? {}, 'query');
  const filters: Filter[] = [];
  const found: Record<string, string | undefined> = {};
  const all: Record<string, ControlKind> = { ...controls, start_date: 'single', end_date: 'single' };
  for (const [name, value] of Object.entries(raw)) {
    const values = Array.isArray(value) ? value : [value];
    if (RESERVED.has(name)) continue;
    if (name === '') throw badRequest('query', 'a parameter has no name');
    const kind = Object.hasOwn(all, name) ? all[name] : undefined;
    if (kind === 'list') found[name] = values.join(',');
    else if (kind === 'single') {
      if (values.length !== 1) throw badRequest(name, 'may be given only once');
      found[name] = values[0];
    } else if (isFilterField(name)) filters.push({ field: name, values: filterValues(name, values) });
    else if (attributeKey(name) !== null) throw badRequest(label(name), ATTRIBUTE_KEY_HINT);
    else throw badRequest(label(name), 'unknown parameter');
  }
  return { range: parseRange(found.start_date, found.end_date, now), filters, controls: found };
}

/** A parameter name from the caller, cut so an error message stays small. */
const label = (name: string): string => (name.length > 100 ? `${name.slice(0, 100)}…` : name);

function filterValues(name: string, values: readonly string[]): string[] {
  if (values.length > MAX_FILTER_VALUES) throw badRequest(name, `at most ${MAX_FILTER_VALUES} values`);
  for (const v of values) {
    if (v === '') throw badRequest(name, 'value must not be empty');
    if (v.length > LIMITS.maxAttributeValueLength) {
      throw badRequest(name, `value longer than ${LIMITS.maxAttributeValueLength} characters`);
    }
  }
  return [...new Set(values)];
}

const ATTRIBUTE_KEY_HINT = `attribute key must match ${String(ATTRIBUTE_KEY_PATTERN)}`;
const TIME_HINT = 'must be an RFC 3339 time (2024-01-31T12:00:00Z) or a date (2024-01-31)';

/** A date means the whole UTC day: as `end_date` it includes that day (seed 004: `end_date=2024-01-31`). */
function parseTime(param: string, value: string, isEnd: boolean): number {
  if (dateOnly.safeParse(value).success) return Date.parse(`${value}T00:00:00Z`) + (isEnd ? DAY_MS : 0);
  if (dateTime.safeParse(value).success) {
    const ms = Date.parse(value);
    if (Number.isSafeInteger(ms)) return ms;
  }
  throw badRequest(param, TIME_HINT);
}

/** The latest end a range may have: answers write it as RFC 3339, whose years have four digits. */
const LATEST_END_MS = Date.parse('9999-12-31T23:59:59.999Z');

export function parseRange(start: string | undefined, end: string | undefined, now: number): TimeRange {
  // `end_date=9999-12-31` ends at the year 10000 (exclusive), which RFC 3339 cannot write: its last millisecond goes.
  const endMs = Math.min(end === undefined ? now : parseTime('end_date', end, true), LATEST_END_MS);
  const startMs = start === undefined ? endMs - DEFAULT_RANGE_MS : parseTime('start_date', start, false);
  // Without end_date the caller sent only start_date: name it, not the default they never gave.
  if (endMs <= startMs && end === undefined) throw badRequest('start_date', 'must be before end_date, which defaults to now');
  if (endMs <= startMs) throw badRequest('end_date', 'must be after start_date');
  return { startMs, endMs };
}

const splitList = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

const measuresSchema = z
  .string()
  .transform(splitList)
  .pipe(
    z
      .array(z.enum(MEASURE_NAMES as [MeasureName, ...MeasureName[]], {
        error: (iss) => `unknown measure ${quote(String(iss.input))}`,
      }))
      .min(1, 'at least one measure is required'),
  );

const dimensionsSchema = z.string().transform(splitList).pipe(
  z.array(
    z.string().refine(isDimensionName, {
      error: (iss) => {
        const name = String(iss.input);
        const key = attributeKey(name);
        return key !== null && !isValidAttributeKey(key)
          ? `${quote(name)}: ${ATTRIBUTE_KEY_HINT}`
          : `unknown dimension ${quote(name)}`;
      },
    }),
  ),
);

const intervalSchema = z.enum(INTERVALS, { error: `must be one of ${INTERVALS.join(', ')}` });

const limitSchema = z
  .string()
  .regex(/^[0-9]{1,6}$/, `must be an integer from 1 to ${MAX_LIMIT}`)
  .transform(Number)
  .pipe(z.number().int().min(1, `must be an integer from 1 to ${MAX_LIMIT}`).max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`));

/** `order=-count,model`: a leading `-` sorts descending. */
function parseOrder(value: string, allowed: ReadonlySet<string>): OrderBy[] {
  return splitList(value).map((term) => {
    const desc = term.startsWith('-');
    const name = desc ? term.slice(1) : term;
    if (!allowed.has(name)) throw badRequest('order', `${quote(name)} is not a measure, dimension or bucket of this query`);
    return { name, direction: desc ? 'desc' : 'asc' };
  });
}

const QUERY_CONTROLS: Record<string, ControlKind> = {
  measures: 'list', dimensions: 'list', interval: 'single', order: 'list', limit: 'single', per: 'single',
};

/** `GET /v1/query`. Defaults: measures=count, no dimensions, no interval, limit 1000. */
export function parseQuerySpec(query: unknown, project: string, now: number): QuerySpec {
  const { range, filters, controls } = parseReadParams(query, now, QUERY_CONTROLS);
  const measures = controls.measures === undefined ? (['count'] as MeasureName[]) : parseWith(measuresSchema, controls.measures, 'measures');
  const dimensions = controls.dimensions === undefined ? [] : (parseWith(dimensionsSchema, controls.dimensions, 'dimensions') as DimensionName[]);
  const interval = controls.interval === undefined ? undefined : parseWith(intervalSchema, controls.interval, 'interval');
  const limit = controls.limit === undefined ? undefined : parseWith(limitSchema, controls.limit, 'limit');
  const allowed = new Set<string>([...measures, ...dimensions, ...(interval ? ['bucket'] : [])]);
  const order = controls.order === undefined ? undefined : parseOrder(controls.order, allowed);
  const per = parseEnumControl('per', controls.per, PER_VALUES);
  return {
    project, measures, dimensions, filters, range,
    ...(interval !== undefined && { interval }),
    ...(order !== undefined && { order }),
    ...(limit !== undefined && { limit }),
    ...(per !== undefined && { per }),
  };
}

/** A single-valued enum control of a preset (e.g. `group_by`). */
export function parseEnumControl<T extends string>(
  param: string, value: string | undefined, options: readonly [T, ...T[]],
): T | undefined {
  if (value === undefined) return undefined;
  return parseWith(z.enum(options, { error: `must be one of ${options.join(', ')}` }), value, param);
}
