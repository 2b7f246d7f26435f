/**
 * The EventStore contract: every implementation runs this suite (`eventStoreContract('duckdb', …)`
 * in its own test file), so the query layer, ingest and retention can rely on the same behaviour.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import { StoreUnavailableError, type EventStore, type IdempotencyRecord } from '../types.js';
import { DUCKDB_CONTRACT_SQL, T0, emptyEvent, fullEvent, series, type ContractSql } from './fixtures.js';

export interface EventStoreFixture {
  store: EventStore;
  /** Closes `store` and opens a new one over the same data, as a restart would; returns it. */
  reopen(): Promise<EventStore>;
  /** Closes whatever is open and removes the data. */
  cleanup(): Promise<void>;
}

const COLUMNS = [
  'project', 'id', 'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel',
  'guild', 'prompt_id', 'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'duration_ms',
  'ttft_ms', 'status', 'error_type', 'error_message', 'severity', 'value', 'target', 'text', 'sentiment',
] as const;

const HOUR = 3_600_000;

function key(project: string, name: string, createdAt = Date.now()): IdempotencyRecord {
  return { project, key: name, createdAt, status: 200, response: JSON.stringify({ accepted: 1, rejected: [] }) };
}

export function eventStoreContract(
  name: string,
  factory: () => Promise<EventStoreFixture>,
  sql: ContractSql = DUCKDB_CONTRACT_SQL,
): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const count = async (project = 'p1'): Promise<number> =>
      Number((await store.query('SELECT count(*) AS n FROM events WHERE project = ?', [project]))[0]?.n);
    const seqs = async (project = 'p1'): Promise<number[]> =>
      (await store.query('SELECT seq FROM events WHERE project = ? ORDER BY seq', [project])).map((r) => Number(r.seq));

    it('gives back every column of what it stored, nulls included', async () => {
      const full = fullEvent();
      const empty = emptyEvent({ ts: T0 + 1 });
      await store.append({ events: [full, empty] });
      const rows = await store.query(
        `SELECT ${COLUMNS.join(', ')}, ${sql.tsMs} AS ts_ms, seq,
           ${sql.phase} AS phase_llm, ${sql.phase} AS phase_missing, ${sql.attribute} AS attr_locale,
           ${sql.attribute} AS attr_spaces, ${sql.phaseCount} AS phase_count, ${sql.attributeCount} AS attr_count
         FROM events WHERE project = ? ORDER BY ts`,
        ['llm_inference', 'tts_generation', 'locale', 'key with spaces', 'p1'],
      );
      expect(rows).toHaveLength(2);
      const [a, b] = rows as [Record<string, unknown>, Record<string, unknown>];
      for (const column of COLUMNS) expect(a[column], column).toEqual(full[column]);
      expect(a.ts_ms).toBe(T0);
      expect(a.phase_llm).toBe(900.25);
      expect(a.phase_missing).toBeNull();
      expect(a.attr_locale).toBe('fr-FR');
      expect(a.attr_spaces).toBe('a value longer than twelve bytes');
      expect(a.phase_count).toBe(3);
      expect(a.attr_count).toBe(3);
      for (const column of COLUMNS) expect(b[column], column).toEqual(empty[column]);
      expect(b.ts_ms).toBe(T0 + 1);
      expect(b.phase_llm).toBeNull();
      expect(b.attr_locale).toBeNull();
      expect(Number(b.seq)).toBeGreaterThan(Number(a.seq));
    });

    it('answers per-phase averages through SQL', async () => {
      await store.append({
        events: [
          fullEvent({ phases: { llm_inference: 100, discord_send: 10 } }),
          fullEvent({ phases: { llm_inference: 300 } }),
          fullEvent({ phases: null }),
          fullEvent({ project: 'p2', phases: { llm_inference: 5000 } }),
        ],
      });
      const rows = await store.query(sql.phaseAverages, ['p1']);
      expect(rows.map((r) => [r.phase, r.avg_ms])).toEqual([
        ['discord_send', 10],
        ['llm_inference', 200],
      ]);
    });

    it('stores a batch of several thousand events, in more than one chunk', async () => {
      const events = series(5000, (i) => ({ user_id: `user_${i % 97}`, value: i, phases: i % 2 ? { a: i } : null }));
      await store.append({ events });
      const [row] = await store.query(
        `SELECT count(*) AS n, sum(value) AS total, count(DISTINCT user_id) AS users, count(phases) AS with_phases,
           min(${sql.tsMs}) AS first, max(${sql.tsMs}) AS last
         FROM events WHERE project = ?`,
        ['p1'],
      );
      expect(row).toEqual({ n: 5000, total: (4999 * 5000) / 2, users: 97, with_phases: 2500, first: T0, last: T0 + 4999 });
      const s = await seqs();
      expect(new Set(s).size).toBe(5000);
    });

    it('treats bound parameters as values, never as SQL', async () => {
      await store.append({ events: [fullEvent({ user_id: "x' OR '1'='1" })] });
      expect(await store.query('SELECT user_id FROM events WHERE user_id = ?', ["' OR '1'='1"])).toEqual([]);
      expect(await store.query('SELECT user_id FROM events WHERE user_id = ?', ["x' OR '1'='1"])).toEqual([
        { user_id: "x' OR '1'='1" },
      ]);
    });

    it('stores nothing of a batch the engine rejects, and keeps working', async () => {
      await store.append({ events: series(3, () => ({})), idempotency: [key('p1', 'first')] });
      const duplicateInBatch = store.append({
        events: series(10, () => ({ type: 'bad-batch' })),
        idempotency: [key('p1', 'dup'), key('p1', 'dup')],
      });
      await expect(duplicateInBatch).rejects.toBeInstanceOf(StoreUnavailableError);
      const duplicateOfStored = store.append({ events: series(10, () => ({ type: 'bad-batch' })), idempotency: [key('p1', 'first')] });
      await expect(duplicateOfStored).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await count()).toBe(3);
      expect(await store.query("SELECT count(*) AS n FROM events WHERE type = 'bad-batch'", [])).toEqual([{ n: 0 }]);
      expect(await store.getIdempotency('p1', 'dup')).toBeNull();

      await store.append({ events: series(2, () => ({})), idempotency: [key('p1', 'after')] });
      expect(await count()).toBe(5);
      expect(await store.getIdempotency('p1', 'after')).not.toBeNull();
      const s = await seqs();
      expect(s).toEqual([...s].sort((x, y) => x - y));
      expect(new Set(s).size).toBe(5);
    });

    it('stores idempotency records with their batch, per project, and keeps them across a reopen', async () => {
      const record = key('p1', 'req-1', T0);
      await store.append({ events: [fullEvent()], idempotency: [record] });
      expect(await store.getIdempotency('p1', 'req-1')).toEqual(record);
      expect(await store.getIdempotency('p2', 'req-1')).toBeNull();
      expect(await store.getIdempotency('p1', 'req-2')).toBeNull();
      store = await fixture.reopen();
      expect(await store.getIdempotency('p1', 'req-1')).toEqual(record);
    });

    it('accepts a batch of idempotency records alone, and an empty batch', async () => {
      await store.append({ events: [] });
      await store.append({ events: [], idempotency: [key('p1', 'only-key', T0)] });
      expect(await store.getIdempotency('p1', 'only-key')).toEqual(key('p1', 'only-key', T0));
      expect(await count()).toBe(0);
    });

    it('keeps committed events across close and reopen, numbering on from the last seq', async () => {
      const full = fullEvent();
      await store.append({ events: [full, ...series(99, (i) => ({ value: i }))] });
      const before = await seqs();
      store = await fixture.reopen();
      const [row] = await store.query(
        `SELECT ${COLUMNS.join(', ')} FROM events WHERE project = ? AND id = ?`,
        ['p1', 'evt-0001-client-supplied'],
      );
      for (const column of COLUMNS) expect(row?.[column], column).toEqual(full[column]);
      expect(await count()).toBe(100);
      await store.append({ events: series(10, () => ({})) });
      const after = await seqs();
      expect(after.slice(0, 100)).toEqual(before);
      expect(Math.min(...after.slice(100))).toBeGreaterThan(Math.max(...before));
      expect(after).toEqual([...after].sort((x, y) => x - y));
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

    it('archives exactly the events it deletes to Parquet first, and writes no file when none expire', async () => {
      const now = Date.now();
      await store.append({
        events: [
          emptyEvent({ ts: now - 48 * HOUR, user_id: 'old-1' }),
          emptyEvent({ project: 'p2', ts: now - 30 * HOUR, user_id: 'old-2' }),
          emptyEvent({ ts: now - HOUR, user_id: 'new' }),
        ],
      });
      const dir = await mkdtemp(join(tmpdir(), 'pulse-archive-'));
      try {
        const path = join(dir, 'a.parquet');
        expect(await store.deleteBefore(now - 24 * HOUR, { archivePath: path })).toBe(2);
        // Read back by a separate DuckDB: the archive is a plain Parquet file any reader opens.
        const reader = await (await DuckDBInstance.create(':memory:')).connect();
        const rows = (await reader.runAndReadAll('SELECT project, user_id FROM read_parquet($1) ORDER BY user_id', [path])).getRowObjects();
        reader.closeSync();
        expect(rows).toEqual([{ project: 'p1', user_id: 'old-1' }, { project: 'p2', user_id: 'old-2' }]);
        expect(await count('p1')).toBe(1);
        const none = join(dir, 'b.parquet');
        expect(await store.deleteBefore(now - 24 * HOUR, { archivePath: none })).toBe(0);
        expect(existsSync(none)).toBe(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
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
      // Each append is followed at once by a count, so queries run while later appends are still queued
      // behind the write lock — not only before or after all of them.
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
      const s = await seqs();
      expect(new Set(s).size).toBe(batches * size);
      const perBatch = await store.query(
        'SELECT user_id, count(*) AS n, max(seq) - min(seq) AS span FROM events WHERE project = ? GROUP BY user_id',
        ['p1'],
      );
      expect(perBatch).toHaveLength(batches);
      // One commit numbers its events consecutively.
      for (const row of perBatch) expect(row).toMatchObject({ n: size, span: size - 1 });
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
      const models = await store.query('SELECT DISTINCT model FROM events WHERE project = ?', ['beta']);
      expect(models).toEqual([{ model: 'b' }]);
    });

    it('refuses to work once closed', async () => {
      await store.close();
      await store.close();
      await expect(store.append({ events: [emptyEvent()] })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.query('SELECT 1 AS one', [])).rejects.toThrow();
    });
  });
}
