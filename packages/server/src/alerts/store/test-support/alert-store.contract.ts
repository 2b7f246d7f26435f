/**
 * The AlertStore contract: every implementation runs this suite (DuckDB in duckdb-alert-store.test.ts, PostgreSQL in
 * store/postgres/postgres-meta.test.ts) through the interface only, so the alert engine and the API rely on the same
 * behaviour from both.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GroupState } from '../../engine/grouping.js';
import type { AlertInstance } from '../../engine/instance.js';
import type { Silence } from '../../engine/silences.js';
import type { Notification } from '../../types.js';
import type { AlertQuery, AlertStore, OutboxEntry } from '../alert-store.js';

export interface AlertStoreFixture {
  store: AlertStore;
  /** Closes `store` and opens a new one over the same data, as a restart would. */
  reopen(): Promise<AlertStore>;
  cleanup(): Promise<void>;
}

export const alertInstance = (id: string, over: Partial<AlertInstance> = {}): AlertInstance => ({
  id, ruleId: 'r', ruleName: 'R', project: 'default', fingerprint: `fp-${id}`, alertType: 't', severity: 'high', labels: {}, annotations: {},
  state: 'firing', activeAt: 0, firedAt: 0, lastActiveAt: 0, resolvedAt: null, acknowledgedAt: null, resolvedNotified: false, value: 1,
  message: 'm', details: {}, stateSince: 0, ...over,
});

const silence = (id: string, endsAt: number, over: Partial<Silence> = {}): Silence => ({
  id, project: 'default', matchers: [], startsAt: 0, endsAt, createdBy: null, comment: null, createdAt: 0, ...over,
});

const notification = (groupKey: string, over: Partial<Notification> = {}): Notification => ({
  status: 'resolved', groupKey, groupLabels: { service: "o'neil" }, commonLabels: { alertname: 'R' }, commonAnnotations: { summary: 'p95 🐢' },
  alerts: [], notify: ['pager', 'https://hooks.example.com/x?y=1'], externalUrl: 'http://pulse.test', ...over,
});

const entry = (id: string, createdAt: number, position: number, over: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id, createdAt, position, notification: notification(`g-${id}`), done: [], ...over,
});

