import type { AlertState, Notification } from '../types.js';
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
 * A notification written in the same step as the alert and group state that produced it, kept until every channel it
 * targets has finished with it (the outbox: at-least-once delivery across crashes, shutdowns and leader changes).
 */
export interface OutboxEntry {
  id: string;
  /** When the engine produced it (epoch ms); with `position` (its place in that step), the order it is sent again in. */
  createdAt: number;
  position: number;
  notification: Notification;
  /** Channels that have finished with it (delivered, or given up for good): a replay does not send to them again. */
  done: string[];
}

/** One step of the engine, persisted at once (one transaction): alerts, notification groups and the outbox. */
export interface AlertCommit {
  saves: readonly { alert: AlertInstance; tracked: boolean }[];
  /** Pending instances that never fired (no history). */
  deletes: readonly string[];
  groupUpserts: readonly GroupState[];
  groupDeletes: readonly string[];
  outbox: readonly OutboxEntry[];
}

/**
 * Persistence of the alert engine (rules from the API, alert instances and their history, notification groups,
 * silences, the notification outbox): what makes state survive a restart without a duplicate page, and every
 * notification reach its channels at least once. DuckDB's meta tables and PostgreSQL (store/postgres) implement it.
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
  /**
   * Writes a step of the engine all or nothing: its alert and group changes and the notifications they produce, so no
   * notification is recorded as sent (in the groups) without being in the outbox, nor the reverse.
   */
  commit(step: AlertCommit): Promise<void>;
  /** Notifications some channel has not finished with yet, oldest first. */
  listOutbox(): Promise<OutboxEntry[]>;
  /** Records that `channel` has finished with an outbox entry (idempotent; nothing when the entry is gone). */
  outboxChannelDone(id: string, channel: string): Promise<void>;
  /** Removes an outbox entry once every channel it targets has finished with it. */
  deleteOutbox(id: string): Promise<void>;
  listSilences(): Promise<Silence[]>;
  putSilence(s: Silence): Promise<void>;
  deleteSilence(id: string): Promise<boolean>;
  close(): Promise<void>;
}
