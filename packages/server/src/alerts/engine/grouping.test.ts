import { describe, expect, it } from 'vitest';
import { rule } from '../test-support/rules.js';
import type { AlertRule } from '../rules/model.js';
import { planNotifications, type GroupState } from './grouping.js';
import type { AlertInstance } from './instance.js';
import { fingerprint } from './instance.js';
import { stepRule } from './lifecycle.js';
import { thresholdSignals } from './signals.js';
import type { ThresholdRule } from '../rules/model.js';

const S = 1000;
function alert(r: AlertRule, labels: Record<string, string>, over: Partial<AlertInstance> = {}): AlertInstance {
  const all = { alertname: r.name, severity: r.severity, project: r.project, ...labels };
  return {
    id: `id-${JSON.stringify(labels)}`, ruleId: r.id, ruleName: r.name, project: r.project, fingerprint: fingerprint(r.id, all),
    alertType: 'performance', severity: r.severity, labels: all, annotations: {}, state: 'firing', activeAt: 0, firedAt: 0,
    lastActiveAt: 0, resolvedAt: null, acknowledgedAt: null, resolvedNotified: false, value: 1, message: 'm', details: {}, stateSince: 0,
    ...over,
  };
}

/** Applies plans like the engine does, returning what was sent at each time. */
function simulate(r: AlertRule, timeline: Array<[number, AlertInstance[]]>, silenced: (a: AlertInstance) => boolean = () => false) {
  const groups = new Map<string, GroupState>();
  return timeline.map(([now, instances]) => {
    const plan = planNotifications({ rule: r, instances, groups, isSilenced: silenced, now, externalUrl: 'http://pulse' });
    for (const g of plan.upserts) groups.set(g.key, g);
    for (const k of plan.deletes) groups.delete(k);
    return plan.notifications;
  });
}

