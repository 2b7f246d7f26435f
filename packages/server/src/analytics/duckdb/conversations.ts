/**
 * conversation_analytics' session and user figures in one statement: the range's `message` rows grouped per session
 * (sessions, their spans and messages) and per user (users, those with more than one session), and the previous
 * period's users kept in the range — what five reads and a comparison of their per-user rows gave.
 */
import type { TimeRange } from '../../query/types.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_SESSION_DAY } from '../user-rollups/tables.js';
import { MESSAGE } from '../vocabulary.js';
import { binder, n, nOrNull, run, userRows } from './sql.js';

export interface SessionFigures {
  /** Distinct sessions, and the messages that carry one. */
  sessions: number;
  sessionEvents: number;
  avgSessionMs: number | null;
  /** Users who sent messages in the range, those with more than one session, those of `previous`, and those of both. */
  users: number;
  repeatUsers: number;
  previousUsers: number;
  retainedUsers: number;
  /** Per-user reads cut at GROUP_LIMIT (the query-layer reads only). */
  truncatedReads: number;
}

export async function sessionStatement(input: RolledInput, previous: TimeRange): Promise<SessionFigures> {
  const b = binder();
  const messages = [{ field: 'type' as const, values: [MESSAGE] }];
  const current = userRows(input, b, USER_SESSION_DAY, input.range, messages);
  const before = userRows(input, b, USER_SESSION_DAY, previous, messages);
  // The rows are grouped once per session (its span and messages) and once per user — who has more than one session
  // when the least and the greatest of their session ids differ (both skip NULLs, as a distinct count does): ~5k user
  // groups instead of a second pass over the ~310k (user, session) groups at 30 days.
  const sql = `WITH u AS MATERIALIZED (SELECT user_id, session_id, n, first_ts, last_ts FROM (${current}) AS c),
    sess AS MATERIALIZED (
      SELECT epoch_ms(max(last_ts)) - epoch_ms(min(first_ts)) AS span, sum(n) AS n FROM u WHERE session_id IS NOT NULL GROUP BY session_id),
    users AS MATERIALIZED (SELECT user_id, min(session_id) < max(session_id) AS repeat FROM u WHERE user_id IS NOT NULL GROUP BY user_id),
    prev AS MATERIALIZED (SELECT DISTINCT user_id FROM (${before}) AS p WHERE user_id IS NOT NULL)
    SELECT (SELECT count(*) FROM sess) AS sessions, (SELECT avg(span) FROM sess) AS avg_session_ms,
      (SELECT sum(n) FROM sess) AS session_events,
      (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM users WHERE repeat) AS repeat_users,
      (SELECT count(*) FROM prev) AS previous_users, (SELECT count(*) FROM prev JOIN users USING (user_id)) AS retained_users`;
  const [r = {}] = await run(input, sql, b);
  return {
    sessions: n(r.sessions), sessionEvents: n(r.session_events), avgSessionMs: nOrNull(r.avg_session_ms),
    users: n(r.users), repeatUsers: n(r.repeat_users), previousUsers: n(r.previous_users), retainedUsers: n(r.retained_users),
    truncatedReads: 0,
  };
}
