/**
 * The EventStore contract: every implementation runs this suite (`eventStoreContract('duckdb', …)` in its own test
 * file), so the query layer, ingest and retention can rely on the same behaviour. It speaks only through the
 * interface and the query layer — query specs compiled by the store's own dialect, exports of compiled selections —
 * never one engine's SQL, so DuckDB and ClickHouse run it unchanged. Engine-specific promises (DuckDB's `seq`, its
 * unique key on idempotency records) are tested in that engine's own test file.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import { compileSelection } from '../../query/compiler.js';
import { dialectFor } from '../../query/dialects/index.js';
import { executeQuery, type NamedRow } from '../../query/run.js';
import type { Filter, QuerySpec } from '../../query/types.js';
import { StoreUnavailableError, type EventStore, type IdempotencyRecord } from '../types.js';
import { T0, emptyEvent, fullEvent, series } from './fixtures.js';

export interface EventStoreFixture {
  store: EventStore;
  /** Closes `store` and opens a new one over the same data, as a restart would; returns it. */
  reopen(): Promise<EventStore>;
  /** Closes whatever is open and removes the data. */
  cleanup(): Promise<void>;
}

/** Every stored field an export gives back. */
const COLUMNS = [
  'project', 'id', 'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel',
  'guild', 'prompt_id', 'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_ms',
  'ttft_ms', 'status', 'error_type', 'error_message', 'severity', 'value', 'target', 'text', 'sentiment', 'phases', 'attributes',
] as const;

const HOUR = 3_600_000;
/** Wide enough for every event the suite writes (up to 2100). */
const ALL_TIME = { startMs: 0, endMs: Date.UTC(2100, 0, 1) };

function key(project: string, name: string, createdAt = Date.now(), fingerprint: string | null = `sha-of-${name}`): IdempotencyRecord {
  return { project, key: name, createdAt, status: 200, response: JSON.stringify({ accepted: 1, rejected: [] }), fingerprint };
}

