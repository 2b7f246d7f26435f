import pino, { type Logger } from 'pino';
import { redactUrl } from './ops/redact-url.js';

/** Paths that may carry secrets; pino replaces them before anything is written. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
  '*.password',
  '*.emailPassword',
  '*.routingKey',
  'key',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const opts = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Fastify's request lines (PULSE_LOG_REQUESTS) log `req`: its URL may carry `?api_key=`.
    serializers: { req: serializeRequest },
  };
  return destination ? pino(opts, destination) : pino(opts);
}

/** A request as a log line shows it: method, URL with secrets redacted, id and caller's address. */
function serializeRequest(req: { method?: string; url?: string; id?: unknown; ip?: string }): Record<string, unknown> {
  return { method: req.method, url: typeof req.url === 'string' ? redactUrl(req.url) : undefined, reqId: req.id, remoteAddress: req.ip };
}
