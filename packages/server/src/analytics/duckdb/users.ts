/**
 * The users view's daily and range-wide active users and its top users in one statement: user_day rows (one per
 * user and day; raw events at the range's edges) grouped once per (day, user) give the daily series, the active
 * users and each user's events, cost and last event; distinct sessions — the one figure that needs the per-session
 * rows — are counted for the top users only (three reads before, one of them over every user's sessions).
 */
import type { NamedRow } from '../../query/run.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_DAY, USER_SESSION_DAY } from '../user-rollups/tables.js';
import { binder, byPart, n, run, s, userRows } from './sql.js';

export interface ActiveUsers {
  /** Active users per UTC day, in day order (`bucket`, `unique_users`). */
  daily: NamedRow[];
  active: number;
  /** The `limit` users with most events (`user_id`, `count`, `unique_sessions`, `cost_usd`, `last_seen`), most first. */
  top: NamedRow[];
}

/** For filters on user_id only (user_day has no other key). */
export async function activeUsersStatement(input: RolledInput, limit: number): Promise<ActiveUsers> {
  const b = binder();
  const days = userRows(input, b, USER_DAY, input.range);
  const sessions = userRows(input, b, USER_SESSION_DAY, input.range);
  const sql = `WITH du AS MATERIALIZED (
      SELECT day, user_id, sum(n) AS n, sum(cost_usd) AS cost_usd, max(last_ts) AS l FROM (${days}) AS u GROUP BY day, user_id),
    top AS MATERIALIZED (
      SELECT user_id, sum(n) AS n, coalesce(sum(cost_usd), 0) AS cost_usd, epoch_ms(max(l)) AS last_seen,
        row_number() OVER (ORDER BY sum(n) DESC, user_id ASC) AS ord
      FROM du GROUP BY user_id QUALIFY ord <= ${b.bind(limit)}),
    sess AS (SELECT user_id, count(DISTINCT session_id) AS k FROM (${sessions}) AS u WHERE user_id IN (SELECT user_id FROM top) GROUP BY user_id)
    SELECT 'daily' AS part, epoch_ms(day) AS bucket, count(*) AS users, row_number() OVER (ORDER BY day) AS ord FROM du GROUP BY day
    UNION ALL BY NAME SELECT 'active' AS part, count(DISTINCT user_id) AS users FROM du
    UNION ALL BY NAME SELECT 'top' AS part, user_id, n AS events, coalesce(k, 0) AS sessions, cost_usd, last_seen, ord FROM top LEFT JOIN sess USING (user_id)`;
  const parts = byPart(await run(input, sql, b));
  return {
    daily: (parts.get('daily') ?? []).map((r) => ({ bucket: n(r.bucket), unique_users: n(r.users) })),
    active: n(parts.get('active')?.[0]?.users),
    top: (parts.get('top') ?? []).map((r) => ({
      user_id: s(r.user_id), count: n(r.events), unique_sessions: n(r.sessions), cost_usd: n(r.cost_usd), last_seen: typeof r.last_seen === 'number' ? r.last_seen : null,
    })),
  };
}
