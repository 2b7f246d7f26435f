import { LIMITS } from '@pulse/protocol';
import type { EventInput } from '@pulse/protocol';
import type { FetchLike, PulseClientOptions, SdkLogger } from './types.js';
import { defaultLogger } from './log.js';
import { createNodeHttpFetch } from './node-http-fetch.js';
import { validateEvent } from './validate.js';
import type { NodeHttpFetch } from './node-http-fetch.js';

export const DEFAULT_URL = 'http://127.0.0.1:8000';

export interface ResolvedOptions {
  endpoint: string;
  apiKey: string | undefined;
  batchSize: number;
  flushIntervalMs: number;
  maxQueueSize: number;
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
  requestTimeoutMs: number;
  maxConcurrentRequests: number;
  shutdownTimeoutMs: number;
  spoolDir: string | undefined;
  spoolMaxBytes: number;
  sampling: ReadonlyMap<string, number>;
  maxAttributeCardinality: number;
  defaults: Partial<EventInput>;
  fetch: FetchLike;
  /** Releases the default fetch's kept-alive sockets at shutdown. */
  closeFetch: () => void;
  logger: SdkLogger;
}

function positiveInt(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`PulseClient option ${name} must be an integer between 1 and ${max}, got ${value}`);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`PulseClient option ${name} must be a number >= 0, got ${value}`);
  }
  return value;
}

function resolveSampling(sampling: Record<string, number> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [type, rate] of Object.entries(sampling ?? {})) {
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new RangeError(`PulseClient option sampling.${type} must be between 0 and 1, got ${rate}`);
    }
    if (rate < 1) out.set(type, rate);
  }
  return out;
}

/**
 * Applies defaults. Misconfiguration throws here, at construction, where the host developer sees it;
 * nothing after construction throws into the host.
 */
export function resolveOptions(opts: PulseClientOptions): ResolvedOptions {
  // The SDK constructor is the host app's entry point into Pulse, so reading its environment is allowed here.
  const env = opts.env ?? process.env;
  const url = (opts.url ?? env.PULSE_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`PulseClient option url is not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`PulseClient option url must be http(s), got ${parsed.protocol}`);
  }
  const apiKey = opts.apiKey ?? (env.PULSE_API_KEY || undefined);
  const defaults = { ...(opts.defaults ?? {}) };
  const checked = validateEvent({ type: 'metric', ...defaults }, Date.now());
  if (!checked.ok) throw new TypeError(`PulseClient option defaults.${checked.field}: ${checked.reason}`);
  const nodeFetch = opts.fetch ? undefined : createNodeHttpFetch();
  const maxQueueSize = positiveInt('maxQueueSize', opts.maxQueueSize, 10_000);
  return {
    endpoint: `${url}/v1/events`,
    apiKey,
    // A batch never outgrows the queue (as OpenTelemetry's batch processor caps it): a larger one could never fill,
    // and events would wait for the timer while new ones were dropped as queue_full.
    batchSize: Math.min(positiveInt('batchSize', opts.batchSize, 100, LIMITS.maxEventsPerRequest), maxQueueSize),
    flushIntervalMs: positiveInt('flushIntervalMs', opts.flushIntervalMs, 30_000),
    maxQueueSize,
    maxRetries: nonNegative('maxRetries', opts.maxRetries, 8),
    initialBackoffMs: nonNegative('initialBackoffMs', opts.initialBackoffMs, 500),
    maxBackoffMs: nonNegative('maxBackoffMs', opts.maxBackoffMs, 30_000),
    maxRetryAfterMs: nonNegative('maxRetryAfterMs', opts.maxRetryAfterMs, 300_000),
    requestTimeoutMs: positiveInt('requestTimeoutMs', opts.requestTimeoutMs, 10_000),
    maxConcurrentRequests: positiveInt('maxConcurrentRequests', opts.maxConcurrentRequests, 2, 64),
    shutdownTimeoutMs: nonNegative('shutdownTimeoutMs', opts.shutdownTimeoutMs, 10_000),
    spoolDir: opts.spoolDir,
    spoolMaxBytes: positiveInt('spoolMaxBytes', opts.spoolMaxBytes, 100 * 1024 * 1024),
    sampling: resolveSampling(opts.sampling),
    maxAttributeCardinality: positiveInt('maxAttributeCardinality', opts.maxAttributeCardinality, 1000),
    defaults,
    fetch: opts.fetch ?? (nodeFetch as NodeHttpFetch).fetch,
    closeFetch: nodeFetch ? nodeFetch.close : () => {},
    logger: opts.logger ?? defaultLogger(),
  };
}
