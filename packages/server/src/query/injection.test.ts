import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.js';
import type { EventStore } from '../store/types.js';
import { compileQuery } from './compiler.js';
import { clickhouseDialect } from './dialects/clickhouse.js';
import { duckdbDialect } from './dialects/duckdb.js';
import { parseQuerySpec } from './params.js';
import { executeQuery } from './run.js';
import { queryBackends } from './test-support/backends.js';
import { event, PROJECT } from './test-support/fixture.js';
import { CONTROLS, parseIntControl, parseUserId } from '../analytics/params.js';

/**
 * SQL-looking strings in every parameter position of `GET /v1/query`: each comes back as a 400, or is
 * carried as a bound value — and never appears in the SQL text.
 */
const NASTY = [
  "'; DROP TABLE events; --",
  'model) OR 1=1 --',
  "x' OR '1'='1",
  '"quoted" identifier',
  'back\\slash\\',
  'ünïcødé — 日本語 🎉',
  '$1 ? {p0:String}',
  '*/ SELECT 1 /*',
  'count; DELETE FROM api_keys',
];
const NOW = Date.parse('2025-12-12T10:00:00Z');

type Outcome = { kind: 'rejected'; message: string } | { kind: 'bound'; sql: string[]; params: unknown[] };

function attempt(query: Record<string, string | string[]>): Outcome {
  let spec;
  try {
    spec = parseQuerySpec(query, 'p1', NOW);
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError);
    expect((e as HttpError).statusCode).toBe(400);
    return { kind: 'rejected', message: (e as HttpError).message };
  }
  const duck = compileQuery(spec, duckdbDialect);
  const ch = compileQuery(spec, clickhouseDialect);
  return { kind: 'bound', sql: [duck.sql, ch.sql], params: duck.params };
}

const rejectedPositions: Array<[string, (s: string) => Record<string, string>, string | null]> = [
  ['measures', (s) => ({ measures: s }), 'measures'],
  ['measures after a valid one', (s) => ({ measures: `count,${s}` }), 'measures'],
  ['dimensions', (s) => ({ dimensions: s }), 'dimensions'],
  ['attribute dimension key', (s) => ({ dimensions: `attributes.${s}` }), 'dimensions'],
  ['filter name', (s) => ({ [s]: 'x' }), null],
  ['attribute filter key', (s) => ({ [`attributes.${s}`]: 'x' }), null],
  ['order', (s) => ({ order: s }), 'order'],
  ['descending order', (s) => ({ order: `-${s}` }), 'order'],
  ['limit', (s) => ({ limit: s }), 'limit'],
  ['interval', (s) => ({ interval: s }), 'interval'],
  ['per', (s) => ({ per: s, measures: 'sessions' }), 'per'],
  ['start_date', (s) => ({ start_date: s }), 'start_date'],
  ['end_date', (s) => ({ end_date: s }), 'end_date'],
];

describe('SQL-looking input', () => {
  describe.each(rejectedPositions)('in %s', (_, build, param) => {
    it.each(NASTY)('%j is a 400 naming the parameter', (nasty) => {
      const outcome = attempt(build(nasty));
      expect(outcome.kind).toBe('rejected');
      const name = param ?? Object.keys(build(nasty))[0]!;
      if (outcome.kind === 'rejected') expect(outcome.message.startsWith(`${name}: `)).toBe(true);
    });
  });

  const boundPositions: Array<[string, (s: string) => Record<string, string | string[]>]> = [
    ['a filter value', (s) => ({ model: s })],
    ['one of several filter values', (s) => ({ model: ['gpt-4o', s] })],
    ['an attribute filter value', (s) => ({ 'attributes.channel': s })],
  ];
  describe.each(boundPositions)('as %s', (_, build) => {
    it.each(NASTY)('%j is bound, never in the SQL', (nasty) => {
      const outcome = attempt({ dimensions: 'model', ...build(nasty) });
      expect(outcome.kind).toBe('bound');
      if (outcome.kind !== 'bound') return;
      for (const sql of outcome.sql) expect(sql).not.toContain(nasty);
      expect(outcome.params).toContain(nasty);
    });
  });

  it('binds valid attribute keys instead of splicing them', () => {
    const outcome = attempt({ dimensions: 'attributes.drop_table', 'attributes.or-1.eq-1': 'v' });
    expect(outcome.kind).toBe('bound');
    if (outcome.kind !== 'bound') return;
    for (const sql of outcome.sql) {
      expect(sql).not.toContain('drop_table');
      expect(sql).not.toContain('or-1.eq-1');
    }
    expect(outcome.params).toEqual(expect.arrayContaining(['drop_table', 'or-1.eq-1', 'v']));
  });

  it('keeps the SQL text independent of every bound value', () => {
    const a = attempt({ model: "'; DROP TABLE events; --", 'attributes.k': 'x', limit: '7', start_date: '2024-01-01' });
    const b = attempt({ model: 'gpt-4o', 'attributes.k': 'y', limit: '9', start_date: '2023-05-05' });
    expect(a.kind === 'bound' && b.kind === 'bound' && a.sql[0] === b.sql[0]).toBe(true);
  });
});

