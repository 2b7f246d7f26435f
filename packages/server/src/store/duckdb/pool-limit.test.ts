import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { series, T0 } from '../contract/fixtures.js';
import { LOADING_ROWS, type DuckDbEventStore } from './event-store.js';
import { openEmbeddedStores } from './index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function limitNow(store: DuckDbEventStore): Promise<string> {
  const [row] = await store.query(`SELECT value AS l FROM duckdb_settings() WHERE name = 'memory_limit'`, []);
  return String(row?.l);
}

describe('DuckDB pool limit during loads', () => {
  it('rises to the load limit once a quarter row group waits for its checkpoint, and falls back once the store is quiet', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pulse-pool-'));
    dirs.push(dataDir);
    const stores = await openEmbeddedStores({
      dataDir, memoryLimit: '100MB', loadMemoryLimit: '150MB', rollups: false,
      idleCheckpoint: { intervalMs: 100, walBytes: 16 * 1024 * 1024, poolQuietMs: 600 },
    });
    const store = stores.store as DuckDbEventStore;
    try {
      // DuckDB writes limits in MiB: 100 MB = 95.3 MiB, 150 MB = 143.0 MiB.
      expect(await limitNow(store)).toBe('95.3 MiB');
      expect(store.poolLimit()).toBe('100MB');
      // Below a quarter row group: no change.
      await store.append({ events: series(LOADING_ROWS - 1_000, (i) => ({ name: `a${i}` })) });
      expect(store.poolLimit()).toBe('100MB');
      expect(await limitNow(store)).toBe('95.3 MiB');
      // Appends keep coming: the limit rises with the commit that crosses it, and stays while they come.
      const loading = (async () => {
        for (let b = 0; b < 8; b++) {
          await store.append({ events: series(1_000, (i) => ({ name: `b${b}-${i}` }), T0 + 100_000 + b * 1_000) });
          if (b === 0) {
            expect(store.poolLimit()).toBe('150MB');
            expect(await limitNow(store)).toBe('143.0 MiB');
          }
        }
      })();
      await loading;
      // Quiet: once the idle check (every 100 ms) has seen the log unchanged for 600 ms, it lowers it again — not before.
      const quietFrom = performance.now();
      await expect.poll(() => store.poolLimit(), { timeout: 5_000, interval: 20 }).toBe('100MB');
      expect(performance.now() - quietFrom).toBeGreaterThanOrEqual(600);
      expect(await limitNow(store)).toBe('95.3 MiB');
      const [n] = await store.query('SELECT count(*) AS n FROM events', []);
      expect(Number(n?.n)).toBe(LOADING_ROWS - 1_000 + 8_000);
    } finally {
      await stores.close();
    }
  });

  it('is left alone in an in-memory store (no idle check to lower it again)', async () => {
    const plain = await openEmbeddedStores({ dataDir: ':memory:', memoryLimit: '100MB', loadMemoryLimit: '150MB', rollups: false });
    try {
      await plain.store.append({ events: series(LOADING_ROWS + 10, (i) => ({ name: `m${i}` })) });
      expect((plain.store as DuckDbEventStore).poolLimit()).toBeNull();
      expect(await limitNow(plain.store as DuckDbEventStore)).toBe('95.3 MiB');
    } finally {
      await plain.close();
    }
  });
});
