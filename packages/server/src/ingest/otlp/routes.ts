import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { decodeBody } from '../body.js';
import { IdempotencyGuard } from '../idempotency.js';
import { prepareEventsYielding } from '../pipeline.js';
import { acceptRawBodies, ingestFailure } from '../route-support.js';
import { holdDecodedBody } from '../../ops/body-budget.js';
import type { IngestDeps } from '../routes.js';
import { exportKey, type ExportAnswer } from './export-key.js';
import { decodeJsonRequest, encodeJsonResponse } from './json.js';
import { mapRequest, rejectionMessage } from './map-request.js';
import type { MapOptions } from './map-span.js';
import { OtlpDecodeError, OtlpTooManySpansError, type OtlpTraceRequest } from './model.js';
import { decodeProtobufRequest, encodeProtobufResponse } from './protobuf.js';
import { encodingOf, otlpErrorHandler, type OtlpEncoding } from './status.js';

/** `/v1/traces` for exporters given the server's root, `/v1/otlp/v1/traces` for those given `…/v1/otlp` as their base URL. */
export const OTLP_TRACE_PATHS = ['/v1/traces', '/v1/otlp/v1/traces'] as const;

function decode(encoding: OtlpEncoding, body: Buffer): OtlpTraceRequest {
  try {
    return encoding === 'protobuf' ? decodeProtobufRequest(body) : decodeJsonRequest(body);
  } catch (err) {
    if (err instanceof OtlpTooManySpansError) throw new HttpError(413, 'payload_too_large', err.message);
    if (err instanceof OtlpDecodeError) throw new HttpError(400, 'malformed_body', err.message);
    throw err;
  }
}

/**
 * Reading and mapping depend only on the request: anything they throw that is not already an HTTP
 * answer is about this request's content, so it is a 400 — never the 503 "retry later" of the commit
 * path, which would make an exporter resend the same request forever.
 */
export function unreadable<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asUnreadable(err);
  }
}

/** `unreadable` for work that yields to the event loop on the way (preparing a large batch). */
export async function unreadableAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asUnreadable(err);
  }
}

function asUnreadable(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  return new HttpError(400, 'malformed_body', `the request could not be read: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * OTLP/HTTP trace export. The spans are decoded, mapped to events (map-span.ts) and then take the
 * `/v1/events` path: the same validator, enricher, group commit and fan-out, and the answer only after
 * the commit — a 2xx means every accepted span is durable. Spans the validator refuses are counted in
 * `partial_success`; spans the configuration does not keep are dropped silently.
 */
export function registerOtlpRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const options: MapOptions = deps.config.otlp;
  const guard = new IdempotencyGuard(deps.store, deps.idempotencyClaims);

  const prepare = async (request: OtlpTraceRequest, project: string, storeText: boolean) => {
    const mapped = mapRequest(request, options);
    const { events, rejected } = await prepareEventsYielding(mapped.events, project, deps.clock.now(), deps.enricher, storeText);
    if (rejected.length > 0) deps.metrics?.self.invalidEvents(rejected.length);
    return { events, rejected, message: rejectionMessage(rejected, mapped.sources) };
  };

  app.register(async (scope) => {
    acceptRawBodies(scope, deps.bodies, deps.config.ingest.retryAfterSeconds);
    scope.setErrorHandler(otlpErrorHandler);

    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const encoding = encodingOf(request.headers['content-type']);
      if (encoding === null) {
        throw new HttpError(415, 'unsupported_media_type', 'Content-Type: OTLP/HTTP takes application/x-protobuf or application/json');
      }
      const project = request.pulseAuth!.project;
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      try {
        const body = await decodeBody(raw, request.headers['content-encoding']);
        if (body !== raw) holdDecodedBody(request, body.length, deps.bodies, deps.config.ingest.retryAfterSeconds);
        const settings = await deps.projects.get(project);
        // Decoded spans are dropped before waiting for the commit: only the events wait (less to copy at each GC).
        const { events, rejected, message } = await unreadableAsync(async () => prepare(decode(encoding, body), project, settings.storeText));
        let answer: ExportAnswer = { rejectedSpans: rejected.length, errorMessage: message };
        if (events.length > 0) {
          // A retried export (same body) is answered from the first attempt's record instead of being stored twice.
          const key = exportKey(body);
          const res = await guard.run(project, key, null, async (attempt) => {
            const response = JSON.stringify(answer);
            const idempotency = [{ project, key, createdAt: deps.clock.now(), status: 200, response, fingerprint: null }];
            await deps.buffer.submit({ events, idempotency }, { signal: attempt.signal, onSettled: attempt.holdUntilSettled() });
            return { status: 200, body: response };
          });
          if (res.replayed) {
            reply.header('idempotent-replayed', 'true');
            answer = JSON.parse(res.body) as ExportAnswer;
          }
        }
        if (encoding === 'protobuf') {
          reply.code(200).type('application/x-protobuf').send(Buffer.from(encodeProtobufResponse(answer.rejectedSpans, answer.errorMessage)));
        } else {
          reply.code(200).type('application/json').send(encodeJsonResponse(answer.rejectedSpans, answer.errorMessage));
        }
      } catch (err) {
        throw ingestFailure(err, deps.config.ingest.retryAfterSeconds, request.log);
      }
    };

    for (const url of OTLP_TRACE_PATHS) scope.post(url, { config: { scope: 'ingest' } }, handler);
  });
}
