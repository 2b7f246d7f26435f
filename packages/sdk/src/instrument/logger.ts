import pino from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

export interface LoggerPresetOptions {
  service: string;
  environment?: string | undefined;
  /** Default `LOG_LEVEL`-style value passed by the host; `info` when unset. */
  level?: string;
  /** Extra paths to redact, pino syntax (`req.body.card`, `*.ssn`). */
  redact?: string[];
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

const SECRET_KEYS = [
  'authorization', 'Authorization', 'cookie', 'set-cookie', 'x-api-key', 'apiKey', 'api_key', 'apikey',
  'password', 'passwd', 'secret', 'clientSecret', 'client_secret', 'token', 'accessToken', 'access_token',
  'refreshToken', 'refresh_token', 'idToken', 'id_token', 'privateKey', 'private_key', 'sentryDsn', 'dsn',
];

/** Every secret key at the top level, one level down, and in request/response headers. */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.map((k) => (/^[A-Za-z_]\w*$/.test(k) ? k : `["${k}"]`)),
  ...SECRET_KEYS.map((k) => (/^[A-Za-z_]\w*$/.test(k) ? `*.${k}` : `*["${k}"]`)),
  ...['req.headers', 'request.headers', 'res.headers', 'headers'].flatMap((h) =>
    ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'proxy-authorization'].map((k) => `${h}["${k}"]`),
  ),
];

/**
 * seed 002's structured logging: a pino logger whose every line names the service (and environment),
 * with secrets — authorization headers, cookies, API keys, passwords, tokens — replaced by `[REDACTED]`.
 */
export function createLogger(opts: LoggerPresetOptions): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service: opts.service, ...(opts.environment ? { environment: opts.environment } : {}), pid: process.pid },
    redact: { paths: [...REDACT_PATHS, ...(opts.redact ?? [])], censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
