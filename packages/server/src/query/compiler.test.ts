import { describe, expect, it } from 'vitest';
import { compileQuery } from './compiler.js';
import { duckdbDialect } from './dialects/duckdb.js';
import { InvalidQueryError, type QuerySpec } from './types.js';

const range = { startMs: 1_700_000_000_000, endMs: 1_700_086_400_000 };
const spec = (over: Partial<QuerySpec> = {}): QuerySpec => ({
  project: 'p1', measures: ['count'], dimensions: [], filters: [], range, ...over,
});
const compile = (over: Partial<QuerySpec> = {}) => compileQuery(spec(over), duckdbDialect);

/** The WHERE clause's first three predicates with the project at placeholder `$n`. */
const where = (n = 1) =>
  `WHERE project = $${n} AND ts >= epoch_ms(CAST($${n + 1} AS BIGINT)) AND ts < epoch_ms(CAST($${n + 2} AS BIGINT))`;
const WHERE = where();

describe('compileQuery (duckdb)', () => {
  it('compiles an ungrouped count with the project and time range first, all bound', () => {
    const q = compile();
    expect(q.sql).toBe(`SELECT count(*) AS m0 FROM events ${WHERE} LIMIT $4`);
    expect(q.params).toEqual(['p1', range.startMs, range.endMs, 1000]);
    expect(q.columns).toEqual([{ alias: 'm0', name: 'count', role: 'measure', type: 'int' }]);
  });

  it('groups by bucket and dimensions, filters with IN, orders by bucket then dimensions', () => {
    const q = compile({
      measures: ['count', 'cost_usd'],
      dimensions: ['model'],
      interval: 'hour',
      filters: [{ field: 'model', values: ['gpt-4o', 'gpt-4o-mini'] }, { field: 'status', values: ['ok'] }],
      limit: 50,
    });
    expect(q.sql).toBe(
      `SELECT epoch_ms(date_trunc('hour', ts)) AS bucket, model AS d0, count(*) AS m0, coalesce(sum(cost_usd), 0) AS m1 ` +
        `FROM events ${WHERE} AND model IN ($4, $5) AND status IN ($6) GROUP BY bucket, d0 ORDER BY bucket ASC, d0 ASC LIMIT $7`,
    );
    expect(q.params).toEqual(['p1', range.startMs, range.endMs, 'gpt-4o', 'gpt-4o-mini', 'ok', 50]);
    expect(q.columns.map((c) => c.name)).toEqual(['bucket', 'model', 'count', 'cost_usd']);
  });

  it('binds attribute keys as numbered parameters', () => {
    const q = compile({
      dimensions: ['attributes.channel'],
      filters: [{ field: 'attributes.tier', values: ['pro'] }],
    });
    expect(q.sql).toBe(
      `SELECT attributes[$1] AS d0, count(*) AS m0 FROM events ${where(2)} AND attributes[$5] IN ($6) ` +
        'GROUP BY d0 ORDER BY m0 DESC, d0 ASC LIMIT $7',
    );
    expect(q.params).toEqual(['channel', 'p1', range.startMs, range.endMs, 'tier', 'pro', 1000]);
    expect(q.columns[0]).toEqual({ alias: 'd0', name: 'attributes.channel', role: 'dimension', type: 'string' });
  });

  it('computes the percentiles of one column in one aggregate', () => {
    const q = compile({ measures: ['p50_duration_ms', 'avg_duration_ms', 'p99_duration_ms', 'p95_ttft_ms'] });
    const agg = 'quantile_cont(duration_ms, [0.5, 0.99])';
    expect(q.sql).toContain(`${agg}[1] AS m0, avg(duration_ms) AS m1, ${agg}[2] AS m2, quantile_cont(ttft_ms, 0.95) AS m3`);
  });

  it('derives rates with safe division and heatmap dimensions from ts', () => {
    const q = compile({ measures: ['error_rate'], dimensions: ['weekday', 'hour_of_day'] });
    expect(q.sql).toBe(
      `SELECT CAST(isodow(ts) AS INTEGER) AS d0, CAST(hour(ts) AS INTEGER) AS d1, ` +
        `CAST(count(*) FILTER (WHERE status = 'error') AS DOUBLE) / NULLIF(count(*), 0) AS m0 ` +
        `FROM events ${WHERE} GROUP BY d0, d1 ORDER BY m0 DESC, d0 ASC, d1 ASC LIMIT $4`,
    );
  });

  it('unnests phases inside the time-filtered scan for the phase dimension', () => {
    const q = compile({ measures: ['avg_phase_ms'], dimensions: ['phase'], order: [{ name: 'phase', direction: 'asc' }] });
    expect(q.sql).toBe(
      'SELECT phase AS d0, avg(phase_ms) AS m0 FROM (SELECT *, unnest(map_keys(phases)) AS phase, ' +
        `unnest(map_values(phases)) AS phase_ms FROM events ${WHERE}) AS e GROUP BY d0 ORDER BY d0 ASC LIMIT $4`,
    );
  });

  it('applies the requested order, then the remaining group keys', () => {
    const q = compile({
      measures: ['count', 'cost_usd'], dimensions: ['model', 'persona'], interval: 'day',
      order: [{ name: 'cost_usd', direction: 'desc' }, { name: 'persona', direction: 'asc' }],
    });
    expect(q.sql).toContain('ORDER BY m1 DESC, d1 ASC, bucket ASC, d0 ASC LIMIT $4');
  });

  it('deduplicates repeated measures and dimensions', () => {
    const q = compile({ measures: ['count', 'count'], dimensions: ['model', 'model'] });
    expect(q.columns.map((c) => c.alias)).toEqual(['d0', 'm0']);
  });

  it('asks for one extra row when probing truncation', () => {
    expect(compileQuery(spec({ limit: 10 }), duckdbDialect, { extraRow: true }).params.at(-1)).toBe(11);
  });

  const rejects: Array<[string, Partial<QuerySpec>, string]> = [
    ['no measures', { measures: [] }, 'measures'],
    ['unknown measure', { measures: ['count; DROP' as never] }, 'measures'],
    ['phase measure without phase', { measures: ['avg_phase_ms'] }, 'measures'],
    ['unknown dimension', { dimensions: ['model) OR 1=1 --' as never] }, 'dimensions'],
    ['bad attribute key', { dimensions: ["attributes.a'b" as never] }, 'dimensions'],
    ['too many dimensions', { dimensions: ['type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel', 'guild'] }, 'dimensions'],
    ['bad filter field', { filters: [{ field: 'text' as never, values: ['x'] }] }, 'text'],
    ['empty filter', { filters: [{ field: 'model', values: [] }] }, 'model'],
    ['bad interval', { interval: 'fortnight' as never }, 'interval'],
    ['limit too large', { limit: 10_001 }, 'limit'],
    ['limit zero', { limit: 0 }, 'limit'],
    ['order by unselected', { order: [{ name: 'cost_usd', direction: 'desc' }], dimensions: ['model'] }, 'order'],
    ['order by unselected, ungrouped', { order: [{ name: 'nope', direction: 'desc' }] }, 'order'],
    ['end before start', { range: { startMs: 10, endMs: 5 } }, 'end_date'],
    ['empty project', { project: '' }, 'project'],
  ];
  it.each(rejects)('rejects %s naming the parameter', (_, over, param) => {
    let caught: unknown;
    try {
      compile(over);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidQueryError);
    expect((caught as InvalidQueryError).param).toBe(param);
  });
});

