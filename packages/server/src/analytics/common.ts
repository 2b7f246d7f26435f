/**
 * Shared plumbing of the conversation, persona and user analytics (seed 001). Every figure here is a
 * preset over the one query layer (`executeQuery`): these files only choose measures, dimensions and
 * filters, then shape rows. A figure the events cannot support is `null`, and `Meta.nulls` says why.
 */
import type { MeasureName } from '../query/measures.js';
import type { PresetInput } from '../query/presets/common.js';
import { executeQuery, type Execution, type NamedRow } from '../query/run.js';
import { rfc3339 } from '../query/time.js';
import type { DimensionName, Filter, Interval, OrderBy, Per, TimeRange } from '../query/types.js';

import { rolledRead, type RolledInput } from './user-rollups/read.js';

export type { PresetInput } from '../query/presets/common.js';
export type { RolledInput } from './user-rollups/read.js';
export { byKey, num, only, round } from '../query/presets/common.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** Grouped queries that feed a second step (per user, per session) read at most this many rows. */
export const GROUP_LIMIT = 10_000;

export interface Meta {
  start: string;
  end: string;
  /** Field path → why it is null. */
  nulls: Record<string, string>;
  /** Grouped reads that hit GROUP_LIMIT: the figure covers the first GROUP_LIMIT groups only. */
  truncated: string[];
  elapsed_ms: number;
}

/** Collects the reasons for nulls and truncations while a preset runs. */
export class MetaBuilder {
  private readonly started = performance.now();
  readonly nulls: Record<string, string> = {};
  readonly truncated: string[] = [];
  constructor(private readonly range: TimeRange) {}
  /** `value`, or null with `reason` recorded under `path` when value is null/undefined. */
  orNull<T>(path: string, value: T | null | undefined, reason: string): T | null {
    if (value === null || value === undefined) {
      this.nulls[path] = reason;
      return null;
    }
    return value;
  }
  note(path: string, exec: Execution): Execution {
    if (exec.truncated) this.truncated.push(path);
    return exec;
  }
  build(): Meta {
    return {
      start: rfc3339(this.range.startMs),
      end: rfc3339(this.range.endMs),
      nulls: this.nulls,
      truncated: this.truncated,
      elapsed_ms: Math.round((performance.now() - this.started) * 10) / 10,
    };
  }
}

export interface Read {
  measures: MeasureName[];
  dimensions?: DimensionName[];
  /** Added to the caller's filters. */
  where?: Filter[];
  interval?: Interval;
  range?: TimeRange;
  order?: OrderBy[];
  limit?: number;
  per?: Per;
}

/** One query-layer read within the caller's project, range and filters. */
export function read(input: PresetInput, r: Read): Promise<Execution> {
  return executeQuery(input.store, {
    project: input.project,
    range: r.range ?? input.range,
    filters: [...input.filters, ...(r.where ?? [])],
    measures: r.measures,
    dimensions: r.dimensions ?? [],
    ...(r.interval !== undefined ? { interval: r.interval } : {}),
    ...(r.order !== undefined ? { order: r.order } : {}),
    ...(r.per !== undefined ? { per: r.per } : {}),
    limit: r.limit ?? GROUP_LIMIT,
  });
}

/**
 * `read`, answered from the user rollups when the store keeps them and they hold what `r` needs (same rows; see
 * user-rollups/read.ts), else from the query layer.
 */
export function readRolled(input: RolledInput, r: Read): Promise<Execution> {
  return rolledRead(input, r) ?? read(input, r);
}

export const eq = (field: Filter['field'], ...values: string[]): Filter => ({ field, values });

/** Days the range spans (at least a fraction of one), for per-day rates. */
export const days = (range: TimeRange): number => (range.endMs - range.startMs) / DAY_MS;

export const str = (v: string | number | null | undefined): string | null => (typeof v === 'string' ? v : null);
export const numOrNull = (v: string | number | null | undefined): number | null => (typeof v === 'number' ? v : null);

/** `a / b`, or null when b is 0. */
export const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Groups rows by one string dimension into a Map of row lists. */
export function groupRows(rows: readonly NamedRow[], key: string): Map<string, NamedRow[]> {
  const out = new Map<string, NamedRow[]>();
  for (const row of rows) {
    const k = row[key];
    if (typeof k !== 'string') continue;
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/** The `n` keys with the largest `measure`, ties by key. */
export function topKeys(rows: readonly NamedRow[], key: string, measure: string, n: number): string[] {
  return rows
    .filter((r) => typeof r[key] === 'string')
    .sort((a, b) => (Number(b[measure]) || 0) - (Number(a[measure]) || 0) || String(a[key]).localeCompare(String(b[key])))
    .slice(0, n)
    .map((r) => r[key] as string);
}

/** Sentiment distribution (shares of positive/neutral/negative) or null when nothing carried one. */
export function sentimentShares(row: NamedRow): { positive: number; neutral: number; negative: number } | null {
  const p = Number(row.positive_count) || 0;
  const n = Number(row.neutral_count) || 0;
  const g = Number(row.negative_count) || 0;
  const total = p + n + g;
  if (total === 0) return null;
  const r3 = (x: number): number => Math.round((x / total) * 1000) / 1000;
  return { positive: r3(p), neutral: r3(n), negative: r3(g) };
}
