import type { AlertRule } from '../rules/model.js';
import type { Notification } from '../types.js';
import { toAlertJson, type AlertInstance } from './instance.js';

/** What Alertmanager keeps per aggregation group, persisted so a restart sends no duplicate. */
export interface GroupState {
  key: string;
  ruleId: string;
  groupLabels: Record<string, string>;
  createdAt: number;
  lastSentAt: number | null;
  /** Fingerprints of the firing alerts the last notification carried. */
  sentFiring: string[];
}

export interface PlanInput {
  rule: AlertRule;
  /** The rule's instances (live and resolved-not-yet-notified). */
  instances: readonly AlertInstance[];
  groups: ReadonlyMap<string, GroupState>;
  isSilenced: (a: AlertInstance) => boolean;
  now: number;
  externalUrl: string;
}

export interface PlanResult {
  notifications: Notification[];
  /** Groups to store (updated) and keys to delete. */
  upserts: GroupState[];
  deletes: string[];
  /** Resolved instances that are now notified (or need no notification) and can be forgotten. */
  settled: AlertInstance[];
  /**
   * Groups with firing alerts (acknowledged ones included, silenced ones not) that this plan sends nothing: their
   * firing alerts, for receivers that forget what they are not told again (`Notifier.refresh`).
   */
  refresh: Notification[];
}

/**
 * An alert's group, by its own `alertname` label (the rule's name when it fired): after a rename, alerts of the old
 * name stay in the group their firing was announced in, so their resolution is sent there.
 */
export function groupKeyOf(rule: AlertRule, labels: Record<string, string>): { key: string; groupLabels: Record<string, string> } {
  const groupLabels: Record<string, string> = { alertname: labels.alertname ?? rule.name };
  for (const name of rule.notifyGroupBy) groupLabels[name] = labels[name] ?? '';
  return { key: `${rule.id}:${JSON.stringify(Object.entries(groupLabels))}`, groupLabels };
}

/**
 * Alertmanager's dispatch, per rule: alerts are grouped by `notify_group_by`; a new group's first notification waits
 * `group_wait`; a change (an alert newly firing or resolved) is sent no sooner than `group_interval` after the last
 * notification; an unchanged firing group is repeated every `repeat_interval`. Silenced alerts are muted, and
 * acknowledged ones are not repeated (a group whose firing alerts are all acknowledged is quiet until something
 * changes). A resolution is notified only for alerts whose firing was. Pure: the caller persists and dispatches.
 */
export function planNotifications(input: PlanInput): PlanResult {
  const { rule, now } = input;
  const result: PlanResult = { notifications: [], upserts: [], deletes: [], settled: [], refresh: [] };
  // An alert whose firing a group announced stays in that group until it resolves, whatever the rule's grouping has
  // become since (an edit of notify_group_by): no second page for it, and its resolution goes where its firing went.
  const announced = new Map<string, GroupState>();
  for (const g of input.groups.values()) if (g.ruleId === rule.id) for (const fp of g.sentFiring) announced.set(fp, g);
  const byGroup = new Map<string, { groupLabels: Record<string, string>; alerts: AlertInstance[] }>();
  for (const a of input.instances) {
    const prior = announced.get(a.fingerprint);
    const { key, groupLabels } = prior !== undefined ? { key: prior.key, groupLabels: prior.groupLabels } : groupKeyOf(rule, a.labels);
    const g = byGroup.get(key) ?? { groupLabels, alerts: [] };
    g.alerts.push(a);
    byGroup.set(key, g);
  }
  for (const [key, g] of input.groups) if (g.ruleId === rule.id && !byGroup.has(key)) result.deletes.push(key);

  for (const [key, { groupLabels, alerts }] of byGroup) {
    const state = input.groups.get(key);
    const firing = alerts.filter((a) => a.state === 'firing' && !input.isSilenced(a));
    const sent = new Set(state?.sentFiring ?? []);
    const resolved = alerts.filter((a) => a.state === 'resolved' && !a.resolvedNotified);
    // A series that resolved and fired again before its resolution went out never stopped firing for the receivers
    // (as with Alertmanager, a flap inside group_interval is not seen): its resolution is settled unsent.
    const firingAgain = new Set(alerts.filter((a) => a.state === 'firing').map((a) => a.fingerprint));
    const toNotifyResolved = resolved.filter((a) => sent.has(a.fingerprint) && !firingAgain.has(a.fingerprint) && !input.isSilenced(a));
    const quietResolved = resolved.filter((a) => !toNotifyResolved.includes(a));
    result.settled.push(...quietResolved.map((a) => ({ ...a, resolvedNotified: true })));

    if (state === undefined && firing.length === 0) continue; // pending only, or muted: nothing to say yet
    const current: GroupState = state ?? { key, ruleId: rule.id, groupLabels, createdAt: now, lastSentAt: null, sentFiring: [] };
    const newlyFiring = firing.some((a) => !sent.has(a.fingerprint));
    const changed = newlyFiring || toNotifyResolved.length > 0;
    let send = false;
    if (current.lastSentAt === null) send = firing.length > 0 && now >= current.createdAt + rule.groupWaitMs;
    else if (changed) send = now >= current.lastSentAt + rule.groupIntervalMs;
    else send = firing.some((a) => a.acknowledgedAt === null) && now >= current.lastSentAt + rule.repeatIntervalMs;

    if (send) {
      const carried = [...firing, ...toNotifyResolved];
      result.notifications.push(notification(rule, key, groupLabels, firing.length > 0 ? 'firing' : 'resolved', carried, input.externalUrl));
      result.settled.push(...toNotifyResolved.map((a) => ({ ...a, resolvedNotified: true })));
      if (firing.length === 0) result.deletes.push(key);
      else result.upserts.push({ ...current, lastSentAt: now, sentFiring: firing.map((a) => a.fingerprint) });
    } else if (firing.length === 0 && toNotifyResolved.length === 0) {
      result.deletes.push(key); // everything muted or gone before anything was said
    } else if (state === undefined) {
      result.upserts.push(current); // group_wait started
    }
    // Already announced (not waiting out group_wait) and firing: offered for a refresh.
    if (!send && current.lastSentAt !== null && firing.length > 0) {
      result.refresh.push(notification(rule, key, groupLabels, 'firing', firing, input.externalUrl));
    }
  }
  return result;
}

function notification(rule: AlertRule, groupKey: string, groupLabels: Record<string, string>, status: Notification['status'], alerts: readonly AlertInstance[], externalUrl: string): Notification {
  return {
    status, groupKey, groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    alerts: alerts.map(toAlertJson),
    notify: rule.notify,
    externalUrl,
  };
}

function common(sets: readonly Record<string, string>[]): Record<string, string> {
  if (sets.length === 0) return {};
  const out: Record<string, string> = { ...sets[0] };
  for (const s of sets.slice(1)) for (const k of Object.keys(out)) if (s[k] !== out[k]) delete out[k];
  return out;
}