describe('compileQuery per=session', () => {
  it('groups events per session (and event-level dimension) inside, aggregates sessions outside, all bound', () => {
    const q = compile({ per: 'session', measures: ['sessions', 'avg_session_ms'], dimensions: ['persona', 'session_length'], filters: [{ field: 'type', values: ['message'] }] });
    expect(q.sql).toBe(
      'SELECT d0, CASE WHEN s_span < 60000 THEN \'<1m\' WHEN s_span < 300000 THEN \'1-5m\' WHEN s_span < 900000 THEN \'5-15m\' ' +
        'WHEN s_span < 1800000 THEN \'15-30m\' WHEN s_span < 3600000 THEN \'30-60m\' ELSE \'60m+\' END AS d1, count(*) AS m0, avg(s_span) AS m1 ' +
        'FROM (SELECT session_id, persona AS d0, count(*) AS s_events, epoch_ms(max(ts)) - epoch_ms(min(ts)) AS s_span ' +
        `FROM events ${WHERE} AND type IN ($4) AND session_id IS NOT NULL GROUP BY session_id, d0) AS s ` +
        'GROUP BY d0, d1 ORDER BY m0 DESC, d0 ASC, d1 ASC LIMIT $5',
    );
    expect(q.params).toEqual(['p1', range.startMs, range.endMs, 'message', 1000]);
  });

  it('refuses to mix event and session measures, session dimensions without per, and intervals', () => {
    const bad = (over: Partial<QuerySpec>): string => {
      try {
        compile(over);
      } catch (e) {
        return (e as InvalidQueryError).param;
      }
      return 'compiled';
    };
    expect(bad({ per: 'session', measures: ['count'] })).toBe('measures');
    expect(bad({ measures: ['sessions'] })).toBe('measures');
    expect(bad({ dimensions: ['session_length'] })).toBe('dimensions');
    expect(bad({ per: 'session', measures: ['sessions'], interval: 'hour' })).toBe('interval');
    expect(bad({ per: 'session', measures: ['sessions'], dimensions: ['phase'] })).toBe('dimensions');
    expect(bad({ per: 'x' as 'session', measures: ['sessions'] })).toBe('per');
  });
});

describe('compileQuery per=cohort', () => {
  it('buckets each user\'s activity, takes the first bucket as the cohort by a window, counts users', () => {
    const q = compile({ per: 'cohort', measures: ['cohort_users'], dimensions: ['cohort'], interval: 'week', filters: [{ field: 'type', values: ['message'] }] });
    expect(q.sql).toBe(
      "SELECT bucket, cohort AS d0, count(*) AS m0 FROM (SELECT bucket, min(bucket) OVER (PARTITION BY user_id) AS cohort FROM (" +
        "SELECT user_id, epoch_ms(date_trunc('week', ts)) AS bucket " +
        `FROM events ${WHERE} AND type IN ($4) AND user_id IS NOT NULL GROUP BY user_id, bucket) AS ub) AS c ` +
        'GROUP BY bucket, d0 ORDER BY bucket ASC, d0 ASC LIMIT $5',
    );
    expect(q.columns.find((c) => c.name === 'cohort')?.type).toBe('timestamp');
  });

  it('needs an interval and takes only cohort measures and dimensions', () => {
    const param = (over: Partial<QuerySpec>): string => {
      try {
        compile(over);
      } catch (e) {
        return (e as InvalidQueryError).param;
      }
      return 'compiled';
    };
    expect(param({ per: 'cohort', measures: ['cohort_users'] })).toBe('interval');
    expect(param({ per: 'cohort', measures: ['count'], interval: 'week' })).toBe('measures');
    expect(param({ per: 'cohort', measures: ['cohort_users'], dimensions: ['model'], interval: 'week' })).toBe('dimensions');
    expect(param({ measures: ['cohort_users'], interval: 'week' })).toBe('measures');
    expect(param({ measures: ['count'], dimensions: ['cohort'] })).toBe('dimensions');
  });
});
