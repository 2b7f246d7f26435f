import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { startPulse } from './server.js';
import { invalidateDuckDb } from './store/duckdb/test-support/invalidate.js';
import { supervise, type Supervised } from './supervise.js';
import { getJson, postJson } from './test-support/pulse.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function capture(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { logger: createLogger('info', sink), lines };
}

async function count(url: string): Promise<number> {
  const r = await getJson(`${url}/v1/query?measures=count`);
  expect(r.status).toBe(200);
  return Number(r.json.data[0]?.count ?? 0);
}

describe('supervise: the server after DuckDB invalidated its database', () => {
  it('is restarted in the process, on the same port, with every acknowledged event, and takes events again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pulse-supervise-'));
    dirs.push(dataDir);
    const { logger, lines } = capture();
    const server: Supervised = await supervise({
      logger, minDelayMs: 20,
      start: (extra) => startPulse({ port: 0, dataDir, logger, ...extra }),
    });
    try {
      const first = server.current();
      let acked = 0;
      for (let b = 0; b < 5; b++) {
        const events = Array.from({ length: 200 }, (_, i) => ({ type: 'metric', name: `b${b}-${i}`, value: i }));
        const r = await postJson(`${first.url}/v1/events`, { events });
        expect(r.status).toBe(200);
        acked += 200;
      }
      expect(await count(first.url)).toBe(acked);

      const restarted = server.nextStart();
      await invalidateDuckDb(first.duckdb!);
      // Until the restart, the store answers 503 (never a 5xx of another kind, never an acknowledgement).
      const during = await postJson(`${first.url}/v1/events`, { events: [{ type: 'metric', name: 'during', value: 1 }] }).catch(() => null);
      if (during !== null) expect([200, 503]).toContain(during.status);
      const next = await Promise.race([restarted, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no restart within 15 s')), 15_000))]);
      expect(next).not.toBe(first);
      expect(next.url).toBe(first.url);
      expect(server.current()).toBe(next);

      // The log replayed: every event acknowledged before (and the one acknowledged during, if it was) is there.
      expect(await count(next.url)).toBe(acked + (during?.status === 200 ? 1 : 0));
      const after = await postJson(`${next.url}/v1/events`, { events: [{ type: 'metric', name: 'after', value: 1 }] });
      expect(after.status).toBe(200);
      expect(await count(next.url)).toBe(acked + (during?.status === 200 ? 1 : 0) + 1);

      const system = await getJson(`${next.url}/api/system`);
      expect(system.json.database_health.duckdb.restarts).toBe(1);
      expect(system.json.database_health.duckdb.last_restart).not.toBeNull();
      expect(system.json.database_health.duckdb.last_restart_reason).toMatch(/checkpoint|invalidated/i);
      const scrape = await fetch(`${next.url}/metrics`);
      expect(await scrape.text()).toMatch(/^pulse_store_restarts_total 1$/m);
      expect(lines.join('')).toMatch(/restarting the server: DuckDB invalidated the database/);
      expect(lines.join('')).toMatch(/the server is running again/);

      // The restarted server is watched too.
      const again = server.nextStart();
      await invalidateDuckDb(next.duckdb!);
      const third = await Promise.race([again, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no second restart within 15 s')), 15_000))]);
      expect(third.url).toBe(first.url);
      expect(server.restarts.count).toBe(2);
      expect(await count(third.url)).toBe(acked + (during?.status === 200 ? 1 : 0) + 1);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('stops at once when closed during the wait before a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pulse-supervise-'));
    dirs.push(dataDir);
    const { logger, lines } = capture();
    let starts = 0;
    const server = await supervise({
      logger, minDelayMs: 20_000,
      start: (extra) => {
        starts++;
        return startPulse({ port: 0, dataDir, logger, ...extra });
      },
    });
    await invalidateDuckDb(server.current().duckdb!);
    await expect.poll(() => lines.join('').includes('restarting the server'), { timeout: 10_000 }).toBe(true);
    const began = performance.now();
    await server.close();
    expect(performance.now() - began).toBeLessThan(5_000);
    expect(starts).toBe(1);
  }, 30_000);

  it('gives up after its attempts when the server cannot be started again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pulse-supervise-'));
    dirs.push(dataDir);
    const { logger } = capture();
    let starts = 0;
    const server = await supervise({
      logger, minDelayMs: 10, startAttempts: 2,
      start: (extra) => {
        starts++;
        if (starts > 1) return Promise.reject(new Error('the data directory is gone'));
        return startPulse({ port: 0, dataDir, logger, ...extra });
      },
    });
    try {
      await invalidateDuckDb(server.current().duckdb!);
      await expect(server.failed).rejects.toThrow(/could not be started again after 2 attempts: the data directory is gone/);
      expect(starts).toBe(3);
      expect(server.restarts.count).toBe(1);
    } finally {
      await server.close();
    }
  }, 30_000);
});
