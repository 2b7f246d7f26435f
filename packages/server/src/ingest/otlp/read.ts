/** Typed reads of span and resource attributes, forgiving about how an SDK typed a value. */
import { attr, type Attrs, type AttrValue } from './model.js';

/** A scalar as text (numbers and booleans stringified, arrays joined with commas); undefined when absent or empty. */
export function text(v: AttrValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return String(v);
  const parts = v.map(text).filter((x): x is string => x !== undefined);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** A finite number, also from a numeric string (some SDKs send token counts as strings). */
export function number(v: AttrValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The first of `keys` present in `attrs` (then in `fallback`, e.g. the resource), as text. */
export function firstText(keys: readonly string[], attrs: Attrs, fallback?: Attrs): string | undefined {
  for (const k of keys) {
    const v = text(attr(attrs, k));
    if (v !== undefined) return v;
  }
  if (fallback) {
    for (const k of keys) {
      const v = text(attr(fallback, k));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

export function firstNumber(keys: readonly string[], attrs: Attrs): number | undefined {
  for (const k of keys) {
    const v = number(attr(attrs, k));
    if (v !== undefined) return v;
  }
  return undefined;
}

/** At most `max` UTF-16 code units (the unit Pulse's limits count), never splitting a surrogate pair. */
export function clip(s: string | undefined, max: number): string | undefined {
  if (s === undefined || s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
