/** The ExportJobStore contract: export jobs behave the same on every implementation (interface only). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportJob, ExportJobStore } from '../../export/types.js';

export interface ExportJobStoreFixture {
  jobs: ExportJobStore;
  /** Closes `jobs` and opens a new one over the same data, as a restart would. */
  reopen(): Promise<ExportJobStore>;
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2026-11-20T10:00:00.123Z');

const job = (id: string, over: Partial<ExportJob> = {}): ExportJob => ({
  id, project: 'p', exportType: 'csv', format: 'full', status: 'queued',
  range: { startMs: T0 - 3_600_000, endMs: T0 }, filters: [], createdAt: T0,
  startedAt: null, finishedAt: null, rows: null, bytes: null, error: null, ...over,
});

export function exportJobStoreContract(name: string, open: () => Promise<ExportJobStoreFixture>): void {
  describe(`ExportJobStore contract: ${name}`, () => {
    let f: ExportJobStoreFixture;
    let jobs: ExportJobStore;
    beforeEach(async () => {
      f = await open();
      jobs = f.jobs;
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it('round-trips a job with its filters, updates it, and keeps it across a restart', async () => {
      const a = job('11111111-1111-4111-8111-111111111111', {
        exportType: 'parquet', format: 'summary',
        filters: [{ field: 'model', values: ["gpt-4o' OR 1=1"] }, { field: 'status', values: ['ok', 'error'] }],
      });
      await jobs.insert(a);
      expect(await jobs.get(a.id)).toEqual(a);
      const done = { ...a, status: 'done' as const, startedAt: T0 + 1_001, finishedAt: T0 + 2_002, rows: 12_345_678_901, bytes: 987_654_321 };
      await jobs.update(done);
      jobs = await f.reopen();
      expect(await jobs.get(a.id)).toEqual(done);
      expect(await jobs.get('22222222-2222-4222-8222-222222222222')).toBeNull();
      const failed = { ...done, status: 'failed' as const, rows: null, bytes: null, error: 'disk full: "/data" 100%' };
      await jobs.update(failed);
      expect(await jobs.get(a.id)).toEqual(failed);
    });

    it('lists a project\'s jobs newest first with a limit; unfinished oldest first; deletes by creation time', async () => {
      const rows = [
        job('a', { createdAt: T0, status: 'done' }),
        job('b', { createdAt: T0 + 1_000, status: 'running', startedAt: T0 + 1_000 }),
        job('c', { createdAt: T0 + 2_000 }),
        job('d', { createdAt: T0 + 500, project: 'other' }),
      ];
      for (const r of rows) await jobs.insert(r);
      expect((await jobs.list('p', 10)).map((j) => j.id)).toEqual(['c', 'b', 'a']);
      expect((await jobs.list('p', 2)).map((j) => j.id)).toEqual(['c', 'b']);
      expect((await jobs.list('nobody', 10))).toEqual([]);
      expect((await jobs.unfinished()).map((j) => j.id)).toEqual(['d', 'b', 'c']);
      const deleted = await jobs.deleteCreatedBefore(T0 + 1_000);
      expect(deleted.map((j) => j.id).sort()).toEqual(['a', 'd']);
      expect(deleted.find((j) => j.id === 'a')).toEqual(rows[0]);
      expect((await jobs.list('p', 10)).map((j) => j.id)).toEqual(['c', 'b']);
      expect(await jobs.deleteCreatedBefore(T0)).toEqual([]);
    });
  });
}
