import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertInstance } from '../alerts/store/test-support/alert-store.contract.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import { periodAlerts } from './channel-sender.js';

const dir = mkdtempSync(join(tmpdir(), 'pulse-report-alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = 3_600_000;
const S = Date.parse('2026-11-30T00:00:00Z');
const E = S + 24 * H;

describe('the alerts a report lists', () => {
  it('are those active during the period — however many alerts came after it, before the report was sent', async () => {
    const stores = await openEmbeddedStores({ dataDir: dir });
    const alerts = stores.alerts;
    await alerts.init();
    const resolved = (id: string, from: number, to: number, tracked = false) => ({
      alert: alertInstance(id, { ruleName: id, state: 'resolved', activeAt: from, firedAt: from, resolvedAt: to, stateSince: to, resolvedNotified: !tracked }),
      tracked,
    });
    await alerts.saveAlerts([
      resolved('inside', S + 1 * H, S + 2 * H),
      resolved('spanning', S - 2 * H, S + 1 * H),
      // Resolved before the period (its resolution still being notified): not an alert of the period.
      resolved('before', S - 5 * H, S - 1 * H, true),
      // Pending from the period's last minute, firing only after it: not an alert of the period.
      { alert: alertInstance('late', { ruleName: 'late', state: 'firing', activeAt: E - 60_000, firedAt: E + 5 * 60_000, stateSince: E + 5 * 60_000 }), tracked: true },
      // A noisy morning after the period, before the 09:00 report.
      ...Array.from({ length: 60 }, (_, i) => resolved(`after-${i}`, E + H + i * 60_000, E + 2 * H + i * 60_000)),
    ]);
    const listed = await periodAlerts(alerts)('default', S, E);
    expect(listed.map((a) => a.rule)).toEqual(['spanning', 'inside']);
    expect(listed[0]).toMatchObject({ startsAt: new Date(S - 2 * H).toISOString(), endsAt: new Date(S + H).toISOString() });
    await stores.close();
  });
});
