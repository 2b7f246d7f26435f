import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { compileSelection } from '../../query/compiler.js';
import { dialectFor } from '../../query/dialects/index.js';
import { compileExportSource } from '../../query/export-source.js';
import { EVENTS, NOW } from '../../query/test-support/fixture.js';
import { openTestStore } from '../../query/test-support/open-store.js';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { emptyEvent, series, T0 } from '../contract/fixtures.js';
import { QueryTimeoutError, StoreUnavailableError } from '../types.js';
import { eventsInsertPrefix } from './event-store.js';
import { ClickHouseEventStore, openClickHouseEventStore } from './index.js';
import { INSERT_COLUMNS, toInsertRow } from './rows.js';
import { useClickHouse } from './test-support/server.js';
import { migrateClickHouse } from './migrate.js';
import { CLICKHOUSE_MIGRATIONS } from './schema.js';

const ch = useClickHouse();

async function dropDatabase(url: string, database: string): Promise<void> {
  const admin = createClient({ url, log: { level: 127 as never } });
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await admin.close();
}

/** A store on its own database of the file's server; `reopen` connects a new store to the same database. */
async function fixture(): Promise<{ store: ClickHouseEventStore; reopen(): Promise<ClickHouseEventStore>; cleanup(): Promise<void> }> {
  const url = ch.server().url;
  const database = `pulse_contract_${randomBytes(6).toString('hex')}`;
  let store = await openClickHouseEventStore({ url, database });
  return {
    store,
    async reopen() {
      await store.close();
      store = await openClickHouseEventStore({ url, database });
      return store;
    },
    async cleanup() {
      await store.close();
      await dropDatabase(url, database);
    },
  };
}

describe.skipIf(ch.skip)('ClickHouse event store', () => {
  eventStoreContract('clickhouse', fixture);

  it('migrates once: a second store on the same database finds the tables and its data', async () => {
    const f = await fixture();
    try {
      await f.store.append({ events: series(5, () => ({})) });
      const again = await f.reopen();
      expect((await again.stats()).events).toBe(5);
      const versions = await again.client.query({ query: 'SELECT version FROM pulse_migrations FINAL ORDER BY version', format: 'JSONEachRow' });
      expect(await versions.json()).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
      // 18.16 has no ADD COLUMN IF NOT EXISTS: an instance that ran the same migration meanwhile (or a run interrupted
      // after the ALTER) leaves the column there, and the statement counts as done.
      const fingerprint = CLICKHOUSE_MIGRATIONS.find((m) => m.version === 3)!;
      expect(await migrateClickHouse(again.client, undefined, [{ ...fingerprint, version: 1003 }])).toEqual([1003]);
    } finally {
      await f.cleanup();
    }
  });

  it('migration 4 adds priced_tokens: rows from before read it from their cost, rows after count priced events only', async () => {
    const url = ch.server().url;
    const database = `pulse_priced_${randomBytes(6).toString('hex')}`;
    const admin = createClient({ url, log: { level: 127 as never } });
    await admin.command({ query: `CREATE DATABASE ${database}` });
    await admin.close();
    const client = createClient({ url, database, log: { level: 127 as never } });
    const llm = (model: string, cost: number | null, ts = T0) =>
      toInsertRow(emptyEvent({ ts, type: 'llm', model, input_tokens: 600, output_tokens: 400, cost_usd: cost }), 'b');
    const insert = (values: ReturnType<typeof llm>[]) => client.insert({ table: 'events', format: 'JSONEachRow', columns: [...INSERT_COLUMNS], values });
    const priced = async (table: string) => Object.fromEntries((await (await client.query({
      query: `SELECT model, toInt64(sum(priced_tokens)) AS priced FROM ${table} GROUP BY model ORDER BY model`, format: 'JSONEachRow',
    })).json<{ model: string; priced: string | number }>()).map((r) => [r.model, Number(r.priced)]));
    try {
      // Rows the release before wrote: house-7b never priced, gpt-4o priced.
      expect(await migrateClickHouse(client, undefined, CLICKHOUSE_MIGRATIONS.filter((m) => m.version <= 3))).toEqual([1, 2, 3]);
      await insert([llm('house-7b', null), llm('house-7b', null), llm('gpt-4o', 0.0055)]);
      expect(await migrateClickHouse(client)).toEqual([4]);
      // After: two of house-13b's three calls of one hour priced by the client — one row, 2,000 of its 3,000 tokens.
      await insert([llm('house-13b', 0.02), llm('house-13b', 0.02, T0 + 1), llm('house-13b', null, T0 + 2), llm('house-7b', null, T0 + 3)]);
      const expected = { 'gpt-4o': 1000, 'house-13b': 2000, 'house-7b': 0 };
      for (const table of ['rollup_hour', 'rollup_day']) {
        expect(await priced(table), table).toEqual(expected);
        // Parts from before and after the migration merged: the same.
        await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
        expect(await priced(table), `${table} merged`).toEqual(expected);
      }
    } finally {
      await client.close();
      await dropDatabase(url, database);
    }
  });

  it('does not count an idempotency record whose events never arrived', async () => {
    const f = await fixture();
    try {
      // As if the process died between the two INSERTs: the record exists, its batch's events do not.
      await f.store.client.insert({
        table: 'idempotency', format: 'JSONEachRow',
        values: [{ project: 'p1', key: 'k', batch: 'lost', created_at: T0, status: 200, response: '{}', events: 2, min_ts: T0, max_ts: T0 + 1 }],
      });
      expect(await f.store.getIdempotency('p1', 'k')).toBeNull();
      // The client's retry is then stored normally, and from then on the key answers.
      await f.store.append({ events: [emptyEvent(), emptyEvent({ ts: T0 + 1 })], idempotency: [{ project: 'p1', key: 'k', createdAt: T0 + 5, status: 200, response: '{"accepted":2}', fingerprint: null }] });
      expect(await f.store.getIdempotency('p1', 'k')).toMatchObject({ createdAt: T0 + 5, response: '{"accepted":2}' });
    } finally {
      await f.cleanup();
    }
  });
});