describe('notification grouping (Alertmanager semantics)', () => {
  const r = rule({ name: 'slow', condition: 'p95_duration_ms > 1', group_by: ['model'], group_wait: '30s', group_interval: '5m', repeat_interval: '1h' });
  const a = alert(r, { model: 'a' });
  const b = alert(r, { model: 'b' });
  // The same rule without group_wait: its first notification goes out at the first evaluation.
  const r0 = { ...r, groupWaitMs: 0 };

  it('waits group_wait, batches alerts of the group, holds changes for group_interval, repeats after repeat_interval', () => {
    const sent = simulate(r, [
      [0, [a]], // group created; waits 30 s
      [15 * S, [a, b]],
      [30 * S, [a, b]], // first notification: both
      [60 * S, [a, b]], // nothing changed
      [3600 * S + 30 * S, [a, b]], // repeat
    ]);
    expect(sent.map((n) => n.length)).toEqual([0, 0, 1, 0, 1]);
    expect(sent[2]![0]!.alerts.map((x) => x.labels.model)).toEqual(['a', 'b']);
    expect(sent[2]![0]!).toMatchObject({ status: 'firing', groupLabels: { alertname: 'slow' }, commonLabels: { alertname: 'slow', severity: 'medium' }, externalUrl: 'http://pulse' });
    expect(sent[2]![0]!.groupKey).toBe(sent[4]![0]!.groupKey);
  });

  it('sends a resolved notification (after group_interval) only for alerts whose firing was sent', () => {
    const resolvedA = { ...a, state: 'resolved' as const, resolvedAt: 60 * S };
    const sent = simulate(r0, [[30 * S, [a, b]], [60 * S, [resolvedA, b]], [330 * S, [resolvedA, b]], [400 * S, [{ ...b, state: 'resolved' as const, resolvedAt: 400 * S }]], [630 * S, [{ ...b, state: 'resolved' as const }]]]);
    expect(sent.map((n) => n.length)).toEqual([1, 0, 1, 0, 1]);
    expect(sent[2]![0]!.status).toBe('firing');
    expect(sent[2]![0]!.alerts.map((x) => [x.labels.model, x.state])).toEqual([['b', 'firing'], ['a', 'resolved']]);
    expect(sent[4]![0]!.status).toBe('resolved');
  });

  it('acknowledged alerts are not repeated; a silenced alert is muted', () => {
    const acked = { ...a, acknowledgedAt: 40 * S };
    const sent = simulate(r0, [[30 * S, [a]], [7200 * S, [acked]], [7300 * S, [acked, b]]]);
    // A new alert in the group is a change: it is sent (after group_interval), the acknowledged one still shown.
    expect(sent.map((n) => n.length)).toEqual([1, 0, 1]);
    const muted = simulate(r0, [[30 * S, [a, b]]], (x) => x.labels.model === 'a');
    expect(muted[0]![0]!.alerts.map((x) => x.labels.model)).toEqual(['b']);
  });

  it('offers every announced firing group it sends nothing this round for a refresh, acknowledged alerts included', () => {
    const groups = new Map<string, GroupState>();
    const plan = (now: number, instances: AlertInstance[], silenced: (x: AlertInstance) => boolean = () => false) => {
      const p = planNotifications({ rule: r, instances, groups, isSilenced: silenced, now, externalUrl: 'http://pulse' });
      for (const g of p.upserts) groups.set(g.key, g);
      for (const k of p.deletes) groups.delete(k);
      return p;
    };
    // Waiting out group_wait: nothing announced yet, nothing to refresh.
    expect(plan(0, [a]).refresh).toEqual([]);
    // Announced this round: the notification is the refresh.
    const first = plan(30 * S, [a]);
    expect([first.notifications.length, first.refresh.length]).toEqual([1, 0]);
    // Acknowledged, so never repeated: still offered, as firing, with the acknowledged state shown.
    const acked = { ...a, acknowledgedAt: 40 * S };
    const later = plan(7200 * S, [acked]);
    expect(later.notifications).toEqual([]);
    expect(later.refresh.map((n) => [n.status, n.groupKey, n.alerts.map((x) => x.state)])).toEqual([['firing', first.notifications[0]!.groupKey, ['acknowledged']]]);
    // Silenced: not offered (the receiver lets it lapse).
    expect(plan(7215 * S, [acked], () => true).refresh).toEqual([]);
  });

  it('notify_group_by splits a rule’s alerts into separate notifications', () => {
    const split = rule({ name: 'split', condition: 'p95_duration_ms > 1', group_by: ['model'], notify_group_by: ['model'] });
    const sent = simulate(split, [[0, [alert(split, { model: 'a' }), alert(split, { model: 'b' })]]]);
    expect(sent[0]!.map((n) => n.groupLabels)).toEqual([{ alertname: 'split', model: 'a' }, { alertname: 'split', model: 'b' }]);
  });

  it('a series that resolves and fires again within group_interval: its resolution is settled unsent, nothing is left unsettled', () => {
    // Lifecycle and grouping stepped together as the engine does: settled instances are dropped from what it tracks.
    const slow = rule({ name: 'slow', condition: 'avg_duration_ms > 500', group_interval: '5m' }) as ThresholdRule;
    let tracked: AlertInstance[] = [];
    const groups = new Map<string, GroupState>();
    const settledIds: string[] = [];
    let n = 0;
    const log = ([[0, 600], [15 * S, 100], [30 * S, 600], [45 * S, 600], [400 * S, 100], [700 * S, 100]] as const).map(([now, value]) => {
      const step = stepRule({ rule: slow, alertType: 'performance', signals: thresholdSignals(slow, [{ labels: {}, value, samples: 10 }]), previous: tracked, now, newId: () => `al-${++n}` });
      const plan = planNotifications({ rule: slow, instances: step.instances, groups, now, externalUrl: 'x', isSilenced: () => false });
      const settled = new Set(plan.settled.map((a) => a.id));
      settledIds.push(...settled);
      tracked = step.instances.filter((a) => !settled.has(a.id));
      for (const g of plan.upserts) groups.set(g.key, g);
      for (const k of plan.deletes) groups.delete(k);
      return { tracked: tracked.map((a) => `${a.id}:${a.state}`), sent: plan.notifications.map((x) => x.alerts.map((a) => `${a.id}:${a.state}`)) };
    });
    expect(log).toEqual([
      { tracked: ['al-1:firing'], sent: [['al-1:firing']] },
      // Resolved, its notification held by group_interval.
      { tracked: ['al-1:resolved'], sent: [] },
      // Firing again before it went out: for the receivers it never stopped; al-1 is settled (stored untracked).
      { tracked: ['al-2:firing'], sent: [] },
      { tracked: ['al-2:firing'], sent: [] },
      { tracked: [], sent: [['al-2:resolved']] },
      { tracked: [], sent: [] },
    ]);
    expect(settledIds).toEqual(['al-1', 'al-2']);
  });
});

