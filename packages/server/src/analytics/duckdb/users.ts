/**
 * The users view's daily and range-wide active users and its top users in one statement: user_day rows (one per
 * user and day; raw events at the range's edges) grouped once per (day, user) give the daily series, the active
 * users and each user's events, cost and last event; distinct sessions — the one figure that needs the per-session
 * rows — are counted for the top users only (three reads before, one of them over every user's sessions).
 */
import type { Execution, NamedRow } from '../../query/run.js';
import { SESSION_LENGTH_SQL } from '../../query/dimensions.js';
import { rolledSessions } from '../user-rollups/read.js';
import { firstSeenSource } from '../user-rollups/source.js';
import type { Row } from '../../store/types.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_DAY, USER_SESSION_DAY } from '../user-rollups/tables.js';
import type { TimeRange } from '../../query/types.js';
import type { CacheStatement } from '../user-rollups/whole-hour-cache.js';
import { binder, byPart, createTable, rawRows, n, run, s, userRows, rolledRows, withWholeHours, type Binder, sessionHits } from './sql.js';

export interface ActiveUsers {
  /** Active users per UTC day, in day order (`bucket`, `unique_users`). */
  daily: NamedRow[];
  active: number;
  /** The `limit` users with most events (`user_id`, `count`, `unique_sessions`, `cost_usd`, `last_seen`), most first. */
  top: NamedRow[];
}

/** The statement's parts as SQL over its CTEs: per-day active users, all active users, per-user figures, sessions of the top users. */
interface Cores {
  ctes: string[];
  /** `day`, `users`. */
  daily: string;
  /** `users`. */
  active: string;
  /** `user_id`, `n`, `cost_usd`, `l` (one row per user). */
  perUser: string;
  /** `user_id`, `k`: distinct sessions of the users of `top`. */
  sessions: string;
}

function liveCores(input: RolledInput, b: Binder): Cores {
  const dayRows = userRows(input, b, USER_DAY, input.range);
  const sessions = userRows(input, b, USER_SESSION_DAY, input.range);
  return {
    ctes: [`du AS MATERIALIZED (SELECT day, user_id, sum(n) AS n, sum(cost_usd) AS cost_usd, max(last_ts) AS l FROM (${dayRows}) AS u GROUP BY day, user_id)`],
    daily: 'SELECT day, count(*) AS users FROM du GROUP BY day',
    active: 'SELECT count(DISTINCT user_id) AS users FROM du',
    perUser: 'SELECT user_id, sum(n) AS n, sum(cost_usd) AS cost_usd, max(l) AS l FROM du GROUP BY user_id',
    sessions: `SELECT user_id, count(DISTINCT session_id) AS k FROM (${sessions}) AS u WHERE user_id IN (SELECT user_id FROM top) GROUP BY user_id`,
  };
}

const CACHED = ['du', 'daily', 'users', 'us', 'uk'];

/** The whole hours' (day, user) rows, users per day, figures per user, (user, session) pairs and sessions per user. */
function buildCached(input: RolledInput, span: TimeRange, t: Readonly<Record<string, string>>): CacheStatement[] {
  return [
    createTable(t.du!, (b) => `SELECT day, user_id, sum(n) AS n, sum(cost_usd) AS cost_usd, max(last_ts) AS l FROM (${rolledRows(input, b, USER_DAY, span)}) AS u
      GROUP BY day, user_id ORDER BY day`),
    createTable(t.daily!, () => `SELECT day, count(*) AS users FROM ${t.du} GROUP BY day`),
    createTable(t.users!, () => `SELECT user_id, sum(n) AS n, sum(cost_usd) AS cost_usd, max(l) AS l FROM ${t.du} GROUP BY user_id`),
    createTable(t.us!, (b) => `SELECT DISTINCT user_id, session_id FROM (${rolledRows(input, b, USER_SESSION_DAY, span)}) AS u
      WHERE session_id IS NOT NULL ORDER BY user_id`),
    createTable(t.uk!, () => `SELECT user_id, count(*) AS k FROM ${t.us} GROUP BY user_id`),
  ];
}

/**
 * The whole hours' figures merged with the rest's (day, user) rows: a day that both hold (the partial first and last
 * days, and events past the watermark) counts its users again from both; users and sessions the whole hours lack are added.
 */
