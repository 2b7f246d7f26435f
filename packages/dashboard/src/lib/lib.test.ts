import { describe, expect, test } from 'vitest';
import { apiBasePath } from './base-path';
import { fmtCompact, fmtCount, fmtInt, fmtMs, fmtPct, fmtRate, fmtSentiment, fmtSig, fmtUsd, fmtUsdTile } from './format';
import { align, isolatedPoints, splitBy } from './series';
import { userRefreshGapMs } from './settings';
import { BANDS, levelOf } from './thresholds';
import { bucketStart, bucketsBetween, intervalFor, overlapMs, RELATIVE_RANGES, rfc3339 } from './time';

const H = 3_600_000;

describe('time', () => {
  test('interval per range: minute ≤ 2 h, hour ≤ 8 days, day ≤ 90 days, week beyond', () => {
    expect([0.25, 1, 2, 24, 168, 192, 720, 2160, 2161].map((h) => intervalFor(h * H))).toEqual(
      ['minute', 'minute', 'minute', 'hour', 'hour', 'hour', 'day', 'day', 'week'],
    );
  });

  test('the relative ranges and their buckets: 90d by day (91 buckets), 1y by week (53 or 54)', () => {
    expect(RELATIVE_RANGES.map((r) => [r.id, r.ms / H, intervalFor(r.ms)])).toEqual([
      ['15m', 0.25, 'minute'], ['1h', 1, 'minute'], ['24h', 24, 'hour'], ['7d', 168, 'hour'],
      ['30d', 720, 'day'], ['90d', 2160, 'day'], ['1y', 8760, 'week'],
    ]);
    const end = Date.parse('2026-12-03T15:42:10Z');
    expect(bucketsBetween(end - 2160 * H, end, 'day')).toHaveLength(91);
    const weeks = bucketsBetween(end - 8760 * H, end, 'week');
    expect(weeks).toHaveLength(53);
    expect(rfc3339(weeks[0]!)).toBe('2025-12-01T00:00:00Z'); // the Monday of the week holding the start
  });

  test('UTC buckets; weeks start on Monday (ISO), as the query API', () => {
    const t = Date.parse('2026-12-03T15:42:10.5Z'); // a Thursday
    expect(rfc3339(bucketStart(t, 'minute'))).toBe('2026-12-03T15:42:00Z');
    expect(rfc3339(bucketStart(t, 'hour'))).toBe('2026-12-03T15:00:00Z');
    expect(rfc3339(bucketStart(t, 'day'))).toBe('2026-12-03T00:00:00Z');
    expect(rfc3339(bucketStart(t, 'week'))).toBe('2026-11-30T00:00:00Z');
    expect(rfc3339(bucketStart(Date.parse('2026-11-30T00:00:00Z'), 'week'))).toBe('2026-11-30T00:00:00Z');
    expect(rfc3339(bucketStart(Date.parse('2026-12-06T23:59:59Z'), 'week'))).toBe('2026-11-30T00:00:00Z');
  });

  test('every bucket overlapping the range, and how much of each lies inside it', () => {
    const s = Date.parse('2026-12-03T10:30:00Z');
    const e = Date.parse('2026-12-03T13:15:00Z');
    const xs = bucketsBetween(s, e, 'hour');
    expect(xs.map(rfc3339)).toEqual(['2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z', '2026-12-03T12:00:00Z', '2026-12-03T13:00:00Z']);
    expect(xs.map((x) => overlapMs(x, 'hour', s, e) / 60_000)).toEqual([30, 60, 60, 15]);
  });

  test('RFC 3339 keeps milliseconds only when not zero', () => {
    expect(rfc3339(Date.parse('2026-12-03T10:30:00.000Z'))).toBe('2026-12-03T10:30:00Z');
    expect(rfc3339(Date.parse('2026-12-03T10:30:00.250Z'))).toBe('2026-12-03T10:30:00.250Z');
  });
});