describe.skipIf(ch.skip)('ClickHouse event store: an idempotent retry while the first attempt is still being written', () => {
  it('waits for the events INSERT still running on the server, then answers from the record', async () => {
    const f = await fixture();
    const writer = createClient({ url: ch.server().url, database: f.store.database, log: { level: 127 as never } });
    try {
      // Another instance's append, as it stands when that instance dies (or answers 503) after sending its events
      // INSERT: its record is stored, its INSERT is still running on the server. To keep the INSERT running, each
      // row is its own block (and part) and a view sleeps 1 s per block: the record's row, second, lands after ~1 s.
      await f.store.client.command({ query: 'CREATE TABLE slow_sink (n Int64) ENGINE = Null' });
      await f.store.client.command({ query: 'CREATE MATERIALIZED VIEW slow_view TO slow_sink AS SELECT ts + sleep(1) * 0 AS n FROM events' });
      await f.store.client.insert({
        table: 'idempotency', format: 'JSONEachRow',
        values: [{ project: 'p1', key: 'k', batch: 'in-flight', created_at: T0, status: 200, response: '{"accepted":1}', events: 1, min_ts: T0, max_ts: T0 }],
      });
      const inserting = writer.insert({
        table: 'events', format: 'JSONEachRow', columns: [...INSERT_COLUMNS], query_id: `${eventsInsertPrefix(f.store.database)}other`,
        values: [toInsertRow(emptyEvent({ project: 'p1' }), 'someone-else'), toInsertRow(emptyEvent({ project: 'p1' }), 'in-flight')],
        clickhouse_settings: { max_insert_block_size: '1', min_insert_block_size_rows: '0', min_insert_block_size_bytes: '0' },
      });
      const running = async () => (await (await f.store.client.query({
        query: `SELECT count() AS n FROM system.processes WHERE query_id = '${eventsInsertPrefix(f.store.database)}other'`, format: 'JSONEachRow',
      })).json<{ n: number }>())[0]!.n;
      while ((await running()) === 0) await new Promise((r) => setTimeout(r, 10));
      const count = async () => Number((await (await f.store.client.query({ query: "SELECT count() AS n FROM events WHERE batch = 'in-flight'", format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
      expect(await count()).toBe(0); // the retry arrives before the record's events are stored
      // The retry's check waits for the INSERT and finds the events: a replay, not a second copy.
      expect(await f.store.getIdempotency('p1', 'k')).toMatchObject({ status: 200, response: '{"accepted":1}' });
      expect(await count()).toBe(1);
      await inserting;
      // With nothing running and no events, the record does not count (and no wait).
      await f.store.client.insert({
        table: 'idempotency', format: 'JSONEachRow',
        values: [{ project: 'p1', key: 'lost', batch: 'never', created_at: T0, status: 200, response: '{}', events: 1, min_ts: T0, max_ts: T0 }],
      });
      const t0 = Date.now();
      expect(await f.store.getIdempotency('p1', 'lost')).toBeNull();
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      await writer.close();
      await f.cleanup();
    }
  });
});

describe.skipIf(ch.skip)('ClickHouse event store: exports, timeouts and outages', () => {
  it('exports the same rows as the DuckDB store, as CSV and JSON lines, and a summary export runs', async () => {
    const duck = await openTestStore(EVENTS);
    const f = await fixture();
    const dir = await mkdtemp(join(tmpdir(), 'pulse-ch-export-'));
    try {
      await f.store.append({ events: EVENTS });
      const selection = { project: 'p1', range: { startMs: NOW - 86_400_000, endMs: NOW }, filters: [] };
      const read = async (store: typeof duck, format: 'csv' | 'json', content: 'full' | 'summary'): Promise<string[]> => {
        const path = join(dir, `${store.dialect}-${content}.${format}`);
        const n = await store.exportTo(compileExportSource(content, selection, store), path, format);
        const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
        expect(lines.length).toBe(format === 'csv' ? n + 1 : n);
        return lines;
      };
      const duckJson = (await read(duck, 'json', 'full')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const chJson = (await read(f.store, 'json', 'full')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const byTs = (a: Record<string, unknown>, b: Record<string, unknown>): number => String(a.ts).localeCompare(String(b.ts));
      expect(chJson.sort(byTs)).toEqual(duckJson.sort(byTs));
      expect(chJson).toHaveLength(8);
      const duckCsv = await read(duck, 'csv', 'full');
      const chCsv = await read(f.store, 'csv', 'full');
      expect(chCsv[0]).toBe(duckCsv[0]);
      // DuckDB writes FLOAT and DOUBLE values with a trailing `.0` (`100.0`); the numbers are the same.
      const plain = (line: string): string => line.replace(/(\d)\.0(?=[,}]|$)/g, '$1');
      expect(chCsv.slice(1).sort()).toEqual(duckCsv.slice(1).map(plain).sort());
      // The daily summary (percentiles, buckets, dimensions) gives the same figures on both engines.
      const summary = async (store: typeof duck): Promise<unknown[]> =>
        (await read(store, 'json', 'summary')).map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      const [chSummary, duckSummary] = [await summary(f.store), await summary(duck)];
      expect(chSummary).toHaveLength(duckSummary.length);
      chSummary.forEach((row, i) => {
        for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
          const expected = (duckSummary[i] as Record<string, unknown>)[k];
          // Percentiles: ClickHouse reads its rollups' sketches (within 1 %), the fresh DuckDB store raw events.
          if (typeof v === 'number' && typeof expected === 'number' && /^p\d+_/.test(k)) expect(Math.abs(v - expected), k).toBeLessThanOrEqual(expected * 0.01);
          else if (typeof v === 'number' && typeof expected === 'number') expect(v, k).toBeCloseTo(expected, 4);
          else expect(v, k).toEqual(expected);
        }
      });
    } finally {
      await duck.close();
      await f.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a query past its time limit with QueryTimeoutError', async () => {
    const database = `pulse_timeout_${randomBytes(4).toString('hex')}`;
    const store = await openClickHouseEventStore({ url: ch.server().url, database, queryTimeoutMs: 1000 });
    try {
      await expect(store.query('SELECT count() AS n FROM system.numbers', [])).rejects.toBeInstanceOf(QueryTimeoutError);
      expect(await store.query('SELECT {p0:Int64} + 1 AS n', [41])).toEqual([{ n: 42 }]);
    } finally {
      await store.close();
      await dropDatabase(ch.server().url, database);
    }
  });

  it('streams a large export without piling listeners on the file (no MaxListenersExceededWarning)', async () => {
    const f = await fixture();
    const dir = await mkdtemp(join(tmpdir(), 'pulse-ch-export-'));
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      await f.store.append({ events: series(40_000, (i) => ({ user_id: `user_${i % 97}`, text: `message number ${i}` })) });
      const { where, params } = compileSelection({ project: 'p1', range: { startMs: 0, endMs: Date.UTC(2100, 0, 1) }, filters: [] }, dialectFor('clickhouse'));
      expect(await f.store.exportTo({ kind: 'events', where, params }, join(dir, 'all.json'), 'json')).toBe(40_000);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await f.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not cut exports by the query time limit (they are jobs, as on DuckDB)', async () => {
    const database = `pulse_timeout_${randomBytes(4).toString('hex')}`;
    const store = await openClickHouseEventStore({ url: ch.server().url, database, queryTimeoutMs: 1000 });
    const dir = await mkdtemp(join(tmpdir(), 'pulse-ch-export-'));
    try {
      // An export whose SELECT runs 1.5 s, past the 1-s limit of dashboard queries: a large export's is minutes.
      const slow = { kind: 'aggregate' as const, sql: 'SELECT sleepEachRow(0.5) + number AS n FROM numbers(3)', params: [], columns: [{ alias: 'n', name: 'n', role: 'measure' as const, type: 'int' as const }] };
      expect(await store.exportTo(slow, join(dir, 'slow.json'), 'json')).toBe(3);
      expect((await readFile(join(dir, 'slow.json'), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
      // Dashboard queries keep their limit.
      await expect(store.query('SELECT sleepEachRow(0.5) FROM numbers(3)', [])).rejects.toBeInstanceOf(QueryTimeoutError);
    } finally {
      await store.close();
      await dropDatabase(ch.server().url, database);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers StoreUnavailableError when the server cannot be reached', async () => {
    // A port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const store = new ClickHouseEventStore({ url: `http://127.0.0.1:${port}` });
    await expect(store.init()).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });
});
