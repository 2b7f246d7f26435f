/**
 * `GET /api/analytics/users` — active users (DAU series, WAU, MAU), new vs returning, week-by-week
 * cohort retention, session-length distribution and top users. A user is active on a day when any
 * event in scope carries their `user_id` (filter `type=message` to count only chatting users).
 */
import { bucketStarts, rfc3339 } from '../query/time.js';
import { DAY_MS, MetaBuilder, num, only, read, readRolled, round, WEEK_MS, type RolledInput } from './common.js';
import { activeSinceStatement, activeUsersStatement, cohortsStatement, sessionLengthsStatement, type ActiveUsers } from './duckdb/users.js';
import { statementsFor } from './duckdb/sql.js';
import { rolledUsersSeenBefore } from './user-rollups/read.js';
import { SESSION_LENGTH_BINS } from '../query/dimensions.js';

/** Monday 00:00 UTC of the week holding `ms` (ISO weeks, as the query layer's `week` interval). */
export function weekStart(ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  const isoDow = ((day + 3) % 7) + 1; // 1970-01-01 was a Thursday (4)
  return (day - (isoDow - 1)) * DAY_MS;
}

/**
 * Days of the active-users series at most: the latest ones of a longer range (whose earlier days hold no events
 * anyway: a range holding more than PULSE_QUERY_MAX_RANGE_DAYS, 400 by default, of events is refused).
 */
const MAX_DAYS = 1_000;

export interface UsersOptions {
  weeks: number;
  limit: number;
}

export async function userAnalytics(input: RolledInput, opts: UsersOptions) {
  const meta = new MetaBuilder(input.range);
  const { startMs, endMs } = input.range;
  const cohortStart = weekStart(endMs - 1) - (opts.weeks - 1) * WEEK_MS;
  // New in the range = users seen by its end − users seen before its start (exact, no per-user rows).
  const seenBefore = (ms: number): Promise<number> =>
    rolledUsersSeenBefore(input, ms) ?? read(input, { measures: ['unique_users'], range: { startMs: 0, endMs: ms } }).then((e) => num(only(e.rows).unique_users));
  // Active users over the last 7 and 30 days of the range: one read for each range other than the range's own.
  const [range, spans, wau, mau, everByEnd, everBeforeStart, activity] = await Promise.all([
    statementsFor(input, ['user_id']) ? activeUsersStatement(input, opts.limit) : activeUsersReads(input, opts.limit),
    statementsFor(input) ? sessionLengthsStatement(input) : read(input, { per: 'session', measures: ['sessions'], dimensions: ['session_length'] }),
    endMs - 7 * DAY_MS === startMs ? null : activeSince(input, endMs - 7 * DAY_MS),
    endMs - 30 * DAY_MS === startMs ? null : activeSince(input, endMs - 30 * DAY_MS),
    seenBefore(endMs),
    startMs > 0 ? seenBefore(startMs) : Promise.resolve(0),
    // Cohorts in the store: users by first week ever (all history) × each week active.
    input.userRollups === true && input.filters.length === 0 ? cohortsStatement(input, cohortStart) :
      read(input, { per: 'cohort', measures: ['cohort_users'], dimensions: ['cohort'], interval: 'week', range: { startMs: 0, endMs } }),
  ]);
  const { top } = range;
  meta.note('cohorts', activity);
  // Every UTC day of the range, a day without activity too (0 users), so dau_avg averages over the range's days.
  const usersOn = new Map(range.daily.map((r) => [num(r.bucket), num(r.unique_users)]));
  const days = bucketStarts(input.range, 'day', MAX_DAYS);
  if (days.truncated) meta.truncated.push('active.daily');
  const daily = days.starts.map((day) => ({ date: rfc3339(day).slice(0, 10), users: usersOn.get(day) ?? 0 }));

  const activeUsers = range.active;
  const newUsers = everByEnd - everBeforeStart;

  return {
    users: {
      active: {
        daily,
        dau_avg: daily.length > 0 ? round(daily.reduce((s, r) => s + r.users, 0) / daily.length, 1) : 0,
        wau: wau ?? activeUsers,
        mau: mau ?? activeUsers,
      },
      new_vs_returning: { active: activeUsers, new: newUsers, returning: activeUsers - newUsers },
      cohorts: cohortTable(activity.rows, cohortStart, opts.weeks, endMs),
      session_length_distribution: SESSION_LENGTH_BINS.map(([bucket]) => ({ bucket, sessions: num(spans.rows.find((r) => r.session_length === bucket)?.sessions) })),
      top_users: top.filter((r) => typeof r.user_id === 'string').slice(0, opts.limit).map((r) => ({
        user_id: r.user_id as string,
        events: num(r.count),
        sessions: num(r.unique_sessions),
        cost_usd: round(num(r.cost_usd), 6),
        last_seen: typeof r.last_seen === 'number' ? rfc3339(r.last_seen) : null,
      })),
    },
    meta: { ...meta.build(), cohort_start: rfc3339(cohortStart), weeks: opts.weeks, sessions: spans.rows.reduce((s, r) => s + num(r.sessions), 0) },
  };
}

export interface CohortRow {
  /** Monday of the cohort's first week, YYYY-MM-DD. */
  cohort: string;
  /** Users whose first event ever fell in that week. */
  size: number;
  /** retention[k]: share of the cohort active in week k after joining (k = 0 is 1 by definition). */
  retention: number[];
}

function cohortTable(
  rows: ReadonlyArray<Record<string, string | number | null>>,
  cohortStart: number,
  weeks: number,
  endMs: number,
): { weeks: number; rows: CohortRow[] } {
  const users = new Map<string, number>();
  for (const r of rows) if (typeof r.cohort === 'number' && typeof r.bucket === 'number') users.set(`${r.cohort}:${r.bucket}`, num(r.cohort_users));
  const out: CohortRow[] = [];
  for (let w = 0; w < weeks; w++) {
    const start = cohortStart + w * WEEK_MS;
    if (start >= endMs) break;
    // Every member is active in its first week, so the cohort's size is its week-0 count.
    const size = users.get(`${start}:${start}`) ?? 0;
    const retention: number[] = [];
    for (let k = 0; start + k * WEEK_MS < endMs; k++) {
      const kept = users.get(`${start}:${start + k * WEEK_MS}`) ?? 0;
      retention.push(size > 0 ? round(kept / size, 4)! : 0);
    }
    out.push({ cohort: rfc3339(start).slice(0, 10), size, retention });
  }
  return { weeks, rows: out };
}

/** Users active in [fromMs, the range's end). */
function activeSince(input: RolledInput, fromMs: number): Promise<number> {
  if (statementsFor(input, ['user_id'])) return activeSinceStatement(input, fromMs);
  return readRolled(input, { measures: ['unique_users'], range: { startMs: fromMs, endMs: input.range.endMs } }).then((e) => num(only(e.rows).unique_users));
}

/** Daily and range-wide active users and the top users from query-layer reads (any store, any filter). */
async function activeUsersReads(input: RolledInput, limit: number): Promise<ActiveUsers> {
  const [daily, active, top] = await Promise.all([
    readRolled(input, { measures: ['unique_users'], interval: 'day' }),
    activeSince(input, input.range.startMs),
    // One extra row: the group of events without a user_id may take a place, and is dropped.
    readRolled(input, { measures: ['count', 'unique_sessions', 'cost_usd', 'last_seen'], dimensions: ['user_id'], limit: limit + 1 }),
  ]);
  return { daily: daily.rows, active, top: top.rows };
}