function cachedCores(input: RolledInput, b: Binder, t: Readonly<Record<string, string>>): Cores {
  const dayRows = rawRows(input, b, USER_DAY, input.range);
  const sessions = rawRows(input, b, USER_SESSION_DAY, input.range);
  return {
    ctes: [`e AS MATERIALIZED (SELECT day, user_id, sum(n) AS n, sum(cost_usd) AS cost_usd, max(last_ts) AS l FROM (${dayRows}) AS u GROUP BY day, user_id)`],
    daily: `SELECT day, users FROM ${t.daily} WHERE day NOT IN (SELECT day FROM e)
      UNION ALL SELECT day, count(DISTINCT user_id) AS users FROM (
        SELECT day, user_id FROM ${t.du} WHERE day IN (SELECT day FROM e) UNION ALL SELECT day, user_id FROM e) AS x GROUP BY day`,
    active: `SELECT count(*) AS users FROM (SELECT user_id FROM ${t.users} UNION SELECT user_id FROM e) AS x`,
    perUser: `SELECT user_id, sum(n) AS n, sum(cost_usd) AS cost_usd, max(l) AS l FROM (
      SELECT user_id, n, cost_usd, l FROM ${t.users} UNION ALL SELECT user_id, n, cost_usd, l FROM e) AS x GROUP BY user_id`,
    sessions: `SELECT user_id, sum(k) AS k FROM (
        SELECT user_id, k FROM ${t.uk} WHERE user_id IN (SELECT user_id FROM top)
        UNION ALL SELECT user_id, count(*) AS k FROM (
          SELECT DISTINCT user_id, session_id FROM (${sessions}) AS u WHERE user_id IN (SELECT user_id FROM top) AND session_id IS NOT NULL
          EXCEPT SELECT user_id, session_id FROM ${t.us} WHERE user_id IN (SELECT user_id FROM top)) AS n GROUP BY user_id) AS x
      GROUP BY user_id`,
  };
}

/** For filters on user_id only (user_day has no other key). */
export function activeUsersStatement(input: RolledInput, limit: number): Promise<ActiveUsers> {
  return withWholeHours(input, 'users-active', USER_DAY, CACHED, (span, names) => buildCached(input, span, names),
    (names, b) => activeFrom(input, limit, b, cachedCores(input, b, names)),
    (b) => activeFrom(input, limit, b, liveCores(input, b)));
}