export function eventStoreContract(name: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;
    let dir: string;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      dir = await mkdtemp(join(tmpdir(), 'pulse-contract-'));
    });
    afterEach(async () => {
      await fixture.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    const run = async (over: Partial<QuerySpec>): Promise<NamedRow[]> =>
      (await executeQuery(store, { project: 'p1', measures: ['count'], dimensions: [], filters: [], range: ALL_TIME, limit: 10_000, ...over }, 'ms', { rollups: false })).rows;
    const count = async (project = 'p1', filters: Filter[] = []): Promise<number> => Number((await run({ project, filters }))[0]?.count);
    /** The project's events as a JSON-lines export gives them back, in time order. */
    const exported = async (project = 'p1'): Promise<Array<Record<string, unknown>>> => {
      const { where, params } = compileSelection({ project, range: ALL_TIME, filters: [] }, dialectFor(store.dialect));
      const path = join(dir, `${project}-${Math.random().toString(36).slice(2)}.jsonl`);
      const rows = await store.exportTo({ kind: 'events', where, params }, path, 'json');
      const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(rows);
      return lines.sort((a, b) => String(a.ts).localeCompare(String(b.ts)));
    };
    const expectStored = (row: Record<string, unknown> | undefined, event: StoredEvent): void => {
      for (const column of COLUMNS) expect(row?.[column], column).toEqual(event[column]);
      expect(row?.ts).toBe(new Date(event.ts).toISOString());
    };

    it('gives back every column of what it stored, nulls included, to the millisecond', async () => {
      const full = fullEvent();
      const empty = emptyEvent({ ts: T0 + 1 });
      await store.append({ events: [full, empty] });
      const [a, b] = await exported();
      expectStored(a, full);
      expectStored(b, empty);
      // Phases and attributes are queryable by key, a key with spaces included.
      const byPhase = await run({ dimensions: ['phase'], measures: ['avg_phase_ms'], order: [{ name: 'phase', direction: 'asc' }] });
      expect(byPhase).toEqual([
        { phase: 'context_building', avg_phase_ms: 40.5 }, { phase: 'discord_send', avg_phase_ms: 120 }, { phase: 'llm_inference', avg_phase_ms: 900.25 },
      ]);
      expect(await count('p1', [{ field: 'attributes.channel_type', values: ['text'] }])).toBe(1);
      expect(await count('p1', [{ field: 'attributes.locale', values: ['fr-FR'] }])).toBe(1);
      // The range is half-open and exact to the millisecond.
      expect(Number((await run({ range: { startMs: T0, endMs: T0 + 1 } }))[0]?.count)).toBe(1);
      expect((await run({ measures: ['first_seen', 'last_seen'] }))[0]).toEqual({ first_seen: T0, last_seen: T0 + 1 });
    });

    it('answers a range without events: counts and sums 0, means, extremes and times null', async () => {
      await store.append({ events: [fullEvent()] });
      const empty = { startMs: T0 + HOUR, endMs: T0 + 2 * HOUR };
      const measures = ['count', 'errors', 'cost_usd', 'unique_users', 'first_seen', 'last_seen', 'avg_duration_ms', 'p95_duration_ms', 'max_value', 'last_value', 'error_rate'] as const;
      const none = { count: 0, errors: 0, cost_usd: 0, unique_users: 0, first_seen: null, last_seen: null, avg_duration_ms: null, p95_duration_ms: null, max_value: null, last_value: null, error_rate: null };
      expect(await run({ measures, range: empty })).toEqual([none]);
      expect(await run({ measures, project: 'nobody' })).toEqual([none]);
    });

    it('answers per-phase averages through the query layer', async () => {
      await store.append({
        events: [
          fullEvent({ phases: { llm_inference: 100, discord_send: 10 } }),
          fullEvent({ phases: { llm_inference: 300 } }),
          fullEvent({ phases: null }),
          fullEvent({ project: 'p2', phases: { llm_inference: 5000 } }),
        ],
      });
      const rows = await run({ dimensions: ['phase'], measures: ['avg_phase_ms'], order: [{ name: 'phase', direction: 'asc' }] });
      expect(rows).toEqual([{ phase: 'discord_send', avg_phase_ms: 10 }, { phase: 'llm_inference', avg_phase_ms: 200 }]);
    });

    it('stores a batch of several thousand events', async () => {
      const events = series(5000, (i) => ({ user_id: `user_${i % 97}`, value: i, phases: i % 2 ? { a: i } : null }));
      await store.append({ events });
      const [row] = await run({ measures: ['count', 'sum_value', 'unique_users', 'first_seen', 'last_seen'] });
      expect(row).toEqual({ count: 5000, sum_value: (4999 * 5000) / 2, unique_users: 97, first_seen: T0, last_seen: T0 + 4999 });
      expect(await run({ dimensions: ['phase'] })).toEqual([{ phase: 'a', count: 2500 }]);
    });

    it('treats bound values as values, never as SQL', async () => {
      await store.append({ events: [fullEvent({ user_id: "x' OR '1'='1" })] });
      expect(await count('p1', [{ field: 'user_id', values: ["' OR '1'='1"] }])).toBe(0);
      expect(await run({ dimensions: ['user_id'], filters: [{ field: 'user_id', values: ["x' OR '1'='1"] }] })).toEqual([
        { user_id: "x' OR '1'='1", count: 1 },
      ]);
    });

    it('stores nothing of a batch whose caller gave up before it was written, and keeps working', async () => {
      await store.append({ events: series(3, () => ({})), idempotency: [key('p1', 'first')] });
      const gaveUp = new AbortController();
      gaveUp.abort();
      const abandoned = store.append({ events: series(10, () => ({ type: 'bad-batch' })), idempotency: [key('p1', 'dup')] }, { signal: gaveUp.signal });
      await expect(abandoned).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await count()).toBe(3);
      expect(await count('p1', [{ field: 'type', values: ['bad-batch'] }])).toBe(0);
      expect(await store.getIdempotency('p1', 'dup')).toBeNull();

      await store.append({ events: series(2, () => ({})), idempotency: [key('p1', 'after')] });
      expect(await count()).toBe(5);
      expect(await store.getIdempotency('p1', 'after')).not.toBeNull();
    });

    it('stores idempotency records with their batch, per project, and keeps them across a reopen', async () => {
      const record = key('p1', 'req-1', T0);
      await store.append({ events: [fullEvent()], idempotency: [record] });
      expect(await store.getIdempotency('p1', 'req-1')).toEqual(record);
      expect(await store.getIdempotency('p2', 'req-1')).toBeNull();
      expect(await store.getIdempotency('p1', 'req-2')).toBeNull();
      // A record without a body fingerprint (an OTLP export's, whose key is its body's digest) reads back without.
      const bare = key('p1', 'req-bare', T0, null);
      await store.append({ events: [fullEvent()], idempotency: [bare] });
      store = await fixture.reopen();
      expect(await store.getIdempotency('p1', 'req-1')).toEqual(record);
      expect(await store.getIdempotency('p1', 'req-bare')).toEqual(bare);
    });

    it('accepts a batch of idempotency records alone, and an empty batch', async () => {
      await store.append({ events: [] });
      await store.append({ events: [], idempotency: [key('p1', 'only-key', T0)] });
      expect(await store.getIdempotency('p1', 'only-key')).toEqual(key('p1', 'only-key', T0));
      expect(await count()).toBe(0);
    });

    it('keeps committed events across close and reopen, and appends after it', async () => {
      const full = fullEvent();
      await store.append({ events: [full, ...series(99, (i) => ({ value: i, ts: T0 + 1 + i }))] });
      store = await fixture.reopen();
      const [first] = await exported();
      expectStored(first, full);
      expect(await count()).toBe(100);
      await store.append({ events: series(10, () => ({})) });
      expect(await count()).toBe(110);
      expect((await run({ measures: ['sum_value'] }))[0]).toEqual({ sum_value: 42.5 + (99 * 98) / 2 });
    });

    it('deletes events older than the cutoff, in every project, and idempotency records older than 24 h', async () => {
      const now = Date.now();
      await store.append({
        events: [
          emptyEvent({ ts: now - 48 * HOUR }),
          emptyEvent({ project: 'p2', ts: now - 30 * HOUR }),
          emptyEvent({ ts: now - HOUR }),
          emptyEvent({ project: 'p2', ts: now }),
        ],
        idempotency: [key('p1', 'old', now - 25 * HOUR), key('p1', 'fresh', now - HOUR)],
      });
      expect(await store.deleteBefore(now - 24 * HOUR)).toBe(2);
      expect(await count('p1')).toBe(1);
      expect(await count('p2')).toBe(1);
      expect(await store.getIdempotency('p1', 'old')).toBeNull();
      expect(await store.getIdempotency('p1', 'fresh')).not.toBeNull();
      expect(await store.deleteBefore(now - 24 * HOUR)).toBe(0);
    });

    it('deletes whole months and part of the boundary month alike', async () => {
      const cutoff = Date.UTC(2025, 2, 15);
      await store.append({
        events: [
          emptyEvent({ ts: Date.UTC(2025, 0, 10) }), emptyEvent({ ts: Date.UTC(2025, 1, 28, 23, 59, 59, 999) }),
          emptyEvent({ ts: Date.UTC(2025, 2, 1) }), emptyEvent({ ts: cutoff - 1 }),
          emptyEvent({ ts: cutoff, user_id: 'kept' }), emptyEvent({ ts: Date.UTC(2025, 3, 2), user_id: 'kept' }),
        ],
      });
      expect(await store.deleteBefore(cutoff)).toBe(4);
      expect(await count()).toBe(2);
      expect(await count('p1', [{ field: 'user_id', values: ['kept'] }])).toBe(2);
    });

    it('archives exactly the events it deletes to Parquet first, and writes no file when none expire', async () => {
      const now = Date.now();
      await store.append({
        events: [
          emptyEvent({ ts: now - 48 * HOUR, user_id: 'old-1' }),
          emptyEvent({ project: 'p2', ts: now - 30 * HOUR, user_id: 'old-2' }),
          emptyEvent({ ts: now - HOUR, user_id: 'new' }),
        ],
      });
      const path = join(dir, 'a.parquet');
      expect(await store.deleteBefore(now - 24 * HOUR, { archivePath: path })).toBe(2);
      // Read back by a separate DuckDB: the archive is a plain Parquet file any reader opens.
      const reader = await (await DuckDBInstance.create(':memory:')).connect();
      const rows = (await reader.runAndReadAll('SELECT project, user_id, epoch_ms(ts) AS ms FROM read_parquet($1) ORDER BY user_id', [path])).getRowObjects();
      reader.closeSync();
      expect(rows.map((r) => ({ ...r, ms: Number(r.ms) }))).toEqual([
        { project: 'p1', user_id: 'old-1', ms: now - 48 * HOUR }, { project: 'p2', user_id: 'old-2', ms: now - 30 * HOUR },
      ]);
      expect(await count('p1')).toBe(1);
      const none = join(dir, 'b.parquet');
      expect(await store.deleteBefore(now - 24 * HOUR, { archivePath: none })).toBe(0);
      expect(existsSync(none)).toBe(false);
    });

    it('reports how many events it holds and its size on disk', async () => {
      expect((await store.stats()).events).toBe(0);
      await store.append({ events: series(1000, (i) => ({ user_id: `u${i}` })) });
      await store.append({ events: [emptyEvent({ project: 'p2' })] });
      const stats = await store.stats();
      expect(stats.events).toBe(1001);
      if (stats.bytes !== null) expect(stats.bytes).toBeGreaterThan(0);
    });

    it('runs concurrent appends and queries without either seeing half a batch', async () => {
      const batches = 16;
      const size = 250;
      const seen: number[] = [];
      // Each append is followed at once by a count, so queries run while later appends are still queued — not only
      // before or after all of them.
      const appends = Array.from({ length: batches }, (_, b) =>
        store
          .append({ events: series(size, (i) => ({ value: b * size + i, user_id: `b${b}` })) })
          .then(async () => {
            seen.push(await count());
          }),
      );
      const queries = Array.from({ length: 24 }, async () => {
        seen.push(await count());
      });
      await Promise.all([...appends, ...queries]);
      expect(await count()).toBe(batches * size);
      expect(seen.length).toBe(24 + batches);
      for (const n of seen) expect(n % size).toBe(0);
      const perBatch = await run({ dimensions: ['user_id'], measures: ['count', 'sum_value'] });
      expect(perBatch).toHaveLength(batches);
      for (const row of perBatch) {
        const b = Number(String(row.user_id).slice(1));
        expect(row).toEqual({ user_id: `b${b}`, count: size, sum_value: size * b * size + (size * (size - 1)) / 2 });
      }
    });

    it('keeps projects apart', async () => {
      const events: StoredEvent[] = [
        ...series(3, () => ({ project: 'alpha', model: 'a' })),
        ...series(2, () => ({ project: 'beta', model: 'b' })),
      ];
      await store.append({ events });
      expect(await count('alpha')).toBe(3);
      expect(await count('beta')).toBe(2);
      expect(await count('gamma')).toBe(0);
      expect(await run({ project: 'beta', dimensions: ['model'] })).toEqual([{ model: 'b', count: 2 }]);
    });

    it('refuses to work once closed', async () => {
      await store.close();
      await store.close();
      await expect(store.append({ events: [emptyEvent()] })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.query('SELECT 1 AS one', [])).rejects.toThrow();
    });
  });
}
