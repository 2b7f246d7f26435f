import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { series, T0 } from '../contract/fixtures.js';
import { openEmbeddedStores } from './index.js';
import { isDuckDbFatal } from './open.js';
import { invalidateDuckDb } from './test-support/invalidate.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('a database DuckDB has invalidated', () => {
  it('is noticed by the probe, fails reads, and closes so that opening it again in this process brings every committed event back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pulse-fatal-'));
    dirs.push(dataDir);
    const stores = await openEmbeddedStores({ dataDir, probeIntervalMs: 50 });
    for (let b = 0; b < 3; b++) await stores.store.append({ events: series(1_000, (i) => ({ name: `b${b}-${i}` }), T0 + b * 10_000) });
    const heard: Error[] = [];
    stores.db.onFatal((error) => heard.push(error));
    expect(stores.db.fatal()).toBeNull();

    const cause = await invalidateDuckDb(stores.db);
    expect(cause.message).toMatch(/^FATAL Error: Failed to create checkpoint/);
    // The injector's connection is not one the handle watches: the probe finds out.
    await expect.poll(() => heard.length, { timeout: 5_000 }).toBe(1);
    expect(isDuckDbFatal(heard[0])).toBe(true);
    expect(stores.db.fatal()).toBe(heard[0]);
    await expect(stores.store.query('SELECT count(*) AS n FROM events', [])).rejects.toThrow(/invalidated/);
    // A listener added later hears at once; none hears twice.
    const late: Error[] = [];
    stores.db.onFatal((error) => late.push(error));
    expect(late).toHaveLength(1);

    // Closing releases the file even though every part's last statement fails (close may report those failures).
    await stores.close().catch(() => undefined);
    // Another process can lock it: the old native instance is closed, not merely forgotten by this process (POSIX
    // locks never conflict within one process, so a reopen here alone would not show it).
    const child = spawnSync(process.execPath, ['--input-type=module', '-e',
      `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(${JSON.stringify(join(dataDir, 'pulse.duckdb'))}); i.closeSync(); console.log('locked');`],
    { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('locked');
    const again = await openEmbeddedStores({ dataDir });
    try {
      const [row] = await again.store.query('SELECT count(*) AS n, count(DISTINCT name) AS names FROM events', []);
      expect(Number(row?.n)).toBe(3_000);
      expect(Number(row?.names)).toBe(3_000);
      expect(again.db.fatal()).toBeNull();
      await again.store.append({ events: series(10, () => ({ name: 'after' }), T0 + 60_000) });
      const [after] = await again.store.query(`SELECT count(*) AS n FROM events WHERE name = 'after'`, []);
      expect(Number(after?.n)).toBe(10);
    } finally {
      await again.close();
    }
  });

  it('is marked at once when a store part meets the fatal error itself', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pulse-fatal-'));
    dirs.push(dataDir);
    const stores = await openEmbeddedStores({ dataDir, probeIntervalMs: 0 });
    try {
      await invalidateDuckDb(stores.db);
      // No probe runs: the read's own failure marks the database.
      await expect(stores.store.query('SELECT 1 AS one', [])).rejects.toThrow(/invalidated/);
      expect(stores.db.fatal()?.message).toMatch(/invalidated/);
    } finally {
      await stores.close().catch(() => undefined);
    }
  });
});
