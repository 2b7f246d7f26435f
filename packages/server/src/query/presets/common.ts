import type { EventStore } from '../../store/types.js';
import type { NamedRow } from '../run.js';
import { rfc3339 } from '../time.js';
import type { Filter, TimeRange } from '../types.js';

/** What every preset needs: where to read, whose events, which time range, the caller's filters. */
export interface PresetInput {
  store: EventStore;
  project: string;
  range: TimeRange;
  filters: readonly Filter[];
}

/**
 * The preset's default event types, unless the caller filtered on `type` — then the caller's choice
 * stands alone (`?type=message` turns the usage overview into a message overview).
 */
export function scopeTypes(filters: readonly Filter[], types: readonly string[]): Filter[] {
  return filters.some((f) => f.field === 'type') ? [...filters] : [...filters, { field: 'type', values: types }];
}

export const num = (v: string | number | null | undefined): number => (typeof v === 'number' ? v : 0);

export function round(v: number | string | null | undefined, digits: number): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The single row of an ungrouped query (always one; an empty one only if the store misbehaves). */
export const only = (rows: readonly NamedRow[]): NamedRow => rows[0] ?? {};

/** Rows keyed by a dimension, dropping the group of events that lack it. */
export function byKey(rows: readonly NamedRow[], key: string): Array<[string, NamedRow]> {
  const out: Array<[string, NamedRow]> = [];
  for (const row of rows) {
    const k = row[key];
    if (typeof k === 'string') out.push([k, row]);
  }
  return out;
}

/** `{start, end}` where `end` is the last second included, as seed 004 shows `2024-01-31T23:59:59Z`. */
export function period(range: TimeRange): { start: string; end: string } {
  return { start: rfc3339(range.startMs), end: rfc3339(Math.floor((range.endMs - 1) / 1000) * 1000) };
}