describe('format', () => {
  test('figures', () => {
    expect(fmtInt(29931106)).toBe('29,931,106');
    expect(fmtInt(null)).toBe('—');
    expect([0, 849.6, 999.4, 1000, 1849, 15890].map(fmtMs)).toEqual(['0 ms', '850 ms', '999 ms', '1.00 s', '1.85 s', '15.89 s']);
    expect([0, 0.0004, 0.018, 0.5, 1].map(fmtPct)).toEqual(['0.0%', '0.04%', '1.8%', '50.0%', '100.0%']);
    expect([0, 0.000123456, 0.1417, 4.6149, 1234.5].map(fmtUsd)).toEqual(['$0.00', '$0.0001235', '$0.1417', '$4.61', '$1,234.50']);
    // A loss (a margin below zero) puts the sign first.
    expect([-0.3055, -1234.5, -0.03].map(fmtUsd)).toEqual(['-$0.3055', '-$1,234.50', '-$0.03']);
    expect([0.2, -0.08, 0, null].map(fmtSentiment)).toEqual(['+0.20', '-0.08', '0.00', '—']);
    // Stat tiles: exact while it fits, compact from ten million on.
    expect([9_999_999, 10_000_000, 150_265_512, 2_345_678_901, null].map(fmtCount)).toEqual(['9,999,999', '10.00M', '150.27M', '2.35B', '—']);
  });

  test('small and big figures keep what they say (review: dashboard)', () => {
    // Axis ticks of a count chart whose peak is 1 fall on quarters: 0.25 and 0.75 are not "0.3" and "0.8".
    expect([0, 0.25, 0.75, 0.025, 2.5, 950, 1234, 3.4e6].map(fmtCompact)).toEqual(['0', '0.25', '0.75', '0.025', '2.5', '950', '1.2k', '3.4M']);
    // Messages a minute: one a day is not 0.
    expect([0, 1 / 1440, 0.35, 2.74, 12.5, null].map(fmtRate)).toEqual(['0', '0.00069', '0.35', '2.7', '12.5', '—']);
    // A rule's current value in its own units: an error rate of 0.0714, a spend of $0.003.
    expect([0.0714286, 0.003, 649.5556, 3403.4, 0, -0.5, null].map(fmtSig)).toEqual(['0.07143', '0.003', '649.6', '3,403.4', '0', '-0.5', '—']);
    // A stat tile's USD: cents while they fit, whole dollars from $10,000, compact from ten million.
    expect([1.06, 0.1417, 9999.99, 1e6, 123_456_789, -25_000, null].map(fmtUsdTile)).toEqual(['$1.06', '$0.1417', '$9,999.99', '$1,000,000', '$123.46M', '-$25,000', '—']);
  });
});

describe('thresholds (seed 001; a bound takes the milder band)', () => {
  test('bands', () => {
    expect([1999, 2000, 5000, 5001].map((v) => levelOf(v, BANDS.avgResponseMs))).toEqual(['good', 'warn', 'warn', 'crit']);
    expect([2999, 3000, 8000, 8001].map((v) => levelOf(v, BANDS.p95ResponseMs))).toEqual(['good', 'warn', 'warn', 'crit']);
    expect([4999, 15000, 15001].map((v) => levelOf(v, BANDS.p99ResponseMs))).toEqual(['good', 'warn', 'crit']);
    expect([999, 1000, 3000, 3001].map((v) => levelOf(v, BANDS.ttftMs))).toEqual(['good', 'warn', 'warn', 'crit']);
    // The error rate follows the server's bot_status: unhealthy from 25 % on.
    expect([0.049, 0.05, 0.249, 0.25].map((v) => levelOf(v, BANDS.errorRate))).toEqual(['good', 'warn', 'warn', 'crit']);
    expect(levelOf(null, BANDS.avgResponseMs)).toBe('none');
  });
});

describe('series', () => {
  const xs = [0, H, 2 * H].map((h) => Date.parse('2026-12-03T00:00:00Z') + h);
  const b = (i: number) => rfc3339(xs[i]!);

  test('missing buckets: 0 for counts, a gap for averages', () => {
    const rows = [{ bucket: b(0), count: 3, avg: 10 }, { bucket: b(2), count: 1, avg: null }];
    expect(align(rows, xs, 'count', 0)).toEqual([3, 0, 1]);
    expect(align(rows, xs, 'avg', null)).toEqual([10, null, null]);
  });

  test('split by a dimension: busiest first, the tail summed as "other", events without it their own series', () => {
    const rows = [
      { bucket: b(0), model: 'a', n: 5 }, { bucket: b(1), model: 'a', n: 5 },
      { bucket: b(0), model: 'b', n: 3 }, { bucket: b(2), model: null, n: 4 },
      { bucket: b(1), model: 'c', n: 1 }, { bucket: b(2), model: 'd', n: 2 },
    ];
    const s = splitBy(rows, xs, 'model', 'n', 2, '(no model)');
    expect(s.map((x) => [x.label, x.values])).toEqual([
      ['a', [5, 5, 0]],
      ['(no model)', [0, 0, 4]],
      ['other (3)', [3, 1, 2]],
    ]);
  });
});

test('API base path from the page path (/, /analytics, a proxy prefix)', () => {
  expect(['/', '/analytics', '/analytics/', '/pulse/', '/pulse/analytics', '/pulse'].map(apiBasePath)).toEqual(
    ['/', '/', '/', '/pulse/', '/pulse/', '/pulse/'],
  );
});

describe('isolatedPoints', () => {
  test('marks values with gaps (or the ends) on both sides, which a line cannot show', () => {
    expect(isolatedPoints([null, null, 5, null, null])).toEqual([2]);
    expect(isolatedPoints([1, null, 2, 3, null, 0])).toEqual([0, 5]);
    expect(isolatedPoints([1, 2, 3])).toBeNull();
    expect(isolatedPoints([null, null])).toBeNull();
    expect(isolatedPoints([7])).toEqual([0]);
  });
});


describe('settings', () => {
  test("seed 001's localStorage refreshInterval: whole milliseconds from 1 s to 1 h, else ignored", () => {
    expect(['5000', ' 8000 ', '1000', '3600000'].map(userRefreshGapMs)).toEqual([5000, 8000, 1000, 3_600_000]);
    expect([null, '', '999', '3600001', '5s', '-5000', '5000.5', 'NaN'].map(userRefreshGapMs)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
