/** The ReportRunStore contract: a report period is claimed once, on every implementation (interface only). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReportRunStore } from '../../reports/runner.js';

export interface ReportRunStoreFixture {
  runs: ReportRunStore;
  /** Closes `runs` and opens a new one over the same data, as a restart would. */
  reopen(): Promise<ReportRunStore>;
  /** A second store over the same data at the same time (another instance), when the backend allows one. */
  second?(): Promise<ReportRunStore>;
  cleanup(): Promise<void>;
}

const DAY = 86_400_000;
const P0 = Date.parse('2026-11-30T00:00:00Z');
const STALE = 600_000;

export function reportRunStoreContract(name: string, open: () => Promise<ReportRunStoreFixture>): void {
  describe(`ReportRunStore contract: ${name}`, () => {
    let f: ReportRunStoreFixture;
    let runs: ReportRunStore;
    beforeEach(async () => {
      f = await open();
      runs = f.runs;
    });
    afterEach(async () => {
      await f.cleanup();
    });

    const claim = (store: ReportRunStore, at: number, name = 'daily', start = P0): Promise<boolean> =>
      store.claim({ name, periodStartMs: start, periodEndMs: start + DAY, claimedAt: at }, STALE);

    it('claims a period once; a stale unfinished claim is taken over, a finished one never', async () => {
      const at = P0 + DAY + 8 * 3_600_000;
      expect(await claim(runs, at)).toBe(true);
      expect(await claim(runs, at + 1_000)).toBe(false);
      expect(await claim(runs, at + STALE)).toBe(false); // not older than STALE yet
      expect(await claim(runs, at + STALE + 1)).toBe(true); // the first claimant died
      expect(await claim(runs, at, 'weekly')).toBe(true);
      expect(await claim(runs, at, 'daily', P0 + DAY)).toBe(true);
      await runs.finish('daily', P0, 'sent', null, at + STALE + 5_000);
      expect(await claim(runs, at + 10 * STALE)).toBe(false);
      await runs.finish('weekly', P0, 'failed', 'SMTP 550: mailbox "ops" unavailable', at + 2_000);
      expect(await claim(runs, at + 10 * STALE, 'weekly')).toBe(false);
      runs = await f.reopen();
      expect(await runs.list(10)).toEqual([
        { name: 'daily', periodStartMs: P0 + DAY, periodEndMs: P0 + 2 * DAY, status: 'claimed', claimedAt: at, finishedAt: null, detail: null },
        { name: 'daily', periodStartMs: P0, periodEndMs: P0 + DAY, status: 'sent', claimedAt: at + STALE + 1, finishedAt: at + STALE + 5_000, detail: null },
        { name: 'weekly', periodStartMs: P0, periodEndMs: P0 + DAY, status: 'failed', claimedAt: at, finishedAt: at + 2_000, detail: 'SMTP 550: mailbox "ops" unavailable' },
      ]);
      expect((await runs.list(1)).map((r) => r.periodStartMs)).toEqual([P0 + DAY]);
    });

    it('gives a period to exactly one of two instances claiming at once', async (ctx) => {
      if (f.second === undefined) ctx.skip();
      const other = await f.second!();
      for (let i = 0; i < 10; i++) {
        const start = P0 - i * DAY;
        const results = await Promise.all([claim(runs, P0 + DAY, 'race', start), claim(other, P0 + DAY, 'race', start)]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });
  });
}
