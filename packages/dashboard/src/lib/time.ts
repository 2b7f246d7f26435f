/** Time ranges, query intervals and UTC bucket arithmetic (the query API buckets in UTC, weeks from Monday). */

export type RangeId = '15m' | '1h' | '24h' | '7d' | '30d' | '90d' | '1y' | 'custom';
export type Interval = 'minute' | 'hour' | 'day' | 'week';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const RELATIVE_RANGES: ReadonlyArray<{ id: Exclude<RangeId, 'custom'>; label: string; ms: number }> = [
  { id: '15m', label: '15m', ms: 15 * MINUTE },
  { id: '1h', label: '1h', ms: HOUR },
  { id: '24h', label: '24h', ms: DAY },
  { id: '7d', label: '7d', ms: 7 * DAY },
  { id: '30d', label: '30d', ms: 30 * DAY },
  { id: '90d', label: '90d', ms: 90 * DAY },
  { id: '1y', label: '1y', ms: 365 * DAY },
];

export const INTERVAL_MS: Record<Interval, number> = { minute: MINUTE, hour: HOUR, day: DAY, week: 7 * DAY };

/**
 * One point per minute up to 2 h (15 for 15m, 60 for 1h), per hour up to 8 days (24 for the default
 * range, 168 for 7d), per day up to 90 days (30 for 30d, 91 for 90d), per week beyond (about 53 for 1y):
 * enough points to see a pattern, few enough for the query and the chart to stay cheap.
 */
export function intervalFor(spanMs: number): Interval {
  if (spanMs <= 2 * HOUR) return 'minute';
  if (spanMs <= 8 * DAY) return 'hour';
  if (spanMs <= 90 * DAY) return 'day';
  return 'week';
}

export function isRelative(id: RangeId): id is Exclude<RangeId, 'custom'> {
  return id !== 'custom';
}

export function relativeSpan(id: Exclude<RangeId, 'custom'>): number {
  return RELATIVE_RANGES.find((r) => r.id === id)!.ms;
}

/** Start of the UTC bucket holding `ms`. */
export function bucketStart(ms: number, interval: Interval): number {
  if (interval === 'week') {
    const day = Math.floor(ms / DAY) * DAY;
    const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
    return day - weekday * DAY;
  }
  const size = INTERVAL_MS[interval];
  return Math.floor(ms / size) * size;
}

/** Every bucket start that overlaps [startMs, endMs). */
export function bucketsBetween(startMs: number, endMs: number, interval: Interval): number[] {
  const out: number[] = [];
  const size = INTERVAL_MS[interval];
  for (let t = bucketStart(startMs, interval); t < endMs && out.length < 20_000; t += size) out.push(t);
  return out;
}

/** Milliseconds of bucket [t, t + size) that lie inside [startMs, endMs). */
export function overlapMs(t: number, interval: Interval, startMs: number, endMs: number): number {
  return Math.max(0, Math.min(t + INTERVAL_MS[interval], endMs) - Math.max(t, startMs));
}

/** RFC 3339 UTC, milliseconds kept only when not zero (what the API itself answers). */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export function parseTime(s: string | null | undefined): number | null {
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

/** `YYYY-MM-DDTHH:MM` in local time, for `<input type="datetime-local">`. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
