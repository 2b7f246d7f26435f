import { HttpError } from '../../http/errors.js';

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'malformed_body', 'body: expected a JSON object');
  }
  return body as Record<string, unknown>;
}

/** `since`/`starts_at`/`ends_at`: RFC 3339, epoch milliseconds, or a duration ago (`24h`) for `since`. */
export function parseTime(param: string, value: string, now: number, durationAgo: (v: string) => number | null): number {
  if (/^\d{10,}$/.test(value)) return Number(value);
  const ago = durationAgo(value);
  if (ago !== null) return now - ago;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HttpError(400, 'invalid_parameter', `${param}: expected RFC 3339, epoch ms or a duration such as 24h`);
  return ms;
}
