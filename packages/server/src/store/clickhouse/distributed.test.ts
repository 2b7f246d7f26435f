import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeQuery } from '../../query/run.js';
import { EVENTS, NOW, PROJECT } from '../../query/test-support/fixture.js';
import { openTestStore } from '../../query/test-support/open-store.js';
import type { QuerySpec } from '../../query/types.js';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { series } from '../contract/fixtures.js';
import { loadConfig } from '../../config/load.js';
import type { MeasureName } from '../../query/measures.js';
import { ROLLUP_MEASURES } from '../../rollups/measures.js';
import { compareWithRaw } from '../../rollups/test-support/same-answers.js';
import { syntheticEvents } from '../../synthetic/index.js';
import { storedEvents } from '../../test-support/stored-events.js';
import { openClickHouseEventStore, type ClickHouseEventStore } from './index.js';
import { openClickHouseEvents } from './open.js';
import { CLICKHOUSE_MIGRATIONS } from './schema.js';
import { clickhouseMissing, startClickHouse, type RunningClickHouse } from './test-support/server.js';
import { llmPerformance } from '../../analytics/llm.js';
import { costPer1k } from '../../analytics/recommendations.js';
import { createPricing } from '../../ingest/enrich/pricing.js';
import { round } from '../../query/presets/common.js';
import { emptyEvent } from '../contract/fixtures.js';

/**
 * The path to a cluster, for real: two ClickHouse servers on loopback are the two shards of the `pulse` cluster, and
 * the store writes and reads a Distributed table over them (ClickHouseEventStoreOptions.shards). The whole EventStore
 * contract runs on it, and a batch of many projects is shown spread over both shards, each project on one.
 */
