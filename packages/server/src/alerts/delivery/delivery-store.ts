/**
 * Where every delivery attempt is recorded. An interface, so the scale-out PostgreSQL store can implement it next
 * to the DuckDB one (duckdb-delivery-store.ts).
 */

/**
 * `success`; `retry`: this attempt failed and the notification will be tried again; `failure`: failed for good
 * (a permanent error, or the last attempt before the deadline); `dropped`: never attempted (the channel's queue
 * overflowed, the deadline passed while queued, or the server shut down).
 */
export type DeliveryOutcome = 'success' | 'retry' | 'failure' | 'dropped';
export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = ['success', 'retry', 'failure', 'dropped'];

export interface DeliveryRecord {
  id: string;
  project: string;
  group_key: string;
  /** `firing` or `resolved`: the notification's status. */
  status: 'firing' | 'resolved';
  alert_ids: string[];
  channel: string;
  channel_type: string;
  /** The channel's `describe()`: safe to show, never a secret. */
  target: string;
  /** 1 for the first attempt; 0 for a notification dropped before any attempt. */
  attempt: number;
  outcome: DeliveryOutcome;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  /** Epoch ms when the attempt started. */
  at: number;
}

export interface DeliveryQuery {
  project: string;
  alertId?: string;
  channel?: string;
  outcome?: DeliveryOutcome;
  /** Newest first; at most this many. */
  limit: number;
}

export interface DeliveryStore {
  /** Creates its table when missing. Idempotent. */
  init(): Promise<void>;
  record(r: DeliveryRecord): Promise<void>;
  list(q: DeliveryQuery): Promise<DeliveryRecord[]>;
  /** Deletes records older than `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}
