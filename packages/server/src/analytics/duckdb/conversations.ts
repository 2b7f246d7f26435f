/**
 * conversation_analytics' session and user figures in one statement: the range's `message` rows grouped per session
 * (sessions, their spans and messages) and per user (users, those with more than one session), and the previous
 * period's users kept in the range — what five reads and a comparison of their per-user rows gave.
 */
import type { TimeRange } from '../../query/types.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_SESSION_DAY } from '../user-rollups/tables.js';
import { MESSAGE } from '../vocabulary.js';
import { rolledSpan } from '../user-rollups/source.js';
import { createTable, rawRows, n, nOrNull, run, userRows, rolledRows, withWholeHours, type Binder, sessionHits } from './sql.js';

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

export function sessionStatement(input: RolledInput, previous: TimeRange): Promise<SessionFigures> {
  const messages = [{ field: 'type' as const, values: [MESSAGE] }];
  const previousSpan = rolledSpan(USER_SESSION_DAY, previous);
  return withWholeHours(input, `conversations ${JSON.stringify(previousSpan)}`, USER_SESSION_DAY, ['spans', 'totals', 'users', 'previous'],
    (span, t) => [
      // Per session: its first and last message and messages; per user: least and greatest session.
      createTable(t.spans!, (b) => `SELECT session_id, hash(session_id) AS h, min(first_ts) AS f, max(last_ts) AS l, sum(n) AS n
        FROM (${rolledRows(input, b, USER_SESSION_DAY, span, messages, ['session_id IS NOT NULL'])}) AS u GROUP BY session_id`),
      createTable(t.totals!, () => `SELECT count(*) AS sessions, coalesce(sum(epoch_ms(l) - epoch_ms(f)), 0) AS span, coalesce(sum(n), 0) AS n FROM ${t.spans}`),
      createTable(t.users!, (b) => `SELECT user_id, min(session_id) AS s0, max(session_id) AS s1
        FROM (${rolledRows(input, b, USER_SESSION_DAY, span, messages, ['user_id IS NOT NULL'])}) AS u GROUP BY user_id`),
      createTable(t.previous!, (b) => previousSpan === null ? 'SELECT NULL::VARCHAR AS user_id WHERE false'
        : `SELECT DISTINCT user_id FROM (${rolledRows(input, b, USER_SESSION_DAY, previousSpan, messages, ['user_id IS NOT NULL'])}) AS u`),
    ],
    (t, b) => {
      const current = rawRows(input, b, USER_SESSION_DAY, input.range, messages);
      const before = previousSpan === null ? userRows(input, b, USER_SESSION_DAY, previous, messages) : rawRows(input, b, USER_SESSION_DAY, previous, messages);
      const span = (f: string, l: string) => `epoch_ms(${l}) - epoch_ms(${f})`;
      // Sessions of the rest that the whole hours hold too: counted once, their span from both.
      const sql = `WITH u AS MATERIALIZED (SELECT user_id, session_id, n, first_ts, last_ts FROM (${current}) AS c),
        e AS MATERIALIZED (SELECT session_id, min(first_ts) AS f, max(last_ts) AS l, sum(n) AS n FROM u WHERE session_id IS NOT NULL GROUP BY session_id),
        hit AS MATERIALIZED (${sessionHits(t.spans!, 'session_id, f, l')}),
        m AS MATERIALIZED (
          SELECT count(*) FILTER (WHERE hit.f IS NULL) AS new_sessions, coalesce(sum(e.n), 0) AS n,
            coalesce(sum(${span('least(e.f, hit.f)', 'greatest(e.l, hit.l)')}), 0) - coalesce(sum(${span('hit.f', 'hit.l')}), 0) AS span
          FROM e LEFT JOIN hit USING (session_id)),
        sess AS MATERIALIZED (SELECT t.sessions + m.new_sessions AS sessions, t.span + m.span AS span, t.n + m.n AS n FROM ${t.totals} AS t, m),
        users AS MATERIALIZED (
          SELECT user_id, min(s0) < max(s1) AS repeat FROM (SELECT user_id, s0, s1 FROM ${t.users}
            UNION ALL SELECT user_id, session_id AS s0, session_id AS s1 FROM u WHERE user_id IS NOT NULL) AS x GROUP BY user_id),
        prev AS MATERIALIZED (SELECT user_id FROM ${t.previous} UNION SELECT user_id FROM (${before}) AS p WHERE user_id IS NOT NULL)
        SELECT (SELECT sessions FROM sess) AS sessions, (SELECT span / NULLIF(sessions, 0) FROM sess) AS avg_session_ms,
          (SELECT n FROM sess) AS session_events,
          (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM users WHERE repeat) AS repeat_users,
          (SELECT count(*) FROM prev) AS previous_users, (SELECT count(*) FROM prev JOIN users USING (user_id)) AS retained_users`;
      return figures(input, sql, b);
    },
    (b) => liveSessionStatement(input, previous, b));
}

function liveSessionStatement(input: RolledInput, previous: TimeRange, b: Binder): Promise<SessionFigures> {
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
  return figures(input, sql, b);
}

async function figures(input: RolledInput, sql: string, b: Binder): Promise<SessionFigures> {
  const [r = {}] = await run(input, sql, b);
  return {
    sessions: n(r.sessions), sessionEvents: n(r.session_events), avgSessionMs: nOrNull(r.avg_session_ms),
    users: n(r.users), repeatUsers: n(r.repeat_users), previousUsers: n(r.previous_users), retainedUsers: n(r.retained_users),
    truncatedReads: 0,
  };
}
