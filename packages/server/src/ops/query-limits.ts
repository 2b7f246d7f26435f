import { badRequest } from '../http/errors.js';
import type { TimeRange } from '../query/types.js';

const DAY_MS = 86_400_000;

export interface RangeLimit {
  maxDays: number;
  /** Events older than the retention horizon are gone: that part of a range costs nothing. */
  retentionDays: number;
  now: number;
}

/**
 * The maximum range per query (`PULSE_QUERY_MAX_RANGE_DAYS`): the part of `start_date`..`end_date` that can hold
 * events (within retention, not in the future) may span at most that many days; a wider one is the caller's to
 * narrow — a 400 naming `start_date`, before any SQL runs. So "everything" (`start_date=2000-01-01`) stays cheap
 * with the default 30-day retention; the query timeout bounds what any allowed range costs.
 */
export function assertRange(range: TimeRange, limit: RangeLimit): void {
  const start = Math.max(range.startMs, limit.now - limit.retentionDays * DAY_MS);
  const end = Math.min(range.endMs, limit.now);
  if (end - start > limit.maxDays * DAY_MS) {
    throw badRequest('start_date', `the range holds more than ${limit.maxDays} days of events (PULSE_QUERY_MAX_RANGE_DAYS); narrow start_date..end_date`);
  }
}

/** The server's limit now: PULSE_QUERY_MAX_RANGE_DAYS over what METRICS_RETENTION_DAYS keeps. */
export function rangeLimitOf(deps: { config: { limits: { queryMaxRangeDays: number }; retentionDays: number }; clock: { now(): number } }): RangeLimit {
  return { maxDays: deps.config.limits.queryMaxRangeDays, retentionDays: deps.config.retentionDays, now: deps.clock.now() };
}
