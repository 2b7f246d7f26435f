import type { StoredEvent } from '@pulse/protocol';

/**
 * Who runs the background work that must run once (alert evaluation, retention of shared data, reports, export
 * resume). With PostgreSQL it is elected (pg-leader.ts); the embedded store's single instance always leads (single.ts).
 */
export interface Leadership {
  /** This process's name (PULSE_INSTANCE_ID). */
  readonly instance: string;
  /** Whether this instance leads now. Flips to false the moment leadership is lost. */
  isLeader(): boolean;
  /** The leading instance's name when known (this one's own when leading), else null. */
  leaderInstance(): string | null;
  /** Told `true` once this instance leads (after the `beforeLeading` hooks), `false` as soon as it no longer does. */
  onChange(fn: (leader: boolean) => void): () => void;
  /**
   * Runs before this instance acts as leader, each time it becomes one: reload what the previous leader persisted.
   * A hook that throws gives the leadership up again (it is retried at the next attempt).
   */
  beforeLeading(fn: () => Promise<void>): () => void;
  /** Begins: the single instance leads at once; an elected one makes its first attempt (awaited) and keeps trying. */
  start(): Promise<void>;
  /** Gives leadership up and stops. Idempotent. */
  close(): Promise<void>;
}

/** What another instance changed, so this one reloads what it caches. */
export type ChangeTopic = 'projects' | 'alert_rules' | 'alert_silences' | 'alerts';
export const CHANGE_TOPICS: readonly ChangeTopic[] = ['projects', 'alert_rules', 'alert_silences', 'alerts'];

export interface ClusterChanges {
  /** `fn` runs when another instance (or anyone else) changed `topic`, or when changes may have been missed. */
  on(topic: ChangeTopic, fn: () => void): () => void;
}

export interface LiveFeedStats {
  /** Events this instance shared with the others. */
  sent: number;
  /** Notifications sent (each at most `maxMessageBytes`). */
  messages: number;
  /** Events received from other instances. */
  received: number;
  /** Events not shared: the outgoing queue was full, an event too large even trimmed, or PostgreSQL refused. */
  dropped: number;
  /** Events shared with their `text` or `error_message` cut short, or their attributes left out, to fit. */
  trimmed: number;
}

/**
 * Committed events of the other instances, for the live views (`/ws/metrics`, `/ws/events`) and event rules. The
 * embedded store has none (its one instance sees everything through its fan-out).
 */
export interface LiveFeed {
  /** Shares a batch this instance committed (never throws, never waits). */
  publish(batch: readonly StoredEvent[]): void;
  /** `fn` gets each batch another instance shared. */
  onRemote(fn: (batch: readonly StoredEvent[]) => void): () => void;
  stats(): LiveFeedStats;
  close(): Promise<void>;
}

/** The instances' coordination: one per process. */
export interface Cluster {
  mode: 'single' | 'postgres';
  instance: string;
  leadership: Leadership;
  changes: ClusterChanges;
  liveFeed: LiveFeed | null;
  close(): Promise<void>;
}
