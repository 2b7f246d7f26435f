import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { decodeBody } from '../body.js';
import { prepareEventsYielding } from '../pipeline.js';
import { acceptRawBodies, ingestFailure } from '../route-support.js';
import { holdDecodedBody } from '../../ops/body-budget.js';
import type { IngestDeps } from '../routes.js';
import { decodeJsonRequest, encodeJsonResponse } from './json.js';
import { mapRequest, rejectionMessage } from './map-request.js';
import type { MapOptions } from './map-span.js';
import { OtlpDecodeError, type OtlpTraceRequest } from './model.js';
import { decodeProtobufRequest, encodeProtobufResponse } from './protobuf.js';
import { encodingOf, otlpErrorHandler, type OtlpEncoding } from './status.js';

/** `/v1/traces` for exporters given the server's root, `/v1/otlp/v1/traces` for those given `…/v1/otlp` as their base URL. */
export const OTLP_TRACE_PATHS = ['/v1/traces', '/v1/otlp/v1/traces'] as const;

function decode(encoding: OtlpEncoding, body: Buffer): OtlpTraceRequest {
  try {
    return encoding === 'protobuf' ? decodeProtobufRequest(body) : decodeJsonRequest(body);
  } catch (err) {
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
        if (events.length > 0) await deps.buffer.submit({ events });
        if (encoding === 'protobuf') {
          reply.code(200).type('application/x-protobuf').send(Buffer.from(encodeProtobufResponse(rejected.length, message)));
        } else {
          reply.code(200).type('application/json').send(encodeJsonResponse(rejected.length, message));
        }
      } catch (err) {
        throw ingestFailure(err, deps.config.ingest.retryAfterSeconds, request.log);
      }
    };

    for (const url of OTLP_TRACE_PATHS) scope.post(url, { config: { scope: 'ingest' } }, handler);
  });
}
