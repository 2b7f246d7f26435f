import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@pulse/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitTimeoutError, WriteBuffer } from '../ingest/write-buffer.js';
import { openEmbeddedStores, type EmbeddedStores } from '../store/duckdb/index.js';
import { QueryTimeoutError, type AppendBatch, type AppendOptions, type EventStore } from '../store/types.js';
import { emptyEvent } from '../store/contract/fixtures.js';
import { storeUnavailable } from './hardening.js';

/** Real DuckDB files: the query timeout interrupts the engine, the commit timeout rolls a batch back. */
let dir = '';
let stores: EmbeddedStores | null = null;
afterEach(async () => {
  await stores?.close();
  stores = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});
async function open(queryTimeoutMs?: number): Promise<EmbeddedStores> {
  dir = mkdtempSync(join(tmpdir(), 'pulse-timeouts-'));
  stores = await openEmbeddedStores({ dataDir: dir, ...(queryTimeoutMs ? { queryTimeoutMs } : {}) });
  return stores;
}
const event = (name: string, seq: number): StoredEvent => emptyEvent({ id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, name });

describe('query timeout', () => {
  it('interrupts a query past the limit, answers it as a 503, and leaves the connections usable', async () => {
    const { store } = await open(150);
    const started = performance.now();
    // A cross join DuckDB needs many seconds for; the limit stops it.
    const heavy = store.query('SELECT count(*) AS n FROM range(100000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3', []);
    const err = await heavy.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect(performance.now() - started).toBeLessThan(5_000);
    const answer = storeUnavailable(err, 2);
    expect(answer?.statusCode).toBe(503);
    expect(answer?.code).toBe('query_timeout');
    expect(answer?.headers).toEqual({ 'retry-after': '2' });
    for (let i = 0; i < 4; i++) expect(await store.query('SELECT 41 + 1 AS n', [])).toEqual([{ n: 42 }]);
  });
});

/**
 * A store whose commits stall before reaching DuckDB (as behind a long checkpoint): a test double around the
 * real store, because a hanging fsync cannot be produced on demand.
 */
function stalling(inner: EventStore, stallMs: number): EventStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (batch: AppendBatch, options?: AppendOptions) => {
          await new Promise((r) => setTimeout(r, stallMs));
          return target.append(batch, options);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('commit timeout', () => {
  it('answers a commit that began but stalls with CommitTimeoutError and rolls it back: nothing is written', async () => {
    const { store } = await open();
    const buffer = new WriteBuffer({ store: stalling(store, 300), flushMaxEvents: 1, flushIntervalMs: 0, maxQueuedEvents: 1000, commitTimeoutMs: 100 });
    const err = await buffer.submit({ events: [event('stalled', 1), event('stalled', 2)] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CommitTimeoutError);
    await buffer.close(); // waits for the stalled commit to reach the store and be refused
    expect(await store.query("SELECT count(*) AS n FROM events WHERE name = 'stalled'", [])).toEqual([{ n: 0 }]);
    // The store took the refusal cleanly: the next batch commits.
    await store.append({ events: [event('after', 3)] });
    expect(await store.query("SELECT count(*) AS n FROM events", [])).toEqual([{ n: 1 }]);
  });

  it('acknowledges commits that finish in time', async () => {
    const { store } = await open();
    const buffer = new WriteBuffer({ store: stalling(store, 20), flushMaxEvents: 1, flushIntervalMs: 0, maxQueuedEvents: 1000, commitTimeoutMs: 2_000 });
    await buffer.submit({ events: [event('fast', 1)] });
    await buffer.close();
    expect(await store.query("SELECT count(*) AS n FROM events WHERE name = 'fast'", [])).toEqual([{ n: 1 }]);
  });
});