export function alertStoreContract(name: string, open: () => Promise<AlertStoreFixture>): void {
  describe(`AlertStore contract: ${name}`, () => {
    let f: AlertStoreFixture;
    let s: AlertStore;
    beforeEach(async () => {
      f = await open();
      s = f.store;
      await s.init();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    const ids = async (q: AlertQuery): Promise<string[]> => (await s.listAlerts(q)).map((a) => a.id);

    it('lists with filters, active alerts first; prunes old history and expired silences only', async () => {
      await s.saveAlerts([
        { alert: alertInstance('old-resolved', { state: 'resolved', stateSince: 1_000, resolvedAt: 1_000, severity: 'low' }), tracked: false },
        { alert: alertInstance('new-resolved', { state: 'resolved', stateSince: 9_000, resolvedAt: 9_000 }), tracked: false },
        { alert: alertInstance('firing', { stateSince: 5_000 }), tracked: true },
        { alert: alertInstance('acked', { stateSince: 6_000, acknowledgedAt: 6_000 }), tracked: true },
        { alert: alertInstance('elsewhere', { project: 'other', stateSince: 7_000 }), tracked: true },
      ]);
      expect(await ids({ project: 'default', limit: 10 })).toEqual(['acked', 'firing', 'new-resolved', 'old-resolved']);
      expect(await ids({ project: 'default', limit: 2 })).toEqual(['acked', 'firing']);
      expect(await ids({ project: 'default', limit: 10, state: 'acknowledged' })).toEqual(['acked']);
      expect(await ids({ project: 'default', limit: 10, state: 'firing' })).toEqual(['firing']);
      expect(await ids({ project: 'default', limit: 10, severity: 'low' })).toEqual(['old-resolved']);
      expect(await ids({ project: 'default', limit: 10, rule: 'other-rule' })).toEqual([]);
      // `since`: changed since, or still active.
      expect(await ids({ project: 'default', limit: 10, since: 8_000 })).toEqual(['acked', 'firing', 'new-resolved']);
      expect((await s.loadTracked()).map((a) => a.id).sort()).toEqual(['acked', 'elsewhere', 'firing']);

      await s.putSilence(silence('s-old', 2_000));
      await s.putSilence(silence('s-new', 20_000));
      expect(await s.prune(5_000)).toBe(2);
      expect(await ids({ project: 'default', limit: 10 })).toEqual(['acked', 'firing', 'new-resolved']);
      expect((await s.listSilences()).map((x) => x.id)).toEqual(['s-new']);
    });

    it('upserts alerts by id (the last of a batch wins), deletes them, and keeps every field across a restart', async () => {
      const full = alertInstance('a1', {
        labels: { service: 'api', "quote'": 'x"y' }, annotations: { summary: 'p95 > 2 s' }, details: { p95: 2_345.5, ok: false, none: null },
        message: 'latency 🐢 high', value: 2_345.5, activeAt: 1_700_000_000_123, stateSince: 1_700_000_000_456, firedAt: 1_700_000_000_456,
      });
      await s.saveAlerts([{ alert: { ...full, message: 'first' }, tracked: true }, { alert: full, tracked: true }]);
      await s.saveAlerts([{ alert: alertInstance('gone'), tracked: true }]);
      await s.deleteAlerts(['gone', 'never-existed']);
      await s.deleteAlerts([]);
      s = await f.reopen();
      await s.init();
      expect(await s.getAlert('a1')).toEqual(full);
      expect(await s.getAlert('gone')).toBeNull();
      expect(await s.loadTracked()).toEqual([full]);
      const resolved = { ...full, state: 'resolved' as const, resolvedAt: 1_700_000_009_000, stateSince: 1_700_000_009_000 };
      await s.saveAlerts([{ alert: resolved, tracked: false }]);
      expect(await s.loadTracked()).toEqual([]);
      expect(await s.listAlerts({ project: 'default', limit: 5, state: 'resolved' })).toEqual([resolved]);
    });

    it('stores rules: put replaces, delete says whether one existed, listed oldest first', async () => {
      await s.putRule({ id: 'r2', project: 'default', body: { name: 'later', threshold: 2 }, createdAt: 2_000, updatedAt: 2_000 });
      await s.putRule({ id: 'r1', project: 'default', body: { name: 'first' }, createdAt: 1_000, updatedAt: 1_000 });
      await s.putRule({ id: 'r1', project: 'default', body: { name: 'first, edited', labels: { team: "o'neil" } }, createdAt: 1_000, updatedAt: 3_000 });
      expect(await s.listRules()).toEqual([
        { id: 'r1', project: 'default', body: { name: 'first, edited', labels: { team: "o'neil" } }, createdAt: 1_000, updatedAt: 3_000 },
        { id: 'r2', project: 'default', body: { name: 'later', threshold: 2 }, createdAt: 2_000, updatedAt: 2_000 },
      ]);
      expect(await s.deleteRule('r2')).toBe(true);
      expect(await s.deleteRule('r2')).toBe(false);
      s = await f.reopen();
      await s.init();
      expect((await s.listRules()).map((r) => r.id)).toEqual(['r1']);
    });

    it('commits alerts, groups and outbox entries together; lists the outbox oldest first; marks channels done; deletes', async () => {
      const group: GroupState = { key: 'g', ruleId: 'r', groupLabels: {}, createdAt: 1_000, lastSentAt: 2_000, sentFiring: [] };
      // Replaced within the transaction: a firing alert resolving, a group sent again.
      await s.saveAlerts([{ alert: alertInstance('pending-one'), tracked: true }, { alert: alertInstance('a1'), tracked: true }]);
      await s.saveGroups([{ ...group, lastSentAt: null }], []);
      await s.commit({
        saves: [{ alert: alertInstance('a1', { state: 'resolved', resolvedAt: 2_000, stateSince: 2_000 }), tracked: false }],
        deletes: ['pending-one'], groupUpserts: [group], groupDeletes: [],
        outbox: [entry('late', 2_000, 1), entry('early', 2_000, 0, { done: ['slack'] })],
      });
      expect(await s.loadGroups()).toEqual([group]);
      await s.commit({ saves: [], deletes: [], groupUpserts: [], groupDeletes: ['g'], outbox: [entry('first', 1_000, 5)] });
      await s.commit({ saves: [], deletes: [], groupUpserts: [], groupDeletes: [], outbox: [] });
      expect(await s.getAlert('a1')).toMatchObject({ state: 'resolved' });
      expect(await s.loadTracked()).toEqual([]);
      expect(await s.getAlert('pending-one')).toBeNull();
      expect(await s.loadGroups()).toEqual([]);
      expect(await s.listOutbox()).toEqual([entry('first', 1_000, 5), entry('early', 2_000, 0, { done: ['slack'] }), entry('late', 2_000, 1)]);

      await s.outboxChannelDone('late', 'pager');
      await s.outboxChannelDone('late', 'pager');
      await s.outboxChannelDone('late', "email:o'neil@example.com");
      await s.outboxChannelDone('never-existed', 'pager');
      await s.deleteOutbox('first');
      await s.deleteOutbox('never-existed');
      s = await f.reopen();
      await s.init();
      expect(await s.listOutbox()).toEqual([entry('early', 2_000, 0, { done: ['slack'] }), entry('late', 2_000, 1, { done: ['pager', "email:o'neil@example.com"] })]);
    });

    it('a commit that fails changes nothing: neither its alerts and groups nor its outbox entries', async () => {
      await s.commit({ saves: [], deletes: [], groupUpserts: [], groupDeletes: [], outbox: [entry('taken', 1_000, 0)] });
      const group: GroupState = { key: 'g', ruleId: 'r', groupLabels: {}, createdAt: 1_000, lastSentAt: 2_000, sentFiring: [] };
      // The second entry's id is taken: the whole step is refused.
      await expect(s.commit({
        saves: [{ alert: alertInstance('a1'), tracked: true }], deletes: [], groupUpserts: [group], groupDeletes: [],
        outbox: [entry('new', 2_000, 0), entry('taken', 2_000, 1)],
      })).rejects.toThrow();
      expect(await s.getAlert('a1')).toBeNull();
      expect(await s.loadGroups()).toEqual([]);
      expect((await s.listOutbox()).map((e) => e.id)).toEqual(['taken']);
      // The store still works after the rollback.
      await s.commit({ saves: [{ alert: alertInstance('a1'), tracked: true }], deletes: [], groupUpserts: [group], groupDeletes: [], outbox: [entry('new', 2_000, 0)] });
      expect(await s.getAlert('a1')).toEqual(alertInstance('a1'));
      expect((await s.listOutbox()).map((e) => e.id)).toEqual(['taken', 'new']);
    });

    it('saves and deletes notification groups; silences put, replace and delete', async () => {
      const g = (key: string, over: Partial<GroupState> = {}): GroupState => ({
        key, ruleId: 'r', groupLabels: { service: key }, createdAt: 1_000, lastSentAt: null, sentFiring: [], ...over,
      });
      await s.saveGroups([g('a'), g('b'), g('c')], []);
      await s.saveGroups([g('a', { lastSentAt: 5_000, sentFiring: ['fp-1', 'fp-2'] })], ['b', 'missing']);
      expect((await s.loadGroups()).sort((x, y) => x.key.localeCompare(y.key))).toEqual([g('a', { lastSentAt: 5_000, sentFiring: ['fp-1', 'fp-2'] }), g('c')]);
      await s.putSilence(silence('s1', 10_000, { matchers: [{ name: 'service', op: '=', value: 'api' }], comment: 'deploy' }));
      await s.putSilence(silence('s1', 20_000, { matchers: [{ name: 'service', op: '=~', value: 'api|web' }], comment: 'longer' }));
      expect(await s.listSilences()).toEqual([silence('s1', 20_000, { matchers: [{ name: 'service', op: '=~', value: 'api|web' }], comment: 'longer' })]);
      expect(await s.deleteSilence('s1')).toBe(true);
      expect(await s.deleteSilence('s1')).toBe(false);
      expect(await s.listSilences()).toEqual([]);
    });
  });
}
