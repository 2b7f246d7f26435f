import type { EventInput } from '@pulse/protocol';

/** The subset of a pino logger the SDK writes to; any pino logger (or console-like adapter) fits. */
export interface SdkLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface FetchInitLike {
  method: string;
  headers: Record<string, string>;
  body: Uint8Array;
  signal: AbortSignal;
}

/** Structural `fetch`, so a host can pass its own (proxy agent, undici, a test double). */
export type FetchLike = (url: string, init: FetchInitLike) => Promise<FetchResponseLike>;

export interface RejectedEvent {
  index: number;
  error: string;
}

/** Outcome of one HTTP attempt, modelled on OpenTelemetry's ExportResult. */
export type SendResult =
  | { kind: 'success'; status: number; accepted: number; rejected: RejectedEvent[] }
  | { kind: 'retryable'; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'failure'; reason: string; status?: number; tooLarge?: boolean; detail?: string };

export interface PulseClientOptions {
  /** Base URL of the Pulse server. Default: `PULSE_URL`, else `http://127.0.0.1:8000`. */
  url?: string;
  /** Sent as `Authorization: Bearer <key>`. Default: `PULSE_API_KEY`; none on a loopback server without auth. */
  apiKey?: string;
  /** Events per request. Default 100 (seed 004), at most 10,000. */
  batchSize?: number;
  /** A partial batch is sent after this long. Default 30,000 ms (seed 004). */
  flushIntervalMs?: number;
  /** Events held in memory; beyond it new events are dropped (or spilled to the spool). Default 10,000. */
  maxQueueSize?: number;
  /** Attempts after the first one for a retryable outcome. Default 8. */
  maxRetries?: number;
  /** Base of the exponential backoff (full jitter). Default 500 ms. */
  initialBackoffMs?: number;
  /** Cap of one backoff wait. Default 30,000 ms. */
  maxBackoffMs?: number;
  /** Cap on a server's `Retry-After`. Default 300,000 ms. */
  maxRetryAfterMs?: number;
  /** Per-request timeout; a stalled server counts as a network error. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /** Batches in flight at once (a batch waiting for its retry holds its slot). Default 2. */
  maxConcurrentRequests?: number;
  /** How long `shutdown()` keeps trying before spooling or dropping what is left. Default 10,000 ms. */
  shutdownTimeoutMs?: number;
  /** Directory for the on-disk spool; off when unset. */
  spoolDir?: string;
  /** Bound of the spool on disk. Default 100 MiB. */
  spoolMaxBytes?: number;
  /** Keep-probability per event type, e.g. `{ http: 0.1 }`. Errors are always kept. */
  sampling?: Record<string, number>;
  /** Distinct values per attribute key kept per process; later ones become `__other__`. Default 1,000. */
  maxAttributeCardinality?: number;
  /** Fields merged into every event that does not set them (e.g. `{ service: 'api' }`). */
  defaults?: Partial<EventInput>;
  /** How requests are made. Default: node:http(s) with a keep-alive agent (faster than the global fetch). */
  fetch?: FetchLike;
  logger?: SdkLogger;
  /** Where defaults are read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface ClientStats {
  /** Events passed to `track()`. */
  tracked: number;
  /** Events currently in the memory queue. */
  queued: number;
  /** Events the server accepted. */
  sent: number;
  /** Events not kept by sampling (not a loss: kept events carry `attributes.sample_rate`). */
  sampledOut: number;
  /** Attribute values replaced by `__other__` (or dropped keys) by the cardinality guard. */
  cardinalityLimited: number;
  dropped: { total: number; byReason: Record<string, number> };
  requests: number;
  retries: number;
  batchesInFlight: number;
  spool: { enabled: boolean; files: number; bytes: number; events: number };
}
