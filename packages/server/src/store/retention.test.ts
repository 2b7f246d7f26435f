import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@pulse/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from './duckdb/index.js';
import { BackgroundTasks } from '../tasks/background-tasks.js';
import { retentionTask } from './retention.js';

const dir = mkdtempSync(join(tmpdir(), 'pulse-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-24T12:00:00Z');
const event = (name: string, ts: number): StoredEvent =>
  ({
    project: 'p', id: null, ts, type: 'metric', name, service: null, environment: null, user_id: null, session_id: null,
    persona: null, channel: null, guild: null, prompt_id: null, model: null, provider: null, input_tokens: null,
    output_tokens: null, cost_usd: null, duration_ms: null, ttft_ms: null, status: 'ok', error_type: null,
    error_message: null, severity: null, value: 1, target: null, text: null, sentiment: null, phases: null, attributes: null,
  }) satisfies StoredEvent;

describe('retention (METRICS_RETENTION_DAYS)', () => {
  it('deletes events older than the retention, keeps newer ones, and logs what it removed', async () => {
    const stores = await openEmbeddedStores({ dataDir: dir, clock: { now: () => NOW } });
    try {
      await stores.store.append({ events: [event('old', NOW - 8 * DAY), event('edge', NOW - 7 * DAY + 1000), event('new', NOW - DAY)] });
      const logged: unknown[] = [];
      const tasks = new BackgroundTasks({ clock: { now: () => NOW }, logger: { error: (o: unknown) => logged.push(o), warn: () => {} } as never });
      tasks.schedule(retentionTask({
        store: stores.store,
        clock: { now: () => NOW },
        retentionDays: 7,
        rollupRetentionDays: 5,
        dailyRetentionDays: 30,
        everyMs: 3_600_000,
        logger: { info: (o: unknown) => logged.push(o) } as never,
      }));
      await tasks.runNow('retention');
      await tasks.close();
      expect(tasks.list()[0]).toMatchObject({ name: 'retention', runs: 1, failures: 0 });
      const rows = await stores.store.query('SELECT name FROM events ORDER BY ts', []);
      expect(rows.map((r) => r.name)).toEqual(['edge', 'new']);
      // The deleted event was rolled up first. Its minute row goes with it (raw retention), the 8- and 7-day-old
      // hourly rows go after 5 days, the daily rows stay (30 days): 1 + 2 rollup rows deleted.
      expect(logged).toEqual([expect.objectContaining({ deleted: 1 }), { deleted: 3 }]);
      const kept = await stores.store.query(
        `SELECT (SELECT count(*) FROM rollup_minute) AS minute, (SELECT count(*) FROM rollup_hour) AS hour, (SELECT sum(n) FROM rollup_day) AS day`, []);
      expect(kept).toEqual([{ minute: 2, hour: 1, day: 3 }]);
    } finally {
      await stores.close();
    }
  });

  it('keeps every rollup bucket the retention cutoffs fall in, and deletes those that ended before them', async () => {
    const dataDir = join(dir, 'buckets');
    // Not on a minute: each cutoff falls inside a bucket of its grain.
    const now = Date.parse('2026-11-24T12:30:30Z');
    const stores = await openEmbeddedStores({ dataDir, clock: { now: () => now } });
    try {
      const minuteCutoff = now - 7 * DAY; // 2026-11-17T12:30:30Z
      const hourCutoff = now - 5 * DAY; // 2026-11-19T12:30:30Z
      const dayCutoff = now - 30 * DAY; // 2026-10-25T12:30:30Z
      await stores.store.append({
        events: [
          event('minute-kept', minuteCutoff + 5_000), event('minute-gone', minuteCutoff - 31_000),
          event('hour-kept', hourCutoff + 600_000), event('hour-gone', hourCutoff - 31 * 60_000),
          event('day-kept', dayCutoff + 3_600_000), event('day-gone', dayCutoff - 13 * 3_600_000),
        ],
      });
      const tasks = new BackgroundTasks({ clock: { now: () => now }, logger: { error: () => {}, warn: () => {} } as never });
      tasks.schedule(retentionTask({
        store: stores.store, clock: { now: () => now }, retentionDays: 7, rollupRetentionDays: 5, dailyRetentionDays: 30,
        logger: { info: () => {} } as never,
      }));
      await tasks.runNow('retention');
      await tasks.close();
      const first = async (table: string): Promise<string | null> => {
        const [row] = await stores.store.query(`SELECT CAST(min(ts) AS VARCHAR) AS t FROM ${table}`, []);
        return row?.t === null || row?.t === undefined ? null : String(row.t);
      };
      // The bucket holding each cutoff stays whole; the one before it (ended before the cutoff) went.
      expect(await first('rollup_minute')).toBe('2026-11-17 12:30:00');
      expect(await first('rollup_hour')).toBe('2026-11-19 12:00:00');
      expect(await first('rollup_day')).toBe('2026-10-25 00:00:00');
      const [days] = await stores.store.query(`SELECT sum(n) AS n FROM rollup_day WHERE ts = TIMESTAMP '2026-10-25 00:00:00'`, []);
      expect(Number(days!.n)).toBe(1);
    } finally {
      await stores.close();
    }
  });

  it('with PULSE_ARCHIVE, writes the expired events to Parquet under the archive directory before deleting them', async () => {
    const dataDir = join(dir, 'archived');
    const stores = await openEmbeddedStores({ dataDir, clock: { now: () => NOW } });
    try {
      await stores.store.append({ events: [event('old-a', NOW - 9 * DAY), event('old-b', NOW - 8 * DAY), event('new', NOW - DAY)] });
      const tasks = new BackgroundTasks({ clock: { now: () => NOW }, logger: { error: () => {}, warn: () => {} } as never });
      const archiveDir = join(dataDir, 'archive');
      tasks.schedule(retentionTask({ store: stores.store, clock: { now: () => NOW }, retentionDays: 7, logger: { info: () => {} } as never, archiveDir }));
      await tasks.runNow('retention');
      await tasks.close();
      expect(tasks.list()[0]!.description).toContain('archived to Parquet first');
      const files = readdirSync(archiveDir);
      expect(files).toEqual(['events-before-2026-11-17T12-00-00-000Z.parquet']);
      const archived = await stores.store.query('SELECT name FROM read_parquet($1) ORDER BY name', [join(archiveDir, files[0]!)]);
      expect(archived.map((r) => r.name)).toEqual(['old-a', 'old-b']);
      const left = await stores.store.query('SELECT name FROM events ORDER BY ts', []);
      expect(left.map((r) => r.name)).toEqual(['new']);
    } finally {
      await stores.close();
    }
  });
});
