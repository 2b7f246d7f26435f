import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LIMITS } from '@pulse/protocol';
import { HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import { StoreUnavailableError } from '../store/types.js';
import type { ProjectSettingsCache } from '../projects/project-settings.js';
import { decodeBody, parseEvents } from './body.js';
import type { Enricher } from './enrich/enrich.js';
import { IdempotencyGuard, parseIdempotencyKey, type IngestResponse } from './idempotency.js';
import { prepareEvents } from './pipeline.js';
import { QueueFullError, ShuttingDownError, type WriteBuffer } from './write-buffer.js';

export interface IngestDeps extends AppDeps {
  buffer: WriteBuffer;
  enricher: Enricher;
  projects: ProjectSettingsCache;
}

const INGEST_PATHS = ['/v1/events', '/v1/client/usage/log'] as const;

/**
 * `POST /v1/events` and its seed-004 alias. The body is taken raw (so gzip, NDJSON and the 5 MB limit
 * are handled here, uniformly), parsed, validated per event, enriched, group-committed, and only then
 * answered: a 2xx means every accepted event is durable.
 */
export function registerIngestRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const guard = new IdempotencyGuard(deps.store);
  const retryAfter = String(deps.config.ingest.retryAfterSeconds);

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMITS.maxRequestBytes }, (_req, body, done) => {
      done(null, body);
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const project = request.pulseAuth!.project;
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (raw.length === 0) throw new HttpError(400, 'malformed_body', 'body: empty; send {"events": [...]}');

      const ingestOnce = async (): Promise<IngestResponse> => {
        const decoded = await decodeBody(raw, request.headers['content-encoding']);
        const raws = parseEvents(decoded, request.headers['content-type']);
        const settings = await deps.projects.get(project);
        const now = deps.clock.now();
        const { events, rejected } = prepareEvents(raws, project, now, deps.enricher, settings.storeText);
        const status = rejected.length > 0 ? 207 : 200;
        const body = JSON.stringify({ accepted: events.length, rejected });
        const idempotency = key ? [{ project, key, createdAt: now, status, response: body }] : undefined;
        if (events.length > 0 || idempotency) {
          await deps.buffer.submit({ events, ...(idempotency ? { idempotency } : {}) });
        }
        return { status, body };
      };

      try {
        const res = key ? await guard.run(project, key, ingestOnce) : { ...(await ingestOnce()), replayed: false };
        if (res.replayed) reply.header('idempotent-replayed', 'true');
        reply.code(res.status).type('application/json').send(res.body);
      } catch (err) {
        if (err instanceof QueueFullError) {
          throw new HttpError(429, 'overloaded', `${err.message}; retry after ${retryAfter}s`, { 'retry-after': retryAfter });
        }
        if (err instanceof HttpError) throw err;
        // Anything else on this path is the store's side (commit, idempotency or project lookup):
        // nothing was acknowledged, so the client may safely retry.
        const msg = err instanceof StoreUnavailableError || err instanceof ShuttingDownError ? err.message : 'store error';
        request.log.error({ err }, 'ingest failed');
        throw new HttpError(503, 'store_unavailable', `events were not stored: ${msg}`, { 'retry-after': retryAfter });
      }
    };

    for (const url of INGEST_PATHS) {
      scope.post(url, { config: { scope: 'ingest' } }, handler);
    }
  });
}
