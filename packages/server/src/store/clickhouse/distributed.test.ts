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
import { clickhouseMissing, startClickHouse, type RunningClickHouse } from './test-support/server.js';

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
