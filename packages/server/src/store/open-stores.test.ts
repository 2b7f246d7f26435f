import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import type { DuckDbEventStore } from './duckdb/event-store.js';
import { openStores } from './open-stores.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function duckdbThreads(env: Record<string, string>): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-open-'));
  dirs.push(dataDir);
  const stores = await openStores(loadConfig({ env: { ...env, PULSE_DATA_DIR: dataDir }, cwd: dataDir }));
  try {
    const [row] = await (stores.store as DuckDbEventStore).query(`SELECT current_setting('threads')::INTEGER AS n`, []);
    return Number(row?.n);
  } finally {
    await stores.close();
  }
}

describe('openStores (embedded)', () => {
  it('gives DuckDB PULSE_DUCKDB_THREADS threads, else its own default', async () => {
    expect(await duckdbThreads({ PULSE_DUCKDB_THREADS: '1' })).toBe(1);
    expect(await duckdbThreads({ PULSE_DUCKDB_THREADS: '5' })).toBe(5);
    // Unset: DuckDB's own default (one per core it detects).
    expect(await duckdbThreads({})).toBeGreaterThan(0);
  }, 60_000);
});
