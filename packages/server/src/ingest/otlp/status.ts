/**
 * Failures on the OTLP routes are answered as the OTLP specification asks: the HTTP status, and a
 * `google.rpc.Status` body in the request's encoding (protobuf for protobuf, JSON otherwise) — the
 * Collector and the SDK exporters log its message. The JSON form also carries Pulse's usual
 * `{"error": {"code", "message"}}`, so both kinds of client find what they read.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { encodeProtobufStatus } from './protobuf.js';

export type OtlpEncoding = 'protobuf' | 'json';

/** The request's encoding by Content-Type; null for anything OTLP/HTTP does not define. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  return null;
}

/** google.rpc.Code for an HTTP status (the mapping of google/rpc/code.proto). */
function grpcCode(status: number): number {
  switch (status) {
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 5; // NOT_FOUND
    case 429: return 8; // RESOURCE_EXHAUSTED
    case 503: return 14; // UNAVAILABLE
    default: return status >= 500 ? 13 /* INTERNAL */ : 3; // INVALID_ARGUMENT
  }
}

function send(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string): void {
  reply.code(status);
  if (encodingOf(request.headers['content-type']) === 'protobuf') {
    reply.type('application/x-protobuf').send(Buffer.from(encodeProtobufStatus(grpcCode(status), message)));
  } else {
    reply.type('application/json').send({ code: grpcCode(status), message, error: { code, message } });
  }
}

/** The OTLP routes' error handler (the app's own mapping, rendered as a Status). */
export function otlpErrorHandler(err: FastifyError | HttpError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof HttpError) {
    reply.headers(err.headers);
    send(request, reply, err.statusCode, err.code, err.message);
    return;
  }
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    send(request, reply, 413, 'payload_too_large', 'body: larger than the request limit (5 MB)');
    return;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    send(request, reply, e.statusCode, 'bad_request', e.message ?? 'bad request');
    return;
  }
  request.log.error({ err }, 'unhandled error');
  send(request, reply, 500, 'internal', 'internal error');
}