const missing = clickhouseMissing();
if (missing !== null) console.warn(`skipping ClickHouse tests: ${missing}`);

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe.skipIf(missing !== null)('ClickHouse events in a Distributed table over two shards', () => {
  let a: RunningClickHouse;
  let b: RunningClickHouse;
  beforeAll(async () => {
    b = startClickHouse();
    const port = await freePort();
    a = startClickHouse({ PULSE_CH_TCP_PORT: String(port), PULSE_CH_SHARDS: `127.0.0.1:${port},127.0.0.1:${b.tcpPort}` });
  });
  afterAll(() => {
    a?.stop();
    b?.stop();
  });

  const open = (database: string): Promise<ClickHouseEventStore> => openClickHouseEventStore({ url: a.url, database, shards: [a.url, b.url] });
  const drop = async (database: string): Promise<void> => {
    for (const server of [a, b]) {
      const admin = createClient({ url: server.url, log: { level: 127 as never } });
      for (const db of [database, `${database}_shard`]) await admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
      await admin.close();
    }
  };
  const fixture = async (): Promise<{ store: ClickHouseEventStore; reopen(): Promise<ClickHouseEventStore>; cleanup(): Promise<void> }> => {
    const database = `pulse_dist_${randomBytes(5).toString('hex')}`;
    let store = await open(database);
    return {
      store,
      async reopen() {
        await store.close();
        store = await open(database);
        return store;
      },
      async cleanup() {
        await store.close();
        await drop(database);
      },
    };
  };

  eventStoreContract('clickhouse, Distributed over two shards', fixture);

  it('spreads projects over both shards, each project whole on one, and reads them back through the Distributed table', async () => {
    const f = await fixture();
    try {
      const projects = Array.from({ length: 24 }, (_, i) => `project-${i}`);
      await f.store.append({ events: projects.flatMap((project) => series(10, () => ({ project }))) });
      const perShard: Array<Map<string, number>> = [];
      for (const server of [a, b]) {
        const client = createClient({ url: server.url, log: { level: 127 as never } });
        const database = `${f.store.database}_shard`;
        const rows = await (await client.query({ query: `SELECT project, count() AS n FROM ${database}.events GROUP BY project`, format: 'JSONEachRow' })).json<{ project: string; n: string }>();
        perShard.push(new Map(rows.map((r) => [r.project, Number(r.n)])));
        await client.close();
      }
      expect(perShard[0]!.size).toBeGreaterThan(0);
      expect(perShard[1]!.size).toBeGreaterThan(0);
      expect(perShard[0]!.size + perShard[1]!.size).toBe(projects.length);
      for (const shard of perShard) for (const n of shard.values()) expect(n).toBe(10);
      expect((await f.store.stats()).events).toBe(240);
    } finally {
      await f.cleanup();
    }
  });

  it('is what PULSE_CLICKHOUSE_SHARDS configures: the store opened from the configuration writes through the Distributed table, keeping rollups on the shards', async () => {
    const database = `pulse_cfg_${randomBytes(5).toString('hex')}`;
    const config = loadConfig({
      env: {
        PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: `${a.url}/${database}`, PULSE_CLICKHOUSE_SHARDS: `${b.url},${a.url}`,
        PULSE_POSTGRES_URL: 'postgresql://pulse@127.0.0.1/pulse',
      },
      cwd: process.cwd(),
    });
    const opened = await openClickHouseEvents({ ...config, clickhouseUrl: config.clickhouseUrl!, queryTimeoutMs: 30_000 });
    try {
      expect(opened.store.rollups).toBeDefined();
      const projects = Array.from({ length: 12 }, (_, i) => `cfg-${i}`);
      await opened.store.append({ events: projects.flatMap((project) => series(5, () => ({ project }))) });
      const shardCounts: number[] = [];
      for (const server of [a, b]) {
        const client = createClient({ url: server.url, log: { level: 127 as never } });
        const [row] = await (await client.query({ query: `SELECT count() AS n FROM ${database}_shard.events`, format: 'JSONEachRow' })).json<{ n: string }>();
        shardCounts.push(Number(row!.n));
        await client.close();
      }
      expect(shardCounts.every((n) => n > 0 && n % 5 === 0)).toBe(true);
      expect(shardCounts[0]! + shardCounts[1]!).toBe(60);
      expect((await opened.store.stats()).events).toBe(60);
    } finally {
      await opened.close();
      await drop(database);
    }
  });

  it('keeps rollups on each shard by its own views and answers from them as from raw events (every kept measure, grouped)', async () => {
    const f = await fixture();
    try {
      const END = Date.UTC(2026, 10, 20, 14, 37, 12, 345);
      const events = storedEvents(JSON.parse(JSON.stringify([...syntheticEvents({ seed: 11, startMs: END - 4 * 86_400_000, endMs: END, count: 6_000 })])), END, 'p')
        .map((e, i) => ({ ...e, project: `shard-p${i % 6}` }));
      for (let i = 0; i < events.length; i += 1_500) await f.store.append({ events: events.slice(i, i + 1_500) });
      // Rollup rows on both shards, and every event counted once across them.
      const [rolled] = await f.store.query('SELECT sum(n) AS n FROM rollup_day', []);
      expect(Number(rolled!.n)).toBe(events.length);
      const perShard: number[] = [];
      for (const server of [a, b]) {
        const client = createClient({ url: server.url, log: { level: 127 as never } });
        const [row] = await (await client.query({ query: `SELECT count() AS n FROM ${f.store.database}_shard.rollup_hour`, format: 'JSONEachRow' })).json<{ n: string }>();
        perShard.push(Number(row!.n));
        await client.close();
      }
      expect(perShard.every((n) => n > 0)).toBe(true);
      const measures = (Object.keys(ROLLUP_MEASURES) as MeasureName[]).filter((m) => m !== 'avg_phase_ms');
      for (const project of ['shard-p0', 'shard-p3']) {
        const range = { startMs: END - 3 * 86_400_000 - 17 * 60_000, endMs: END - 3 * 60_000 };
        for (const dimensions of [[], ['model', 'type'], ['persona']] as const) {
          await compareWithRaw(f.store, { project, measures, dimensions: [...dimensions], filters: [], range, limit: 10_000 });
        }
      }
      // Rollup retention deletes on every shard (ALTER does not pass through a Distributed table).
      const cutoff = Math.floor((END - 2 * 86_400_000) / 86_400_000) * 86_400_000;
      const [kept] = await f.store.query(`SELECT sum(n) AS n FROM rollup_day WHERE bucket >= ${cutoff}`, []);
      expect(await f.store.rollups!.deleteBefore({ minute: cutoff, hour: cutoff, day: cutoff })).toBeGreaterThan(0);
      for (const table of ['rollup_minute', 'rollup_hour', 'rollup_day']) {
        const [left] = await f.store.query(`SELECT count() AS n FROM ${table} WHERE bucket < ${cutoff}`, []);
        expect(Number(left!.n), table).toBe(0);
      }
      const [after] = await f.store.query('SELECT sum(n) AS n FROM rollup_day', []);
      expect(Number(after!.n)).toBe(Number(kept!.n));
    } finally {
      await f.cleanup();
    }
  }, 120_000);

  it('upgrades a sharded store made before migration 4: shard rollups and the Distributed tables over them get priced_tokens, rows from before read its DEFAULT, rows after count priced calls only', async () => {
    const database = `pulse_up_${randomBytes(5).toString('hex')}`;
    const DAY = 86_400_000;
    const DAY0 = Date.UTC(2026, 10, 16);
    const before = { startMs: DAY0, endMs: DAY0 + DAY };
    const after = { startMs: DAY0 + DAY, endMs: DAY0 + 2 * DAY };
    const projects = Array.from({ length: 6 }, (_, i) => `up-${i}`);
    const pricing = createPricing([]);
    expect(pricing.costUsd('house-7b', DAY0, 600, 400)).toBeNull(); // a model the pricing table does not know
    // One hour's LLM calls per project, 1,000 tokens each: gpt-4o priced by the pricing table, house-7b unknown to it
    // (no cost), house-13b priced by the client on one call of two, free-1 priced at exactly $0. Calls of one model in
    // one append share a rollup row (same hour and dimensions).
    const CALLS: ReadonlyArray<{ model: string; cost: number | 'table' | null }> = [
      { model: 'gpt-4o', cost: 'table' }, { model: 'gpt-4o', cost: 'table' }, { model: 'house-7b', cost: null }, { model: 'house-7b', cost: null },
      { model: 'house-13b', cost: 0.02 }, { model: 'house-13b', cost: null }, { model: 'free-1', cost: 0 },
    ];
    const call = (project: string, ts: number, model: string, cost: number | 'table' | null) =>
      emptyEvent({ project, ts, type: 'llm', model, input_tokens: 600, output_tokens: 400, cost_usd: cost === 'table' ? pricing.costUsd(model, ts, 600, 400) : cost });
    const hourOf = (day: number) => projects.flatMap((project) => CALLS.map(({ model, cost }, i) => call(project, day + 10 * 3_600_000 + i * 60_000, model, cost)));
    expect(pricing.costUsd('gpt-4o', DAY0, 600, 400)).toBeCloseTo(0.0055, 12);

    const versions = async (url: string, db: string): Promise<number[]> => {
      const client = createClient({ url, database: db, log: { level: 127 as never } });
      try {
        return (await (await client.query({ query: 'SELECT version FROM pulse_migrations FINAL ORDER BY version', format: 'JSONEachRow' })).json<{ version: number }>()).map((r) => Number(r.version));
      } finally {
        await client.close();
      }
    };
    /** The priced_tokens columns of a database's rollup_hour and rollup_day, with their kind and the table's engine. */
    const pricedColumns = async (url: string, db: string): Promise<string[]> => {
      const client = createClient({ url, log: { level: 127 as never } });
      try {
        const rows = async (query: string) => (await (await client.query({ query, format: 'JSONEachRow' })).json<Record<string, string>>());
        const engines = new Map((await rows(`SELECT name, engine FROM system.tables WHERE database = '${db}'`)).map((r) => [r.name, r.engine]));
        return (await rows(`SELECT table, name, default_kind FROM system.columns WHERE database = '${db}' AND table IN ('rollup_hour', 'rollup_day') AND name LIKE 'priced_tokens%'`))
          .map((r) => `${r.table}.${r.name} ${r.default_kind} ${engines.get(r.table!)}`).sort();
      } finally {
        await client.close();
      }
    };
    const shardDb = `${database}_shard`;
    const distributedColumns = ['rollup_day.priced_tokens ALIAS Distributed', 'rollup_day.priced_tokens_v DEFAULT Distributed', 'rollup_hour.priced_tokens ALIAS Distributed', 'rollup_hour.priced_tokens_v DEFAULT Distributed'];

    /** Per model: tokens, cost, priced tokens and cost per 1k tokens (as the LLM preset computes it), summed over the rows. */
    type PerModel = Record<string, { tokens: number; cost: number | null; priced: number; per1k: number | null }>;
    const perModel = async (store: ClickHouseEventStore, project: string, range: { startMs: number; endMs: number }, rollups: boolean, interval?: 'hour'): Promise<PerModel> => {
      const ran = await executeQuery(store, {
        project, range, measures: ['count', 'total_tokens', 'cost_usd', 'priced_tokens'], dimensions: ['model'], filters: [], limit: 10_000,
        ...(interval === undefined ? {} : { interval }),
      }, 'ms', { rollups });
      expect(ran.rollups, `${project} from rollups`).toBe(rollups);
      const sums = new Map<string, { tokens: number; cost: number; priced: number }>();
      for (const r of ran.rows) {
        const s = sums.get(String(r.model)) ?? { tokens: 0, cost: 0, priced: 0 };
        sums.set(String(r.model), { tokens: s.tokens + Number(r.total_tokens), cost: s.cost + Number(r.cost_usd), priced: s.priced + Number(r.priced_tokens) });
      }
      return Object.fromEntries([...sums].map(([model, s]) => [model, {
        tokens: s.tokens, cost: round(s.cost, 9), priced: s.priced, per1k: round(costPer1k({ costUsd: s.cost, pricedTokens: s.priced }), 6),
      }]));
    };
    // Rows written before the upgrade, as schema.ts's comment on ADDED_ROLLUP_COLUMNS says the DEFAULT reads them: a row
    // with no cost 0 priced tokens, one with a cost all its tokens. Exact for gpt-4o and house-7b; house-13b's mixed row
    // reads both calls as priced (as the release before answered: $0.02 over 2,000 tokens); free-1's $0 row as unpriced.
    // house-7b's day also holds a call priced after the upgrade in the same hour (a row from after merged with one from
    // before): 1,000 priced tokens.
    const beforeDefault: PerModel = {
      'gpt-4o': { tokens: 2000, cost: 0.011, priced: 2000, per1k: 0.0055 },
      'house-7b': { tokens: 3000, cost: 0.01, priced: 1000, per1k: 0.01 },
      'house-13b': { tokens: 2000, cost: 0.02, priced: 2000, per1k: 0.01 },
      'free-1': { tokens: 1000, cost: 0, priced: 0, per1k: null },
    };
    // The same events read raw: priced tokens are those of calls with a cost.
    const beforeRaw: PerModel = { ...beforeDefault, 'house-13b': { tokens: 2000, cost: 0.02, priced: 1000, per1k: 0.02 }, 'free-1': { tokens: 1000, cost: 0, priced: 1000, per1k: 0 } };
    // Rows written after the upgrade: exact.
    const afterExact: PerModel = {
      'gpt-4o': { tokens: 2000, cost: 0.011, priced: 2000, per1k: 0.0055 },
      'house-7b': { tokens: 2000, cost: 0, priced: 0, per1k: null },
      'house-13b': { tokens: 2000, cost: 0.02, priced: 1000, per1k: 0.02 },
      'free-1': { tokens: 1000, cost: 0, priced: 1000, per1k: 0 },
    };

    // The release before migration 4: migrations 1–3 on the shards and the entry database, Distributed tables without
    // the column.
    const old = await openClickHouseEventStore({ url: a.url, database, shards: [a.url, b.url], migrations: CLICKHOUSE_MIGRATIONS.filter((m) => m.version <= 3) });
    let store: ClickHouseEventStore | null = null;
    try {
      for (const server of [a, b]) expect(await versions(server.url, shardDb)).toEqual([1, 2, 3]);
      expect(await versions(a.url, database)).toEqual([1, 2, 3]);
      for (const server of [a, b]) expect(await pricedColumns(server.url, shardDb)).toEqual([]);
      expect(await pricedColumns(a.url, database)).toEqual([]);
      await old.append({ events: hourOf(DAY0) });
      await old.close();

      // The upgrade: every migration.
      store = await open(database);
      for (const server of [a, b]) {
        expect(await versions(server.url, shardDb), `${server.url} shard`).toEqual([1, 2, 3, 4]);
        expect(await pricedColumns(server.url, shardDb), `${server.url} shard`).toEqual([
          'rollup_day.priced_tokens ALIAS SummingMergeTree', 'rollup_day.priced_tokens_v DEFAULT SummingMergeTree',
          'rollup_hour.priced_tokens ALIAS SummingMergeTree', 'rollup_hour.priced_tokens_v DEFAULT SummingMergeTree',
        ]);
      }
      expect(await versions(a.url, database)).toEqual([1, 2, 3, 4]);
      expect(await pricedColumns(a.url, database)).toEqual(distributedColumns);
      await store.append({ events: [...hourOf(DAY0 + DAY), ...projects.map((project) => call(project, DAY0 + 10 * 3_600_000 + 30 * 60_000, 'house-7b', 0.01))] });
      // Rollup rows on both shards.
      for (const server of [a, b]) {
        const client = createClient({ url: server.url, log: { level: 127 as never } });
        const [row] = await (await client.query({ query: `SELECT count() AS n FROM ${shardDb}.rollup_day`, format: 'JSONEachRow' })).json<{ n: string }>();
        expect(Number(row!.n), server.url).toBeGreaterThan(0);
        await client.close();
      }

      const check = async (label: string): Promise<void> => {
        for (const project of projects) {
          for (const interval of [undefined, 'hour'] as const) {
            const at = `${label} ${project} ${interval ?? 'day rows'}`;
            expect(await perModel(store!, project, after, true, interval), `${at} after, rollups`).toEqual(afterExact);
            expect(await perModel(store!, project, after, false, interval), `${at} after, raw`).toEqual(afterExact);
            expect(await perModel(store!, project, before, true, interval), `${at} before, rollups`).toEqual(beforeDefault);
            expect(await perModel(store!, project, before, false, interval), `${at} before, raw`).toEqual(beforeRaw);
          }
          // After the upgrade, rollups and raw events agree on every measure of the LLM rows; before it on all but priced_tokens.
          const measures: MeasureName[] = ['count', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'priced_tokens'];
          for (const dimensions of [[], ['model']] as const) {
            await compareWithRaw(store!, { project, measures, dimensions: [...dimensions], filters: [], range: after, limit: 10_000 });
            await compareWithRaw(store!, { project, measures, dimensions: [...dimensions], filters: [], range: after, interval: 'hour', limit: 10_000 });
            await compareWithRaw(store!, { project, measures: measures.filter((m) => m !== 'priced_tokens'), dimensions: [...dimensions], filters: [], range: { startMs: before.startMs, endMs: after.endMs }, limit: 10_000 });
          }
          // What GET /api/analytics/llm answers (from the rollups): cost per 1k tokens by model.
          const per1k = async (range: { startMs: number; endMs: number }) => {
            const { llm_performance } = await llmPerformance({ store: store!, project, range, filters: [] });
            return Object.fromEntries(Object.entries(llm_performance.models as Record<string, { cost_per_1k_tokens: number | null }>).map(([m, v]) => [m, v.cost_per_1k_tokens]));
          };
          expect(await per1k(after), `${label} ${project} llm after`).toEqual({ 'gpt-4o': 0.0055, 'house-7b': null, 'house-13b': 0.02, 'free-1': 0 });
          expect(await per1k(before), `${label} ${project} llm before`).toEqual({ 'gpt-4o': 0.0055, 'house-7b': 0.01, 'house-13b': 0.01, 'free-1': null });
        }
      };
      await check('unmerged');
      // Parts from before and after the upgrade merged on each shard: the same answers.
      for (const server of [a, b]) {
        const client = createClient({ url: server.url, database: shardDb, log: { level: 127 as never } });
        for (const table of ['rollup_hour', 'rollup_day']) await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
        await client.close();
      }
      await check('merged');
    } finally {
      await old.close();
      await store?.close();
      await drop(database);
    }
  }, 120_000);

  it('answers the query fixture as the embedded store does', async () => {
    const f = await fixture();
    const duck = await openTestStore(EVENTS);
    try {
      await f.store.append({ events: EVENTS });
      const DAY = { startMs: NOW - 86_400_000, endMs: NOW };
      const specs: Array<Partial<QuerySpec>> = [
        { measures: ['count', 'errors', 'input_tokens', 'cost_usd', 'p50_duration_ms', 'p95_duration_ms', 'unique_users', 'error_rate', 'last_seen'] },
        { interval: 'hour', measures: ['count', 'errors'] },
        { dimensions: ['model'], measures: ['count', 'avg_duration_ms'] },
        { dimensions: ['phase'], measures: ['avg_phase_ms'], order: [{ name: 'phase', direction: 'asc' }] },
        { per: 'cohort', interval: 'hour', dimensions: ['cohort'], measures: ['cohort_users'], order: [{ name: 'bucket', direction: 'asc' }] },
      ];
      for (const over of specs) {
        const spec: QuerySpec = { project: PROJECT, measures: ['count'], dimensions: [], filters: [], range: DAY, ...over };
        const [got, want] = [await executeQuery(f.store, spec), await executeQuery(duck, spec, 'ms', { rollups: false })];
        expect(got.rows).toHaveLength(want.rows.length);
        got.rows.forEach((row, i) => {
          for (const [k, v] of Object.entries(want.rows[i]!)) {
            if (typeof v === 'number') expect(row[k], `${JSON.stringify(over)} ${k}`).toBeCloseTo(v, 6);
            else expect(row[k], k).toEqual(v);
          }
        });
      }
    } finally {
      await duck.close();
      await f.cleanup();
    }
  });
});
