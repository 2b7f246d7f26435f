import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import type { Filter, TimeRange } from '../../query/types.js';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { syntheticEvents } from '../../synthetic/index.js';
import { banterAnalytics } from '../banter.js';
import type { RolledInput } from '../common.js';
import { conversationAnalytics } from '../conversations.js';
import { marginAnalytics } from '../margin.js';
import { personaAnalytics } from '../personas.js';
import { userPersonaAnalytics } from '../preferences.js';
import { personaRelationships } from '../relationships.js';
import { userDetail } from '../user-detail.js';
import { userAnalytics } from '../users.js';
import { storedEvents } from '../../test-support/stored-events.js';

/**
 * The endpoints' own DuckDB statements (this folder) answer as their query-layer reads do: each endpoint on the demo
 * world with `userRollups` (the statements) against the same endpoint without (the reads, as on ClickHouse), over
 * ranges that start and end mid-day, with events past the user rollups' watermark, unfiltered and with filters the
 * statements take (persona, type, user_id) — including banter and relationships, and users and margin with a user_id
 * filter, which user-rollups.test.ts does not compare.
 */
const DAY = 86_400_000;
const END = Date.parse('2026-05-20T09:41:00Z');
const P = 'p1';
let stores: EmbeddedStores;

const stored = (raw: unknown[]): StoredEvent[] => storedEvents(raw, END, P);

beforeAll(async () => {
  stores = await openEmbeddedStores({ dataDir: ':memory:', userRollups: { sliceEvents: 6_000 } });
  const world = stored([...syntheticEvents({ seed: 23, startMs: END - 20 * DAY, endMs: END, count: 30_000 })]);
  const cut = Math.floor(world.length * 0.8);
  for (let i = 0; i < cut; i += 5_000) await stores.store.append({ events: world.slice(i, Math.min(cut, i + 5_000)) });
  await stores.userRollups!.catchUp();
  // The rest stays past the watermark: read raw by both.
  await stores.store.append({ events: world.slice(cut) });
}, 120_000);
afterAll(async () => {
  await stores?.close();
});

const strip = (answer: unknown): unknown => JSON.parse(JSON.stringify(answer, (k, v) => (k === 'elapsed_ms' ? undefined : v)));

/** Equal, key order included; non-integers to 1e-6 (sums of doubles added in another order). */
function expectSame(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number' && !(Number.isInteger(a) && Number.isInteger(b))) {
    expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1.000001e-6 + 1e-12 * Math.abs(a));
    return;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    expect(a, path).toEqual(b);
    return;
  }
  expect(Object.keys(a as object), path).toEqual(Object.keys(b as object));
  for (const k of Object.keys(a as object)) expectSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
}

const RANGES: Array<[string, TimeRange]> = [
  ['24h', { startMs: END - DAY, endMs: END }],
  ['7d', { startMs: END - 7 * DAY, endMs: END }],
  ['mid-history', { startMs: END - 12 * DAY - 5 * 3_600_000, endMs: END - 2 * DAY + 3_600_000 }],
];

async function compare(filters: Filter[], ranges = RANGES): Promise<number> {
  let compared = 0;
  for (const [name, range] of ranges) {
    const input = (statements: boolean): RolledInput => ({ store: stores.store, project: P, range, filters, userRollups: statements });
    const top = (await userAnalytics(input(false), { limit: 2, weeks: 1 })).users.top_users.map((u) => u.user_id);
    const cases: Array<[string, (i: RolledInput) => Promise<unknown>]> = [
      ['banter', banterAnalytics], ['relationships', personaRelationships], ['personas', personaAnalytics], ['conversations', conversationAnalytics],
      ['preferences', (i) => userPersonaAnalytics(i, 5)], ['users', (i) => userAnalytics(i, { limit: 7, weeks: 3 })], ['margin', (i) => marginAnalytics(i, 9)],
      ...top.map((id): [string, (i: RolledInput) => Promise<unknown>] => [`user ${id}`, (i) => userDetail(i, id)]),
    ];
    for (const [what, run] of cases) {
      expectSame(strip(await run(input(true))), strip(await run(input(false))), `${what} ${name} ${JSON.stringify(filters)}`);
      compared++;
    }
  }
  return compared;
}

describe('the endpoints’ own statements', () => {
  it('answer as the query-layer reads do, unfiltered', async () => {
    // The banter and pair statements see the world's banter.
    const banter = await banterAnalytics({ store: stores.store, project: P, range: RANGES[1]![1], filters: [], userRollups: true });
    expect(banter.meta.exchanges).toBeGreaterThan(50);
    expect(await compare([])).toBeGreaterThanOrEqual(RANGES.length * 7);
  }, 120_000);

  it('answer as the query-layer reads do with filters on the rollups’ keys', async () => {
    const personas = Object.keys((await personaAnalytics({ store: stores.store, project: P, range: RANGES[1]![1], filters: [] })).persona_analytics);
    await compare([{ field: 'persona', values: [personas[0]!, personas[1]!] }], RANGES.slice(1, 2));
    await compare([{ field: 'type', values: ['message', 'llm', 'interaction', 'payment'] }], RANGES.slice(1, 2));
    const users = (await userAnalytics({ store: stores.store, project: P, range: RANGES[1]![1], filters: [] }, { limit: 3, weeks: 1 })).users.top_users;
    await compare([{ field: 'user_id', values: users.map((u) => u.user_id) }], RANGES.slice(0, 2));
  }, 120_000);
});
