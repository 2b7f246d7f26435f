/**
 * The analytics endpoints' own controls on top of the common range and filters (query/params.ts):
 * small bounded integers and the user id of the drill-down. Each bad value is a 400 naming it.
 */
import { LIMITS } from '@pulse/protocol';
import { badRequest } from '../http/errors.js';

export interface IntControl {
  min: number;
  max: number;
  fallback: number;
}

export const CONTROLS = {
  /** Users listed by /users/preferences (a user_id filter holds ≤ 100 values). */
  preferencesLimit: { min: 1, max: 100, fallback: 20 },
  /** Top users of /users and users of /margin. */
  limit: { min: 1, max: 1000, fallback: 20 },
  /** Cohort weeks of /users. */
  weeks: { min: 1, max: 26, fallback: 8 },
} as const satisfies Record<string, IntControl>;

export function parseIntControl(name: string, raw: string | undefined, c: IntControl): number {
  if (raw === undefined) return c.fallback;
  if (!/^[0-9]{1,7}$/.test(raw)) throw badRequest(name, `must be an integer from ${c.min} to ${c.max}`);
  const n = Number(raw);
  if (n < c.min || n > c.max) throw badRequest(name, `must be an integer from ${c.min} to ${c.max}`);
  return n;
}

/** The `{id}` of `/api/analytics/users/{id}`: any user_id an event may carry. */
export function parseUserId(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw badRequest('id', 'is required');
  if (raw.length > LIMITS.maxDimensionLength) throw badRequest('id', `must be at most ${LIMITS.maxDimensionLength} characters`);
  return raw;
}
