import { describe, expect, it } from 'vitest';
import { compileQuery } from '../compiler.js';
import type { QuerySpec } from '../types.js';
import { clickhouseDialect } from './clickhouse.js';
import { dialectFor } from './index.js';

/** Generated SQL only: there is no ClickHouse server on this machine yet. */
const range = { startMs: 1_700_000_000_000, endMs: 1_700_086_400_000 };
const compile = (over: Partial<QuerySpec>) =>
  compileQuery({ project: 'p1', measures: ['count'], dimensions: [], filters: [], range, ...over }, clickhouseDialect);

const WHERE =
  "WHERE project = {p0:String} AND ts >= toDateTime(intDiv({p1:Int64}, 1000), 'UTC') AND ts < toDateTime(intDiv({p2:Int64}, 1000), 'UTC')";

describe('clickhouse dialect', () => {
  it('is chosen for a clickhouse store', () => {
    expect(dialectFor('clickhouse')).toBe(clickhouseDialect);
    expect(() => dialectFor('postgres')).toThrow(/no query dialect/);
  });

  it('uses typed named placeholders and integer-division buckets', () => {
    const q = compile({ interval: 'hour', measures: ['count', 'unique_users'], filters: [{ field: 'model', values: ['a', 'b'] }] });
    expect(q.sql).toBe(
      'SELECT intDiv(toUInt32(ts), 3600) * 3600000 AS bucket, count(*) AS m0, uniqExact(user_id) AS m1 ' +
        `FROM events ${WHERE} AND model IN ({p3:String}, {p4:String}) GROUP BY bucket ORDER BY bucket ASC LIMIT {p5:Int64}`,
    );
    expect(q.params).toEqual(['p1', range.startMs, range.endMs, 'a', 'b', 1000]);
  });

  it('buckets weeks and months by day number, with no time-zone conversion', () => {
    expect(compile({ interval: 'week' }).sql).toContain('toUInt64(toUInt16(toMonday(ts))) * 86400000 AS bucket');
    expect(compile({ interval: 'month' }).sql).toContain('toUInt64(toUInt16(toStartOfMonth(ts))) * 86400000 AS bucket');
    expect(compile({ interval: 'minute' }).sql).toContain('intDiv(toUInt32(ts), 60) * 60000 AS bucket');
  });

  it('reads attributes from parallel arrays with the key bound', () => {
    const q = compile({ dimensions: ['attributes.channel'], filters: [{ field: 'attributes.tier', values: ['pro'] }] });
    expect(q.sql).toBe(
      'SELECT if(has(attr_keys, {p0:String}), attr_values[indexOf(attr_keys, {p0:String})], NULL) AS d0, count(*) AS m0 ' +
        "FROM events WHERE project = {p1:String} AND ts >= toDateTime(intDiv({p2:Int64}, 1000), 'UTC') " +
        "AND ts < toDateTime(intDiv({p3:Int64}, 1000), 'UTC') " +
        'AND if(has(attr_keys, {p4:String}), attr_values[indexOf(attr_keys, {p4:String})], NULL) IN ({p5:String}) ' +
        'GROUP BY d0 ORDER BY m0 DESC, d0 ASC LIMIT {p6:Int64}',
    );
    expect(q.params).toEqual(['channel', 'p1', range.startMs, range.endMs, 'tier', 'pro', 1000]);
  });

  it('computes percentiles in one quantilesExact and rates with countIf', () => {
    const q = compile({ measures: ['p50_duration_ms', 'p99_duration_ms', 'error_rate', 'tokens_per_second', 'last_seen'] });
    const agg = 'quantilesExact(0.5, 0.99)(duration_ms)';
    expect(q.sql).toBe(
      `SELECT ${agg}[1] AS m0, ${agg}[2] AS m1, toFloat64(countIf(status = 'error')) / nullIf(count(*), 0) AS m2, ` +
        'toFloat64(sumIf(output_tokens, duration_ms > 0 AND output_tokens IS NOT NULL) * 1000) / ' +
        'nullIf(sumIf(duration_ms, duration_ms > 0 AND output_tokens IS NOT NULL), 0) AS m3, ' +
        `toUInt64(max(ts)) * 1000 AS m4 FROM events ${WHERE} LIMIT {p3:Int64}`,
    );
  });

  it('unnests phases with ARRAY JOIN and derives the heatmap from ts', () => {
    expect(compile({ dimensions: ['phase'], measures: ['avg_phase_ms'] }).sql).toBe(
      'SELECT phase AS d0, avg(phase_ms) AS m0 FROM events ARRAY JOIN phase_names AS phase, phase_values AS phase_ms ' +
        `${WHERE} GROUP BY d0 ORDER BY m0 DESC, d0 ASC LIMIT {p3:Int64}`,
    );
    expect(compile({ dimensions: ['hour_of_day', 'weekday'] }).sql).toContain('toHour(ts) AS d0, toDayOfWeek(ts) AS d1');
  });
});
