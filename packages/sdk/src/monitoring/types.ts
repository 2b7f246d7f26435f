import type { Registry } from 'prom-client';
import type { PulseClient } from '../transport/pulse-client.js';
import type { PulseClientOptions } from '../transport/types.js';
import type { TrackContext } from './context.js';
import type { SentryLike } from './sentry.js';

export interface MonitoringOptions extends PulseClientOptions {
  /** `service` label and event field: `api`, `bot`, `worker` … */
  service: string;
  /** Event field `environment`; seed 002 passes `process.env.NODE_ENV`, which may be undefined. */
  environment?: string | undefined;
  /** Port of `/metrics` and `/health`. Default `METRICS_PORT`, else 9091; 0 picks a free port. */
  metricsPort?: number;
  /** Default `0.0.0.0`, so Prometheus on another host can scrape it (seed 002's `api:9091` targets). */
  metricsHost?: string;
  /** Default: `ENABLE_METRICS` is not `false`. When false, `startMetricsServer()` does nothing. */
  enableMetrics?: boolean;
  /** Default `SENTRY_DSN` (ignored when `SENTRY_ENABLED=false`). Unset: nothing is sent to Sentry. */
  sentryDsn?: string;
  /** An already-loaded @sentry/node (or compatible) module instead of the lazy import. */
  sentry?: SentryLike;
  /** Window of the `active_users_total` gauge. Default 5 minutes. */
  activeUserWindowMs?: number;
  /** Distinct values per Prometheus label before further ones are reported as `__other__`. Default 200. */
  maxLabelValues?: number;
  /** prom-client's default process metrics on `/metrics`. Default true. */
  defaultMetrics?: boolean;
  /** Use this registry instead of a new one (never the global one unless you pass it). */
  registry?: Registry;
  /** Share one transport between several facades; it is flushed, not shut down, by `shutdown()`. */
  client?: PulseClient;
  /** Clock for the active-user window (tests). */
  now?: () => number;
}

export interface ActiveUserData extends TrackContext {
  userId: string;
}
export interface GenerationSuccessData {
  type: string;
  model?: string;
  durationMs?: number;
  userId?: string;
}
export interface GenerationFailureData extends GenerationSuccessData {
  errorType: string;
  message?: string;
}
export interface TokenSpendData {
  tokens: number;
  model: string;
  type: string;
  userId?: string;
}
export interface PaymentData {
  paymentMethod: string;
  plan: string;
  /** Amount paid (event `value`). */
  amount?: number;
  currency?: string;
  userId?: string;
}
export interface PaymentFailureData extends PaymentData {
  errorType: string;
}

/** seed 002's `trackKPI({ type, data })`. */
export type KPI =
  | { type: 'active_user'; data: ActiveUserData }
  | { type: 'generation_success'; data: GenerationSuccessData }
  | { type: 'generation_failure'; data: GenerationFailureData }
  | { type: 'token_spend'; data: TokenSpendData }
  | { type: 'payment_conversion'; data: PaymentData }
  | { type: 'payment_failure'; data: PaymentFailureData };

/** Context passed to `handleError`: primitives become event attributes; `severity` sets the severity. */
export type ErrorContext = Record<string, unknown> & { severity?: string };

/** What `endTimer()` may be told; called with nothing it records a successful job. */
export type JobOutcome = { status?: 'ok' | 'error'; error?: unknown };
