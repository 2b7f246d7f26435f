import { describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.js';
import { parseEnumControl, parseQuerySpec, parseReadParams } from './params.js';

const NOW = Date.parse('2025-12-12T10:00:00Z');
const parse = (query: Record<string, string | string[]>) => parseQuerySpec(query, 'p1', NOW);

function badParam(fn: () => unknown): { param: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError);
    const err = e as HttpError;
    expect(err.statusCode).toBe(400);
    return { param: err.message.split(':')[0]!, message: err.message };
  }
  throw new Error('expected a 400');
}

describe('parseQuerySpec', () => {
  it('defaults to count over the last 24 hours of the injected clock', () => {
    expect(parse({})).toEqual({
      project: 'p1', measures: ['count'], dimensions: [], filters: [],
      range: { startMs: NOW - 86_400_000, endMs: NOW },
    });
  });

  it('parses lists, interval, order, limit and filters', () => {
    const spec = parse({
      measures: 'count, cost_usd', dimensions: 'model,attributes.channel', interval: 'hour',
      order: '-cost_usd,model', limit: '25', model: ['gpt-4o', 'gpt-4o-mini'], 'attributes.tier': 'pro',
      project: 'ignored', api_key: 'ignored',
    });
    expect(spec).toEqual({
      project: 'p1',
      measures: ['count', 'cost_usd'],
      dimensions: ['model', 'attributes.channel'],
      filters: [{ field: 'model', values: ['gpt-4o', 'gpt-4o-mini'] }, { field: 'attributes.tier', values: ['pro'] }],
      interval: 'hour',
      order: [{ name: 'cost_usd', direction: 'desc' }, { name: 'model', direction: 'asc' }],
      limit: 25,
      range: { startMs: NOW - 86_400_000, endMs: NOW },
    });
  });

  it('joins repeated list parameters', () => {
    expect(parse({ measures: ['count', 'errors'] }).measures).toEqual(['count', 'errors']);
  });

  it('reads a date end_date as the whole day and RFC 3339 times exactly', () => {
    expect(parse({ start_date: '2024-01-01', end_date: '2024-01-31' }).range).toEqual({
      startMs: Date.parse('2024-01-01T00:00:00Z'), endMs: Date.parse('2024-02-01T00:00:00Z'),
    });
    expect(parse({ start_date: '2024-01-01T12:00:00+02:00', end_date: '2024-01-01T12:30:00.5Z' }).range).toEqual({
      startMs: Date.parse('2024-01-01T10:00:00Z'), endMs: Date.parse('2024-01-01T12:30:00.500Z'),
    });
  });

  it('ends a range by the end of year 9999 at the latest, so answers can write it in RFC 3339', () => {
    const { range } = parse({ start_date: '0000-01-01', end_date: '9999-12-31' });
    expect(new Date(range.startMs).toISOString()).toBe('0000-01-01T00:00:00.000Z');
    expect(new Date(range.endMs).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it('defaults a missing bound relative to the other', () => {
    expect(parse({ end_date: '2024-01-02T00:00:00Z' }).range.startMs).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(parse({ start_date: '2025-12-01' }).range.endMs).toBe(NOW);
  });

  const bad: Array<[Record<string, string | string[]>, string, RegExp]> = [
    [{ measures: 'count,nope' }, 'measures', /unknown measure "nope"/],
    [{ measures: ',' }, 'measures', /at least one/],
    [{ dimensions: 'text' }, 'dimensions', /unknown dimension "text"/],
    [{ dimensions: 'attributes.a b' }, 'dimensions', /attribute key must match/],
    [{ interval: 'year' }, 'interval', /one of minute, hour, day, week, month/],
    [{ interval: ['hour', 'day'] }, 'interval', /only once/],
    [{ limit: '0' }, 'limit', /1 to 10000/],
    [{ limit: '10001' }, 'limit', /at most 10000/],
    [{ limit: '1e3' }, 'limit', /integer/],
    [{ limit: '-5' }, 'limit', /integer/],
    [{ order: 'cost_usd' }, 'order', /not a measure, dimension or bucket/],
    [{ order: 'bucket' }, 'order', /not a measure/],
    [{ start_date: '2024-02-30' }, 'start_date', /RFC 3339/],
    [{ end_date: '2024-01-01T00:00:00' }, 'end_date', /RFC 3339/],
    [{ start_date: '2024-01-02', end_date: '2024-01-01' }, 'end_date', /after start_date/],
    [{ start_date: '2024-01-01T00:00:00Z', end_date: '2024-01-01T00:00:00Z' }, 'end_date', /after start_date/],
    // Only start_date given, after now (the default end): the parameter the caller sent is the one to blame.
    [{ start_date: '2025-12-13' }, 'start_date', /before end_date, which defaults to now/],
    [{ colour: 'red' }, 'colour', /unknown parameter/],
    [{ text: 'hello' }, 'text', /unknown parameter/],
    [{ 'attributes.a/b': 'x' }, 'attributes.a/b', /attribute key must match/],
    [{ model: '' }, 'model', /must not be empty/],
    [{ model: 'x'.repeat(1025) }, 'model', /longer than 1024/],
    [{ model: Array.from({ length: 101 }, (_, i) => `m${i}`) }, 'model', /at most 100/],
  ];
  it.each(bad)('rejects %j with a 400 naming %s', (query, param, message) => {
    const err = badParam(() => parse(query));
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });

  it('rejects a parameter without a name', () => {
    expect(badParam(() => parse({ '': 'x' })).message).toBe('query: a parameter has no name');
  });

  it('rejects a non-string query value', () => {
    expect(badParam(() => parseQuerySpec({ model: 5 }, 'p1', NOW)).param).toBe('query');
  });
});

describe('preset parameters', () => {
  it('accepts the preset control and rejects the /v1/query ones', () => {
    const p = parseReadParams({ group_by: 'week', model: 'm' }, NOW, { group_by: 'single' });
    expect(p.controls.group_by).toBe('week');
    expect(p.filters).toEqual([{ field: 'model', values: ['m'] }]);
    expect(badParam(() => parseReadParams({ measures: 'count' }, NOW, {})).param).toBe('measures');
  });

  it('validates an enum control', () => {
    expect(parseEnumControl('group_by', 'day', ['hour', 'day'])).toBe('day');
    expect(parseEnumControl('group_by', undefined, ['hour', 'day'])).toBeUndefined();
    expect(badParam(() => parseEnumControl('group_by', 'minute', ['hour', 'day'])).message).toBe(
      'group_by: must be one of hour, day',
    );
  });
});
