/**
 * conversation_analytics' session and user figures in one statement: the range's `message` rows grouped once per
 * (user, session), then sessions, their spans, users with more than one session, and the previous period's users
 * kept in the range — what five reads and a comparison of their per-user rows gave.
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
  const sql = `WITH us AS MATERIALIZED (
      SELECT user_id, session_id, sum(n) AS n, min(first_ts) AS f, max(last_ts) AS l FROM (${current}) AS u GROUP BY user_id, session_id),
    users AS MATERIALIZED (SELECT user_id, count(session_id) AS k FROM us WHERE user_id IS NOT NULL GROUP BY user_id),
    sess AS MATERIALIZED (SELECT epoch_ms(max(l)) - epoch_ms(min(f)) AS span FROM us WHERE session_id IS NOT NULL GROUP BY session_id),
    prev AS MATERIALIZED (SELECT DISTINCT user_id FROM (${before}) AS p WHERE user_id IS NOT NULL)
    SELECT (SELECT count(*) FROM sess) AS sessions, (SELECT avg(span) FROM sess) AS avg_session_ms,
      (SELECT sum(n) FROM us WHERE session_id IS NOT NULL) AS session_events,
      (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM users WHERE k > 1) AS repeat_users,
      (SELECT count(*) FROM prev) AS previous_users, (SELECT count(*) FROM prev JOIN users USING (user_id)) AS retained_users`;
  const [r = {}] = await run(input, sql, b);
  return {
    sessions: n(r.sessions), sessionEvents: n(r.session_events), avgSessionMs: nOrNull(r.avg_session_ms),
    users: n(r.users), repeatUsers: n(r.repeat_users), previousUsers: n(r.previous_users), retainedUsers: n(r.retained_users),
    truncatedReads: 0,
  };
}
