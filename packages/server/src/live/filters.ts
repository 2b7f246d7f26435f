import type { StoredEvent } from '@pulse/protocol';
import { attributeKey } from '../query/dimensions.js';
import type { Filter } from '../query/types.js';

/** The query layer's filter semantics (field IN values, filters ANDed), applied to one event in memory. */
export function matchesFilters(e: StoredEvent, filters: readonly Filter[]): boolean {
  for (const f of filters) {
    const key = attributeKey(f.field);
    const v = key === null ? (e as unknown as Record<string, unknown>)[f.field] : e.attributes?.[key];
    if (typeof v !== 'string' || !f.values.includes(v)) return false;
  }
  return true;
}

/** A stable key for a set of filters (order of fields and values does not matter). */
export function filtersKey(filters: readonly Filter[]): string {
  const merged = filtersObject(filters);
  return JSON.stringify(Object.keys(merged).sort().map((k) => [k, [...merged[k]!].sort()]));
}

export function filtersObject(filters: readonly Filter[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of filters) (out[f.field] ??= []).push(...f.values);
  return out;
}
