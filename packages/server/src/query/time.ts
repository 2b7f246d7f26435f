import type { Interval, TimeRange } from './types.js';

/** RFC 3339 in UTC, without the fraction when it is zero (`2025-12-12T09:45:00Z`, as in the seeds). */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

const DAY = 86_400_000;

/** Midnight UTC on the first of `month` (0-based, may overflow into the next or previous year) — any year, 0–99 too (Date.UTC maps those to 1900–1999). */
function monthStart(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 1);
  return d.getTime();
}
const FIXED: Partial<Record<Interval, number>> = { minute: 60_000, hour: 3_600_000, day: DAY };

/** Start of the UTC bucket containing `ms` — the same truncation the dialects do in SQL. */
export function bucketStart(ms: number, interval: Interval): number {
  const fixed = FIXED[interval];
  if (fixed !== undefined) return Math.floor(ms / fixed) * fixed;
  const d = new Date(ms);
  if (interval === 'month') return monthStart(d.getUTCFullYear(), d.getUTCMonth());
  const day = Math.floor(ms / DAY) * DAY;
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  return day - sinceMonday * DAY;
}

export function nextBucket(start: number, interval: Interval): number {
  const fixed = FIXED[interval];
  if (fixed !== undefined) return start + fixed;
  if (interval === 'week') return start + 7 * DAY;
  const d = new Date(start);
  return monthStart(d.getUTCFullYear(), d.getUTCMonth() + 1);
}

function previousBucket(start: number, interval: Interval): number {
  const fixed = FIXED[interval];
  if (fixed !== undefined) return start - fixed;
  if (interval === 'week') return start - 7 * DAY;
  const d = new Date(start);
  return monthStart(d.getUTCFullYear(), d.getUTCMonth() - 1);
}

/**
 * Every bucket start overlapping `range`, oldest first — at most `max` of them, the latest ones: a range with more
 * buckets keeps its end (where the data usually is) and `truncated` says the start was cut.
 */
export function bucketStarts(range: TimeRange, interval: Interval, max: number): { starts: number[]; truncated: boolean } {
  const out: number[] = [];
  if (range.endMs <= range.startMs) return { starts: out, truncated: false };
  const first = bucketStart(range.startMs, interval);
  for (let b = bucketStart(range.endMs - 1, interval); b >= first && out.length < max; b = previousBucket(b, interval)) out.push(b);
  const last = out.at(-1);
  return { starts: out.reverse(), truncated: last !== undefined && last > first };
}
