import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { LIMITS } from '@pulse/protocol';
import { HttpError } from '../http/errors.js';
import { limitBodiesInFlight, type BodyBudget } from '../ops/body-budget.js';
import { StoreUnavailableError } from '../store/types.js';
import { QueueFullError, ShuttingDownError } from './write-buffer.js';

/**
 * Shared by the ingest routes (`/v1/events`, OTLP): bodies are taken raw, whatever their type, up to the
 * request limit, so decompression, the uncompressed limit and parsing happen in one place per route; the bodies
 * held at once are counted against `budget` (ops/body-budget.ts).
 */
export function acceptRawBodies(scope: FastifyInstance, budget: BodyBudget | undefined, retryAfterSeconds: number): void {
  if (budget !== undefined) limitBodiesInFlight(scope, budget, retryAfterSeconds);
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMITS.maxRequestBytes }, (_req, body, done) => {
    done(null, body);
  });
}

/**
 * What the client is told when ingesting failed after its body was understood: the client's own
 * mistakes (HttpError) unchanged, a full write queue as 429, anything else — the store's side (commit,
 * idempotency or project lookup) — as 503. Nothing was acknowledged, so the client may safely retry.
 */
export function ingestFailure(err: unknown, retryAfterSeconds: number, log: FastifyBaseLogger): HttpError {
  const retryAfter = String(retryAfterSeconds);
  if (err instanceof HttpError) return err;
  if (err instanceof QueueFullError) {
    return new HttpError(429, 'overloaded', `${err.message}; retry after ${retryAfter}s`, { 'retry-after': retryAfter });
  }
  const msg = err instanceof StoreUnavailableError || err instanceof ShuttingDownError ? err.message : 'store error';
  log.error({ err }, 'ingest failed');
  return new HttpError(503, 'store_unavailable', `events were not stored: ${msg}`, { 'retry-after': retryAfter });
}
