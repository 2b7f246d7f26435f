import { HttpError } from '../../http/errors.js';

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'malformed_body', 'body: expected a JSON object');
  }
  return body as Record<string, unknown>;
}

/** `since`/`starts_at`/`ends_at`: RFC 3339, epoch milliseconds, or a duration ago (`24h`) for `since`. */
export function parseTime(param: string, value: string, now: number, durationAgo: (v: string) => number | null): number {
  const ms = /^\d{10,}$/.test(value) ? Number(value) : readTime(value, now, durationAgo);
  if (Number.isNaN(ms)) throw new HttpError(400, 'invalid_parameter', `${param}: expected RFC 3339, epoch ms or a duration such as 24h`);
  if (!isDateMs(ms)) throw new HttpError(400, 'invalid_parameter', `${param}: out of the range of dates (years 1970 ± 270,000)`);
  return ms;
}

function readTime(value: string, now: number, durationAgo: (v: string) => number | null): number {
  const ago = durationAgo(value);
  return ago !== null ? now - ago : Date.parse(value);
}

/** Whether a time is one a date can hold (ECMAScript's ±8.64e15 ms): beyond it, writing it as RFC 3339 throws. */
export function isDateMs(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}
