import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PulseConfig } from '../config/types.js';
import { errorBody, HttpError } from '../http/errors.js';
import { StoreUnavailableError } from '../store/types.js';

/**
 * Cross-cutting protections of the HTTP API (docs/operations.md#limits): the shutdown answer, store failures
 * as 503, and per-key rate limits. Registered by http/app.ts before any route.
 */

/**
 * While the server drains, new requests get Pulse's error shape with `Retry-After` (Fastify's own
 * return503OnClosing answers a fixed body without it, so it is off). Requests already in flight finish.
 */
export function registerShutdownGuard(app: FastifyInstance, retryAfterSeconds: number): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply
      .code(503)
      .headers({ 'retry-after': String(retryAfterSeconds), connection: 'close' })
      .send(errorBody('shutting_down', 'the server is shutting down; retry on another instance or after the restart'));
    return reply;
  });
}

/**
 * A store that cannot answer (closed, failed, a query past its time limit) is the server's condition, not the
 * client's mistake: 503 with `Retry-After`, and a message that never echoes SQL or a secret.
 */
export function storeUnavailable(err: unknown, retryAfterSeconds: number): HttpError | null {
  if (!(err instanceof StoreUnavailableError) && !isEngineError(err)) return null;
  const retryAfter = { 'retry-after': String(retryAfterSeconds) };
  if (err instanceof StoreUnavailableError && err.name === 'QueryTimeoutError') {
    return new HttpError(503, 'query_timeout', 'the query took longer than the limit (PULSE_QUERY_TIMEOUT_MS); narrow the range or filters', retryAfter);
  }
  return new HttpError(503, 'store_unavailable', 'the store cannot answer right now', retryAfter);
}

/** DuckDB's errors (`IO Error: …`, `Connection Error: …`) reach routes as plain Errors from the binding. */
function isEngineError(err: unknown): boolean {
  return err instanceof Error && /^(IO|Connection|Interrupt|FATAL|Out of Memory|Catalog|Transaction|Invalid Input|Internal) Error/i.test(err.message);
}

type Kind = 'ingest' | 'query';

/** Which budget a request draws on: ingest routes, read routes; admin and public routes are not limited. */
function kindOf(request: FastifyRequest): Kind | null {
  const scope = request.routeOptions.config?.scope;
  if (scope === 'ingest') return 'ingest';
  if (scope === 'read') return 'query';
  return null;
}

/**
 * Per-key limits (`PULSE_RATE_LIMIT_INGEST`, `PULSE_RATE_LIMIT_QUERY` per minute): 429 with `Retry-After` in
 * Pulse's error shape. Counted after authentication (by key id; the admin key is one key), before the body is
 * read. The no-key loopback mode has no keys to limit.
 */
export async function registerRateLimits(app: FastifyInstance, config: PulseConfig): Promise<void> {
  const perMinute: Record<Kind, number> = { ingest: config.limits.ingestPerMinute, query: config.limits.queryPerMinute };
  await app.register(rateLimit, {
    global: true,
    hook: 'preParsing',
    timeWindow: 60_000,
    keyGenerator: (request) => `${kindOf(request) ?? 'none'}:${request.pulseAuth?.keyId ?? 'admin'}`,
    allowList: (request) => {
      const kind = kindOf(request);
      if (kind === null || perMinute[kind] <= 0) return true;
      return !config.apiKey && request.pulseAuth?.keyId == null;
    },
    max: (request) => perMinute[kindOf(request) ?? 'query'] || 1,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `more than ${context.max} requests per minute with this key; retry after ${context.after}`, {
        'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))),
      }),
  });
}