/**
 * The analytics endpoints' own parameters (analytics/params.ts): bounded integers are a 400 naming
 * them; the drill-down's user id only ever reaches SQL as a bound user_id filter value.
 */
describe('SQL-looking input to the analytics parameters', () => {
  it.each(NASTY)('%j as limit or weeks is a 400 naming it', (nasty) => {
    for (const [name, control] of [['limit', CONTROLS.limit], ['limit', CONTROLS.preferencesLimit], ['weeks', CONTROLS.weeks]] as const) {
      let error: unknown;
      try {
        parseIntControl(name, nasty, control);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).statusCode).toBe(400);
      expect((error as HttpError).message.startsWith(`${name}: `)).toBe(true);
    }
  });

  it.each(NASTY)('%j as a user id is bound, never in the SQL', (nasty) => {
    const id = parseUserId(nasty);
    const spec = parseQuerySpec({ measures: 'count,first_seen,last_value,positive_count,avg_text_length', dimensions: 'topic,persona' }, 'p1', NOW);
    for (const dialect of [duckdbDialect, clickhouseDialect]) {
      const compiled = compileQuery({ ...spec, filters: [{ field: 'user_id', values: [id] }] }, dialect);
      expect(compiled.sql).not.toContain(nasty);
      expect(compiled.params).toContain(nasty);
    }
  });
});

/**
 * The same matrix executed on the real engines: an event per nasty string (as its model, user id and attribute value),
 * then every bound position queried through `executeQuery`. Each filter must match exactly its own event — the value
 * reached the engine byte for byte, as data — and the tables must still hold everything afterwards. ClickHouse 18.16
 * binds through the literal encoder (store/clickhouse/bind.ts), so this is its injection test.
 */
const backends = queryBackends();
describe.each(backends)('SQL-looking values executed on $name', ({ open }) => {
  const events = NASTY.map((nasty, i) =>
    event({ ts: NOW - 3_600_000 + i, model: nasty, user_id: nasty, attributes: { channel: nasty, [`k${i}`]: 'v' } }),
  );
  let store: EventStore;
  beforeAll(async () => {
    store = await open([...events, event({ ts: NOW - 1000, model: 'gpt-4o', user_id: 'u1' })]);
  });
  afterAll(async () => {
    await store?.close();
  });

  const positions: Array<[string, (s: string) => Record<string, string | string[]>]> = [
    ['a filter value', (s) => ({ model: s })],
    ['one of several filter values', (s) => ({ model: ['no-such-model', s] })],
    ['an attribute filter value', (s) => ({ 'attributes.channel': s })],
    ['a user id filter', (s) => ({ user_id: s })],
  ];
  describe.each(positions)('as %s', (_, build) => {
    it.each(NASTY)('%j matches exactly its own event', async (nasty) => {
      const spec = parseQuerySpec({ measures: 'count', dimensions: 'model', ...build(nasty) }, PROJECT, NOW);
      const { rows } = await executeQuery(store, spec);
      expect(rows).toEqual([{ model: nasty, count: 1 }]);
    });
  });

  it('still holds every event and answers a group by the nasty values', async () => {
    const spec = parseQuerySpec({ measures: 'count', dimensions: 'attributes.channel', limit: '100' }, PROJECT, NOW);
    const { rows } = await executeQuery(store, spec);
    expect(rows.map((r) => r['attributes.channel']).sort()).toEqual([...NASTY, null].sort());
    expect(rows.every((r) => r.count === 1)).toBe(true);
  });
});
