import { describe, expect, it } from 'vitest';
import { errorTrend } from './presets/api-metrics.js';
import { costString, defaultGroupBy } from './presets/usage-overview.js';
import { bucketStart, bucketStarts, rfc3339 } from './time.js';

const t = (s: string) => Date.parse(s);

describe('time buckets (the JS side of gap filling must agree with the SQL truncation)', () => {
  it('truncates to UTC minute, hour, day, ISO week and month', () => {
    const ms = t('2025-12-14T23:59:30.250Z'); // a Sunday
    expect(rfc3339(bucketStart(ms, 'minute'))).toBe('2025-12-14T23:59:00Z');
    expect(rfc3339(bucketStart(ms, 'hour'))).toBe('2025-12-14T23:00:00Z');
    expect(rfc3339(bucketStart(ms, 'day'))).toBe('2025-12-14T00:00:00Z');
    expect(rfc3339(bucketStart(ms, 'week'))).toBe('2025-12-08T00:00:00Z');
    expect(rfc3339(bucketStart(t('2025-12-08T00:00:00Z'), 'week'))).toBe('2025-12-08T00:00:00Z');
    expect(rfc3339(bucketStart(ms, 'month'))).toBe('2025-12-01T00:00:00Z');
  });

  it('lists the buckets overlapping a range; capped, it keeps the latest and says the start was cut', () => {
    const range = { startMs: t('2025-11-15T12:00:00Z'), endMs: t('2026-02-01T00:00:00Z') };
    const months = bucketStarts(range, 'month', 100);
    expect(months.starts.map(rfc3339)).toEqual(['2025-11-01T00:00:00Z', '2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z']);
    expect(months.truncated).toBe(false);
    expect(bucketStarts(range, 'month', 3).truncated).toBe(false);
    const capped = bucketStarts(range, 'month', 2);
    expect(capped.starts.map(rfc3339)).toEqual(['2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z']);
    expect(capped.truncated).toBe(true);
    const hours = bucketStarts(range, 'hour', 5);
    expect(hours.starts.map(rfc3339)).toEqual(['2026-01-31T19:00:00Z', '2026-01-31T20:00:00Z', '2026-01-31T21:00:00Z', '2026-01-31T22:00:00Z', '2026-01-31T23:00:00Z']);
    expect(hours.truncated).toBe(true);
    const weeks = bucketStarts({ startMs: t('2025-12-10T00:00:00Z'), endMs: t('2025-12-22T00:00:01Z') }, 'week', 10);
    expect(weeks.starts.map(rfc3339)).toEqual(['2025-12-08T00:00:00Z', '2025-12-15T00:00:00Z', '2025-12-22T00:00:00Z']);
    expect(bucketStarts({ startMs: 5, endMs: 5 }, 'day', 10)).toEqual({ starts: [], truncated: false });
    // Years 0–99 stay themselves (Date.UTC would read them as 1900–1999).
    const early = bucketStarts({ startMs: t('0000-01-15T00:00:00Z'), endMs: t('0000-03-02T00:00:00Z') }, 'month', 10);
    expect(early.starts.map((ms) => new Date(ms).toISOString())).toEqual(['0000-01-01T00:00:00.000Z', '0000-02-01T00:00:00.000Z', '0000-03-01T00:00:00.000Z']);
    expect(new Date(bucketStart(t('0099-12-31T12:00:00Z'), 'month')).toISOString()).toBe('0099-12-01T00:00:00.000Z');
  });

  it('formats RFC 3339 with milliseconds only when present', () => {
    expect(rfc3339(t('2025-12-12T09:45:00Z'))).toBe('2025-12-12T09:45:00Z');
    expect(rfc3339(t('2025-12-12T09:45:00.5Z'))).toBe('2025-12-12T09:45:00.500Z');
  });
});

describe('preset helpers', () => {
  it('picks a group_by for the range length', () => {
    const day = 86_400_000;
    expect(defaultGroupBy({ startMs: 0, endMs: 2 * day })).toBe('hour');
    expect(defaultGroupBy({ startMs: 0, endMs: 31 * day })).toBe('day');
    expect(defaultGroupBy({ startMs: 0, endMs: 365 * day })).toBe('week');
    expect(defaultGroupBy({ startMs: 0, endMs: 1000 * day })).toBe('month');
  });

  it('writes costs as decimal strings', () => {
    expect(costString(142.816)).toBe('142.816');
    expect(costString(0.1 + 0.2)).toBe('0.3');
    expect(costString(0)).toBe('0');
  });

  it('calls a trend only beyond ±10 % of the previous error rate', () => {
    expect(errorTrend({ count: 100, errors: 12 }, { count: 100, errors: 10 })).toBe('increasing');
    expect(errorTrend({ count: 100, errors: 11 }, { count: 100, errors: 10 })).toBe('stable');
    expect(errorTrend({ count: 100, errors: 9 }, { count: 100, errors: 10 })).toBe('stable');
    expect(errorTrend({ count: 100, errors: 8 }, { count: 100, errors: 10 })).toBe('decreasing');
    expect(errorTrend({ count: 100, errors: 1 }, { count: 50, errors: 0 })).toBe('increasing');
    expect(errorTrend({ count: 100, errors: 0 }, { count: 50, errors: 0 })).toBe('stable');
    expect(errorTrend({ count: 100, errors: 5 }, { count: 0, errors: 0 })).toBe('stable');
    // Rates, not counts: twice the errors on twice the traffic is no trend.
    expect(errorTrend({ count: 200, errors: 20 }, { count: 100, errors: 10 })).toBe('stable');
  });
});
