/**
 * The DeliveryStore contract: every implementation runs this suite (`deliveryStoreContract('duckdb', …)` in its own
 * test file), so the notifier and the API rely on the same behaviour from DuckDB now and PostgreSQL later.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryRecord, DeliveryStore } from '../delivery-store.js';

export interface DeliveryStoreFixture {
  store: DeliveryStore;
  /** Closes `store` and opens a new one over the same data, as a restart would. */
  reopen(): Promise<DeliveryStore>;
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2026-12-01T08:00:00Z');

function rec(over: Partial<DeliveryRecord>): DeliveryRecord {
  return {
    id: `d-${Math.random().toString(36).slice(2)}`, project: 'default', group_key: 'g', status: 'firing',
    alert_ids: ['a1'], channel: 'webhook', channel_type: 'slack', target: 'slack https://hooks.slack.com',
    attempt: 1, outcome: 'success', status_code: 200, error: null, duration_ms: 12.5, at: T0, ...over,
  };
}

export function deliveryStoreContract(name: string, open: () => Promise<DeliveryStoreFixture>): void {
  describe(`DeliveryStore contract: ${name}`, () => {
    let f: DeliveryStoreFixture;
    beforeEach(async () => {
      f = await open();
      await f.store.init();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it('round-trips every field, including awkward alert ids, and survives a restart', async () => {
      const r = rec({
        alert_ids: ['a,1', 'b "2"', "c'3", '[d]'], status: 'resolved', outcome: 'retry', status_code: 503,
        error: 'HTTP 503: busy', duration_ms: 41.25, attempt: 2, group_key: 'rule:{service="api"}',
      });
      await f.store.record(r);
      const store = await f.reopen();
      await store.init();
      expect(await store.list({ project: 'default', limit: 10 })).toEqual([r]);
      const none = rec({ status_code: null, error: null, attempt: 0, outcome: 'dropped' });
      await store.record(none);
      expect((await store.list({ project: 'default', outcome: 'dropped', limit: 10 }))).toEqual([none]);
    });

    it('filters by alert id (any of a record\'s), channel, outcome and project; newest first; limit', async () => {
      const rows = [
        rec({ at: T0, alert_ids: ['a1', 'a2'], channel: 'webhook', outcome: 'retry', attempt: 1 }),
        rec({ at: T0 + 1000, alert_ids: ['a1', 'a2'], channel: 'webhook', outcome: 'success', attempt: 2 }),
        rec({ at: T0 + 500, alert_ids: ['a2'], channel: 'pagerduty', channel_type: 'pagerduty', outcome: 'failure', status_code: 400 }),
        rec({ at: T0 + 2000, alert_ids: ['a1'], project: 'other' }),
      ];
      for (const r of rows) await f.store.record(r);
      const ids = async (q: Parameters<DeliveryStore['list']>[0]): Promise<string[]> => (await f.store.list(q)).map((r) => r.id);
      expect(await ids({ project: 'default', limit: 100 })).toEqual([rows[1]!.id, rows[2]!.id, rows[0]!.id]);
      expect(await ids({ project: 'default', alertId: 'a1', limit: 100 })).toEqual([rows[1]!.id, rows[0]!.id]);
      expect(await ids({ project: 'default', alertId: 'a2', channel: 'pagerduty', limit: 100 })).toEqual([rows[2]!.id]);
      expect(await ids({ project: 'default', outcome: 'success', limit: 100 })).toEqual([rows[1]!.id]);
      expect(await ids({ project: 'default', alertId: 'a', limit: 100 })).toEqual([]); // exact ids, not prefixes
      expect(await ids({ project: 'default', limit: 1 })).toEqual([rows[1]!.id]);
      expect(await ids({ project: 'other', limit: 100 })).toEqual([rows[3]!.id]);
    });

    it('prunes records older than a cutoff', async () => {
      await f.store.record(rec({ id: 'old', at: T0 - 1 }));
      await f.store.record(rec({ id: 'new', at: T0 }));
      expect(await f.store.prune(T0)).toBe(1);
      expect((await f.store.list({ project: 'default', limit: 10 })).map((r) => r.id)).toEqual(['new']);
    });
  });
}
