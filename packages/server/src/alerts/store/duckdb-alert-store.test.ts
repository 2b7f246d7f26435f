import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import type { AlertInstance } from '../engine/instance.js';

let stores: EmbeddedStores | null = null;
afterEach(async () => {
  await stores?.close();
  stores = null;
});

const alert = (id: string, over: Partial<AlertInstance>): AlertInstance => ({
  id, ruleId: 'r', ruleName: 'R', project: 'default', fingerprint: `fp-${id}`, alertType: 't', severity: 'high', labels: {}, annotations: {},
  state: 'firing', activeAt: 0, firedAt: 0, lastActiveAt: 0, resolvedAt: null, acknowledgedAt: null, resolvedNotified: false, value: 1,
  message: 'm', details: {}, stateSince: 0, ...over,
});

describe('DuckDB alert store (real DuckDB)', () => {
  it('lists with filters, active alerts first; prunes old history and expired silences only', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    const s = stores.alerts;
    await s.init();
    await s.saveAlerts([
      { alert: alert('old-resolved', { state: 'resolved', stateSince: 1_000, resolvedAt: 1_000, severity: 'low' }), tracked: false },
      { alert: alert('new-resolved', { state: 'resolved', stateSince: 9_000, resolvedAt: 9_000 }), tracked: false },
      { alert: alert('firing', { stateSince: 5_000 }), tracked: true },
      { alert: alert('acked', { stateSince: 6_000, acknowledgedAt: 6_000 }), tracked: true },
      { alert: alert('elsewhere', { project: 'other', stateSince: 7_000 }), tracked: true },
    ]);
    const ids = async (q: Parameters<typeof s.listAlerts>[0]) => (await s.listAlerts(q)).map((a) => a.id);
    expect(await ids({ project: 'default', limit: 10 })).toEqual(['acked', 'firing', 'new-resolved', 'old-resolved']);
    expect(await ids({ project: 'default', limit: 2 })).toEqual(['acked', 'firing']);
    expect(await ids({ project: 'default', limit: 10, state: 'acknowledged' })).toEqual(['acked']);
    expect(await ids({ project: 'default', limit: 10, state: 'firing' })).toEqual(['firing']);
    expect(await ids({ project: 'default', limit: 10, severity: 'low' })).toEqual(['old-resolved']);
    // `since`: changed since, or still active.
    expect(await ids({ project: 'default', limit: 10, since: 8_000 })).toEqual(['acked', 'firing', 'new-resolved']);
    expect((await s.loadTracked()).map((a) => a.id).sort()).toEqual(['acked', 'elsewhere', 'firing']);

    await s.putSilence({ id: 's-old', project: 'default', matchers: [], startsAt: 0, endsAt: 2_000, createdBy: null, comment: null, createdAt: 0 });
    await s.putSilence({ id: 's-new', project: 'default', matchers: [], startsAt: 0, endsAt: 20_000, createdBy: null, comment: null, createdAt: 0 });
    expect(await s.prune(5_000)).toBe(2);
    expect(await ids({ project: 'default', limit: 10 })).toEqual(['acked', 'firing', 'new-resolved']);
    expect((await s.listSilences()).map((x) => x.id)).toEqual(['s-new']);
  });
});