async function activeFrom(input: RolledInput, limit: number, b: Binder, cores: Cores): Promise<ActiveUsers> {
  const sql = `WITH ${cores.ctes.map((c) => `${c},`).join('\n    ')}
    top AS MATERIALIZED (
      SELECT user_id, n, coalesce(cost_usd, 0) AS cost_usd, epoch_ms(l) AS last_seen, row_number() OVER (ORDER BY n DESC, user_id ASC) AS ord
      FROM (${cores.perUser}) AS g QUALIFY ord <= ${b.bind(limit)}),
    sess AS (${cores.sessions})
    SELECT 'daily' AS part, epoch_ms(day) AS bucket, users, row_number() OVER (ORDER BY day) AS ord FROM (${cores.daily}) AS d
    UNION ALL BY NAME SELECT 'active' AS part, users FROM (${cores.active}) AS a
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

/**
 * Sessions of the range by length (`session_length`, `sessions`), as rolledSessions(input, 'length') gives them — its
 * whole hours from the whole-hour cache: each session's first and last time there, and the sessions per bin. A session
 * of the rest that the whole hours hold too moves from the bin of its whole-hour span to the bin of its merged one.
 */
export function sessionLengthsStatement(input: RolledInput): Promise<Execution> {
  const withSession = ['session_id IS NOT NULL'];
  return withWholeHours(input, 'session-lengths', USER_SESSION_DAY, ['spans', 'bins'],
    (span, t) => [
      createTable(t.spans!, (b) => `SELECT session_id, hash(session_id) AS h, min(first_ts) AS f, max(last_ts) AS l
        FROM (${rolledRows(input, b, USER_SESSION_DAY, span, [], withSession)}) AS u GROUP BY session_id`),
      createTable(t.bins!, () => `SELECT ${SESSION_LENGTH_SQL} AS session_length, count(*) AS sessions FROM (SELECT epoch_ms(l) - epoch_ms(f) AS s_span FROM ${t.spans}) AS s GROUP BY 1`),
    ],
    async (t, b) => {
      const edges = rawRows(input, b, USER_SESSION_DAY, input.range, [], withSession);
      const span = (f: string, l: string) => `epoch_ms(${l}) - epoch_ms(${f})`;
      const sql = `WITH e AS MATERIALIZED (SELECT session_id, min(first_ts) AS f, max(last_ts) AS l FROM (${edges}) AS u GROUP BY session_id),
        hit AS MATERIALIZED (${sessionHits(t.spans!, 'session_id, f, l')}),
        m AS (SELECT e.session_id, least(e.f, hit.f) AS f, greatest(e.l, hit.l) AS l, hit.f AS old_f, hit.l AS old_l FROM e LEFT JOIN hit USING (session_id))
        SELECT session_length, sum(sessions) AS sessions FROM (
          SELECT session_length, sessions FROM ${t.bins}
          UNION ALL SELECT ${SESSION_LENGTH_SQL} AS session_length, -1 AS sessions FROM (SELECT ${span('old_f', 'old_l')} AS s_span FROM m WHERE old_f IS NOT NULL) AS o
          UNION ALL SELECT ${SESSION_LENGTH_SQL} AS session_length, 1 AS sessions FROM (SELECT ${span('f', 'l')} AS s_span FROM m) AS n) AS x
        GROUP BY session_length HAVING sum(sessions) > 0`;
      const rows = await run(input, sql, b);
      return { rows: rows.map((r): NamedRow => ({ session_length: String(r.session_length), sessions: n(r.sessions) })), truncated: false, columns: [], rollups: true, exactPercentiles: true };
    },
    () => rolledSessions(input, 'length')!);
}

/** Users active in [fromMs, the range's end): distinct users of user_day, the span's from the whole-hour cache. */
export async function activeSinceStatement(input: RolledInput, fromMs: number): Promise<number> {
  const range = { startMs: fromMs, endMs: input.range.endMs };
  const since: RolledInput = { ...input, range };
  const rows = await withWholeHours(since, 'active-since', USER_DAY, ['users'],
    (span, t) => [createTable(t.users!, (b) => `SELECT DISTINCT user_id FROM (${rolledRows(since, b, USER_DAY, span)}) AS u`)],
    (t, b) => run(since, `SELECT count(*) AS users FROM (
      SELECT user_id FROM ${t.users} UNION SELECT user_id FROM (${rawRows(since, b, USER_DAY, range)}) AS r) AS x`, b),
    (b) => run(since, `SELECT count(DISTINCT user_id) AS users FROM (${userRows(since, b, USER_DAY, range)}) AS u`, b));
  return n(rows[0]?.users);
}

/**
 * Cohort activity as the query layer's `per: 'cohort'` read over [0, end) by week gives it, for the cohorts from
 * `cohortStart` on (unfiltered reads only): users by the week of their first event ever (`cohort`) × each week from
 * `cohortStart` they were active in (`bucket`) — the (user, week) pairs of the span from the whole-hour cache.
 */
export async function cohortsStatement(input: RolledInput, cohortStart: number): Promise<Execution> {
  const range = { startMs: cohortStart, endMs: input.range.endMs };
  const since: RolledInput = { ...input, range };
  const weeks = (rows: string): string => `SELECT DISTINCT user_id, date_trunc('week', day) AS week FROM (${rows}) AS u`;
  const cohorts = (b: Binder, activity: string): Promise<Row[]> => {
    const first = firstSeenSource(input.project, range.endMs, b);
    return run(since, `WITH f AS (${first}), a AS (${activity})
      SELECT epoch_ms(date_trunc('week', f.first_ts)) AS cohort, epoch_ms(a.week) AS bucket, count(*) AS cohort_users
      FROM a JOIN f USING (user_id) WHERE f.first_ts >= ${b.ts(cohortStart)} GROUP BY 1, 2 ORDER BY 2, 1`, b);
  };
  const rows = await withWholeHours(since, 'cohorts', USER_DAY, ['weeks'],
    (span, t) => [createTable(t.weeks!, (b) => weeks(rolledRows(since, b, USER_DAY, span)))],
    (t, b) => cohorts(b, `SELECT user_id, week FROM ${t.weeks} UNION ${weeks(rawRows(since, b, USER_DAY, range))}`),
    (b) => cohorts(b, weeks(userRows(since, b, USER_DAY, range))));
  return {
    rows: rows.map((r) => ({ cohort: Number(r.cohort), bucket: Number(r.bucket), cohort_users: Number(r.cohort_users) })),
    truncated: false, columns: [], rollups: true, exactPercentiles: true,
  };
}
