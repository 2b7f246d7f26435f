import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import type { ProjectSettingsCache } from '../projects/project-settings.js';
import { decodeBody, parseEvents } from './body.js';
import type { Enricher } from './enrich/enrich.js';
import { bodyFingerprint, IdempotencyGuard, parseIdempotencyKey, type ClaimedAttempt, type IngestResponse } from './idempotency.js';
import type { IdempotencyClaims } from './idempotency-claims.js';
import { prepareEventsYielding } from './pipeline.js';
import { acceptRawBodies, ingestFailure } from './route-support.js';
import type { WriteBuffer } from './write-buffer.js';
import type { SelfMetrics } from '../metrics/self-metrics.js';
import { holdDecodedBody, type BodyBudget } from '../ops/body-budget.js';

export interface IngestDeps extends AppDeps {
  buffer: WriteBuffer;
  enricher: Enricher;
  projects: ProjectSettingsCache;
  /** Counts events that failed validation (`pulse_ingest_events_rejected_total{reason="invalid"}`). */
  metrics?: { self: Pick<SelfMetrics, 'invalidEvents'> };
  /** The memory budget of the bodies held at once (`PULSE_INGEST_INFLIGHT_MB`), shared by every ingest route. */
  bodies?: BodyBudget;
  /**
   * Who holds an `Idempotency-Key` now: shared by the instances when they share the event store (PostgreSQL,
   * store/postgres/idempotency-claims.ts); default: this process only.
   */
  idempotencyClaims?: IdempotencyClaims;
}

const INGEST_PATHS = ['/v1/events', '/v1/client/usage/log'] as const;

/**
 * `POST /v1/events` and its seed-004 alias. The body is taken raw (so gzip, NDJSON and the 5 MB limit
 * are handled here, uniformly), parsed, validated per event, enriched, group-committed, and only then
 * answered: a 2xx means every accepted event is durable.
 */
export function registerIngestRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const guard = new IdempotencyGuard(deps.store, deps.idempotencyClaims);

  app.register(async (scope) => {
    acceptRawBodies(scope, deps.bodies, deps.config.ingest.retryAfterSeconds);

    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const project = request.pulseAuth!.project;
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (raw.length === 0) throw new HttpError(400, 'malformed_body', 'body: empty; send {"events": [...]}');

      const ingestOnce = async (decoded: Buffer, fingerprint: string | null, attempt?: ClaimedAttempt): Promise<IngestResponse> => {
        const raws = parseEvents(decoded, request.headers['content-type']);
        const settings = await deps.projects.get(project);
        const now = deps.clock.now();
        const { events, rejected } = await prepareEventsYielding(raws, project, now, deps.enricher, settings.storeText);
        if (rejected.length > 0) deps.metrics?.self.invalidEvents(rejected.length);
        const status = rejected.length > 0 ? 207 : 200;
        const body = JSON.stringify({ accepted: events.length, rejected });
        const idempotency = key ? [{ project, key, createdAt: now, status, response: body, fingerprint }] : undefined;
        if (events.length > 0 || idempotency) {
          await deps.buffer.submit(
            { events, ...(idempotency ? { idempotency } : {}) },
            attempt ? { signal: attempt.signal, onSettled: attempt.holdUntilSettled() } : {},
          );
        }
        return { status, body };
      };

      try {
        const decoded = await decodeBody(raw, request.headers['content-encoding']);
        if (decoded !== raw) holdDecodedBody(request, decoded.length, deps.bodies, deps.config.ingest.retryAfterSeconds);
        const fingerprint = key ? bodyFingerprint(decoded) : null;
        const res = key
          ? await guard.run(project, key, fingerprint, (attempt) => ingestOnce(decoded, fingerprint, attempt))
          : { ...(await ingestOnce(decoded, null)), replayed: false };
        if (res.replayed) reply.header('idempotent-replayed', 'true');
        reply.code(res.status).type('application/json').send(res.body);
      } catch (err) {
        throw ingestFailure(err, deps.config.ingest.retryAfterSeconds, request.log);
      }
    };

    for (const url of INGEST_PATHS) {
      scope.post(url, { config: { scope: 'ingest' } }, handler);
    }
  });
}
