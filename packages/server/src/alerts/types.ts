/**
 * The seam between the alert engine (rules, evaluator, lifecycle, silences, grouping) and delivery (channels,
 * routing, retries, delivery records). The engine produces `Notification`s and hands them to a `Notifier`; it never
 * waits for a channel. Names and shapes follow CONTRACT.md §8.
 */
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { RenderedReport } from '../reports/render.js';

export type AlertSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** `acknowledged` is a firing alert someone has taken (seed 004): no repeats until it resolves. */
export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved';

/** Seed 001's alert JSON plus Pulse's identity and lifecycle fields — what the API returns and `json` webhooks carry. */
export interface AlertJson {
  id: string;
  /** Rule id. */
  rule: string;
  rule_name: string;
  project: string;
  /** `performance`, `error_rate`, `cost`, `budget`, `anomaly`, `resource`, `health`, `queue`, `payment`, `unpriced_model`, … */
  alert_type: string;
  severity: AlertSeverity;
  state: AlertState;
  message: string;
  /** Seed 001's details: `current`, `threshold`, `duration`, `affected_service`, … */
  details: Record<string, string | number | boolean | null>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When this state was entered (RFC 3339). */
  timestamp: string;
  starts_at: string;
  ends_at: string | null;
  /** Stable identity of (rule, label set): dedup keys derive from it. */
  fingerprint: string;
}

/** One message to channels: alerts sharing their group labels (Alertmanager's notion of a notification). */
export interface Notification {
  /** `firing` while any alert of the group fires; `resolved` once all have resolved. */
  status: 'firing' | 'resolved';
  /** Stable for the group across repeats and restarts (PagerDuty's dedup key derives from it). */
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: AlertJson[];
  /** The rule's `notify` list: channel names, e-mail addresses or webhook URLs (CONTRACT §8). */
  notify: string[];
  /** Base URL of this Pulse (links back to the dashboard's Alerts section). */
  externalUrl: string;
}

/** House style (OpenTelemetry's export results): a send succeeds, may be retried, or failed for good. */
export type SendResult =
  | { outcome: 'success'; status?: number }
  | { outcome: 'retryable'; error: string; status?: number; retryAfterMs?: number }
  | { outcome: 'failure'; error: string; status?: number };

export interface ChannelDeps {
  fetch: typeof fetch;
  clock: Clock;
}

/** A configured channel instance. `describe()` is safe to log and to show in the API: never a secret. */
export interface Channel {
  readonly name: string;
  readonly type: string;
  send(notification: Notification, signal: AbortSignal): Promise<SendResult>;
  /** Scheduled reports (reports/): channels that post messages take them; incident channels (PagerDuty, Alertmanager) do not. */
  sendReport?(report: RenderedReport, signal: AbortSignal): Promise<SendResult>;
  /**
   * A receiver that forgets a firing alert it is not told about again (Alertmanager ends it at its `endsAt`) is told
   * again this often while the alert fires — acknowledged, or with a `repeat_interval` longer than that — as Prometheus
   * resends its firing alerts. Absent: the channel hears of a group only when its notification policy says so.
   */
  readonly refreshEveryMs?: number;
  describe(): string;
}

/** One file per channel type exports one of these; they are registered in exactly one place. */
export interface ChannelDefinition<C> {
  type: string;
  /** Typed config schema for the YAML `channels:` entry (and the env-built defaults). */
  schema: z.ZodType<C>;
  create(name: string, config: C, deps: ChannelDeps): Channel;
}

/**
 * How the engine follows one dispatched notification to the end (its outbox entry): which channels already finished
 * with it, and what to tell as the others do.
 */
export interface DispatchReceipt {
  /** Channels that finished with it before (it is being sent again after a restart): not sent to again. */
  done: readonly string[];
  /**
   * Told, and awaited, when one channel has finished with it — delivered, or given up for good (a permanent error,
   * its deadline, an overflowing queue, no such channel) — while others have not yet.
   */
  channelDone(channel: string): Promise<void>;
  /**
   * Told, and awaited, once every channel it targets has finished with it (at once when there is none left). A channel
   * cut off by shutdown, or by the process dying, has not finished: its entry stays, to be sent again.
   */
  allDone(): Promise<void>;
  /**
   * Told when a channel dropped it before finishing with it because this instance stopped leading
   * (`Notifier.abandon`): it is no longer being sent here, and its entry stays for the leader to send.
   */
  abandoned?(): void;
}

/** Delivery side, as the alert engine sees it. `dispatch` returns at once: a dead channel never delays evaluation. */
export interface Notifier {
  /** Routes and enqueues; with a receipt, tells it as each channel finishes (see DispatchReceipt). */
  dispatch(notification: Notification, receipt?: DispatchReceipt): void;
  /**
   * The group's firing alerts, offered at every evaluation that sent the group nothing: passed on only to channels
   * with `refreshEveryMs` that have not heard of the group for that long. Optional: a notifier without it refreshes
   * nothing.
   */
  refresh?(notification: Notification): void;
  /** Names of the configured channels (for validating rules' `notify`). */
  channelNames(): string[];
  /**
   * This instance stopped leading: drops what it has not started sending — notifications waiting in a queue or for a
   * retry — without telling their receipts done (the new leader sends them from the outbox). An attempt already in
   * flight may still finish. Optional: a notifier without queues has nothing to drop.
   */
  abandon?(): void;
  /** Waits for deliveries in flight (bounded by their deadline). */
  close(): Promise<void>;
}
