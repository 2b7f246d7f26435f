import { createHash } from 'node:crypto';
import type { AlertJson, AlertSeverity } from '../types.js';

/** Lifecycle state of one (rule, label set). Inactive series have no instance. */
export type InstanceState = 'pending' | 'firing' | 'resolved';

/** One alert: a (rule, label set) from the moment its condition holds until its resolution has been notified. */
export interface AlertInstance {
  /** Unique per incident (a new id each time the series goes pending again). */
  id: string;
  ruleId: string;
  ruleName: string;
  project: string;
  fingerprint: string;
  alertType: string;
  severity: AlertSeverity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: InstanceState;
  /** When the condition started holding (entered pending). */
  activeAt: number;
  firedAt: number | null;
  /** Last evaluation at which the condition held (keep_firing_for counts from here). */
  lastActiveAt: number;
  resolvedAt: number | null;
  acknowledgedAt: number | null;
  /** The resolution has been handed to the notifier (or needs no notification); the instance can be forgotten. */
  resolvedNotified: boolean;
  value: number | null;
  message: string;
  details: Record<string, string | number | boolean | null>;
  /** When `state` was last entered. */
  stateSince: number;
}

/** What one evaluation says about one series. */
export interface Signal {
  /** Labels that tell this series apart within its rule (group-by values, the check name, the model…). */
  labels: Record<string, string>;
  active: boolean;
  value: number | null;
  message: string;
  details: Record<string, string | number | boolean | null>;
}

/** Stable identity of (rule, label set), as Prometheus fingerprints a label set. */
export function fingerprint(ruleId: string, labels: Record<string, string>): string {
  const canonical = JSON.stringify([ruleId, Object.keys(labels).sort().map((k) => [k, labels[k]])]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function isLive(a: AlertInstance): boolean {
  return a.state === 'pending' || a.state === 'firing';
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The seam's AlertJson (seed 001's fields plus identity and lifecycle). */
export function toAlertJson(a: AlertInstance): AlertJson {
  const state = a.state === 'firing' && a.acknowledgedAt !== null ? 'acknowledged' : a.state;
  return {
    id: a.id, rule: a.ruleId, rule_name: a.ruleName, project: a.project, alert_type: a.alertType, severity: a.severity,
    state, message: a.message, details: a.details, labels: a.labels, annotations: a.annotations,
    timestamp: iso(a.stateSince), starts_at: iso(a.firedAt ?? a.activeAt), ends_at: a.resolvedAt === null ? null : iso(a.resolvedAt),
    fingerprint: a.fingerprint,
  };
}
