import { describe, expect, it } from 'vitest';
import { compileQuery } from '../compiler.js';
import type { QuerySpec } from '../types.js';
import { clickhouseDialect } from './clickhouse.js';
import { dialectFor } from './index.js';

/**
 * The SQL text the dialect writes. What it answers on a real ClickHouse is tested by query/run.test.ts (the fixture's
 * hand-derived answers) and store/clickhouse/clickhouse-store.test.ts.
 */
const range = { startMs: 1_700_000_000_000, endMs: 1_700_086_400_000 };
const compile = (over: Partial<QuerySpec>) =>
  compileQuery({ project: 'p1', measures: ['count'], dimensions: [], filters: [], range, ...over }, clickhouseDialect);

const WHERE = 'WHERE project = {p0:String} AND ts >= {p1:Int64} AND ts < {p2:Int64}';
const DATE_TIME = "toDateTime(intDiv(ts, 1000), 'UTC')";

describe('clickhouse dialect', () => {
  it('is chosen for a clickhouse store', () => {
    expect(dialectFor('clickhouse')).toBe(clickhouseDialect);
    expect(() => dialectFor('postgres')).toThrow(/no query dialect/);
  });

  it('uses typed named placeholders, compares epoch-ms ts directly and buckets by integer division', () => {
    const q = compile({ interval: 'hour', measures: ['count', 'unique_users'], filters: [{ field: 'model', values: ['a', 'b'] }] });
    expect(q.sql).toBe(
      'SELECT intDiv(ts, 3600000) * 3600000 AS bucket, count(*) AS m0, ifNull(uniqExact(user_id), 0) AS m1 ' +
        `FROM events ${WHERE} AND model IN ({p3:String}, {p4:String}) GROUP BY bucket ORDER BY bucket ASC LIMIT {p5:Int64}`,
    );
    expect(q.params).toEqual(['p1', range.startMs, range.endMs, 'a', 'b', 1000]);
  });

  it('buckets weeks and months by day number of the UTC date', () => {
    expect(compile({ interval: 'week' }).sql).toContain(`toInt64(toUInt16(toMonday(${DATE_TIME}))) * 86400000 AS bucket`);
    expect(compile({ interval: 'month' }).sql).toContain(`toInt64(toUInt16(toStartOfMonth(${DATE_TIME}))) * 86400000 AS bucket`);
    expect(compile({ interval: 'minute' }).sql).toContain('intDiv(ts, 60000) * 60000 AS bucket');
  });

  it('reads attributes from parallel arrays with the key bound', () => {
    const q = compile({ dimensions: ['attributes.channel'], filters: [{ field: 'attributes.tier', values: ['pro'] }] });
    expect(q.sql).toBe(
      'SELECT if(has(attr_keys, {p0:String}), attr_values[indexOf(attr_keys, {p0:String})], NULL) AS d0, count(*) AS m0 ' +
        'FROM events WHERE project = {p1:String} AND ts >= {p2:Int64} AND ts < {p3:Int64} ' +
        'AND if(has(attr_keys, {p4:String}), attr_values[indexOf(attr_keys, {p4:String})], NULL) IN ({p5:String}) ' +
        'GROUP BY d0 ORDER BY m0 DESC, d0 ASC LIMIT {p6:Int64}',
    );
    expect(q.params).toEqual(['channel', 'p1', range.startMs, range.endMs, 'tier', 'pro', 1000]);
  });

  it('interpolates percentiles from one sorted array per column, and rates with countIf', () => {
    const q = compile({ measures: ['p50_duration_ms', 'p99_duration_ms', 'error_rate', 'last_seen'] });
    const sorted = 'arraySort(groupArray(duration_ms))';
    expect(q.sql.split(sorted).length - 1).toBeGreaterThan(2);
    expect(q.sql).toContain(`(length(${sorted}) - 1) * 0.5`);
    expect(q.sql).toContain(`(length(${sorted}) - 1) * 0.99`);
    expect(q.sql).toContain("toFloat64(countIf(ifNull(status = 'error', 0))) / nullIf(count(*), 0) AS m2, if(count() = 0, NULL, max(ts)) AS m3 FROM events");
  });

  it('unnests phases with ARRAY JOIN, derives the heatmap from the UTC time, and has no window functions', () => {
    expect(compile({ dimensions: ['phase'], measures: ['avg_phase_ms'] }).sql).toBe(
      'SELECT phase AS d0, avg(phase_ms) AS m0 FROM events ARRAY JOIN phase_names AS phase, phase_values AS phase_ms ' +
        `${WHERE} GROUP BY d0 ORDER BY m0 DESC, d0 ASC LIMIT {p3:Int64}`,
    );
    expect(compile({ dimensions: ['hour_of_day', 'weekday'] }).sql).toContain(`toHour(${DATE_TIME}) AS d0, toDayOfWeek(${DATE_TIME}) AS d1`);
    const cohort = compile({ per: 'cohort', interval: 'week', dimensions: ['cohort'], measures: ['cohort_users'] }).sql;
    expect(cohort).toContain('ARRAY JOIN buckets AS bucket');
    expect(cohort).not.toContain(' OVER ');
  });
});
