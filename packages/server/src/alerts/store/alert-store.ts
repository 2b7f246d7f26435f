import type { AlertState } from '../types.js';
import type { GroupState } from '../engine/grouping.js';
import type { AlertInstance } from '../engine/instance.js';
import type { Silence } from '../engine/silences.js';

/** A rule created through the API: its input as sent (normalised), so it is re-validated on load like a file's. */
export interface StoredRule {
  id: string;
  project: string;
  body: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface AlertQuery {
  project: string;
  severity?: string;
  state?: AlertState;
  /** Alerts active or changed at or after this time (epoch ms). */
  since?: number;
  rule?: string;
  limit: number;
}

/**
 * Persistence of the alert engine (rules from the API, alert instances and their history, notification groups,
 * silences): what makes state survive a restart without a duplicate page. DuckDB's meta tables implement it.
 */
export interface AlertStore {
  init(): Promise<void>;
  listRules(): Promise<StoredRule[]>;
  putRule(rule: StoredRule): Promise<void>;
  deleteRule(id: string): Promise<boolean>;
  /** Instances the engine still tracks (pending, firing, or resolved with the resolution not yet notified). */
  loadTracked(): Promise<AlertInstance[]>;
  /** Upserts instances by id; `tracked` says whether the engine still holds each one. */
  saveAlerts(alerts: readonly { alert: AlertInstance; tracked: boolean }[]): Promise<void>;
  /** Pending instances that never fired leave no history. */
  deleteAlerts(ids: readonly string[]): Promise<void>;
  listAlerts(q: AlertQuery): Promise<AlertInstance[]>;
  getAlert(id: string): Promise<AlertInstance | null>;
  /** Retention: resolved alerts and expired silences that ended before `beforeMs`. */
  prune(beforeMs: number): Promise<number>;
  loadGroups(): Promise<GroupState[]>;
  saveGroups(upserts: readonly GroupState[], deletes: readonly string[]): Promise<void>;
  listSilences(): Promise<Silence[]>;
  putSilence(s: Silence): Promise<void>;
  deleteSilence(id: string): Promise<boolean>;
  close(): Promise<void>;
}
