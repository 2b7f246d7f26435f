/**
 * The margin view as one statement: LLM cost per (user, persona), revenue and conversations per user, messages and
 * conversations per (user, persona), and each user's latest plan, combined per user, plan and persona in SQL — the
 * six reads it replaces brought up to 10,000 grouped rows each into JavaScript (and cut there). What comes back is
 * the totals, one row per plan and persona, and the users that can be among the `limit` lowest margins.
 *
 * The message rows are kept as read (not grouped per user, persona and session first): the distinct counts per user,
 * per (user, persona) and overall read them directly — 1.6× faster at 30 days of 10M events (~320k rows, almost one
 * per session already), the same answers.
 *
 * With the whole-hour cache (user-rollups/whole-hour-cache.ts), the grouped figures of the range's whole hours come
 * from its tables and only the rest of the range is grouped per request.
 *
 * Plans and personas carry the position at which margin.ts's reads would first have met them (`pos`), so equal
 * margins keep the order they had.
 */
import type { RolledInput } from '../user-rollups/read.js';
import { conditions } from '../user-rollups/read.js';
import { planSource } from '../user-rollups/source.js';
import { USER_SESSION_DAY } from '../user-rollups/tables.js';
import { LLM, MESSAGE, PAYMENT } from '../vocabulary.js';
import type { TimeRange } from '../../query/types.js';
import type { CacheStatement } from '../user-rollups/whole-hour-cache.js';
import { binder, byPart, createTable, rawRows, n, run, s, userRows, rolledRows, withWholeHours, type Binder, sessionHits } from './sql.js';

export interface MarginFigures {
  totals: { cost: number; revenue: number; conversations: number; users: number };
  /** Users whose margin can be among the `limit` lowest (at least `limit` of them when there are). */
  users: Array<{ user_id: string; plan: string; cost: number; revenue: number; conversations: number }>;
  plans: Array<{ plan: string; users: number; cost: number; revenue: number; conversations: number; pos: number }>;
  personas: Array<{ persona: string; cost: number; revenue: number; conversations: number; pos: [number, number] }>;
}

const type = (t: string) => [{ field: 'type' as const, values: [t] }];
const PAID = ['n_ok > 0'];

/**
 * The grouped figures the statement combines, as SQL over its CTEs: LLM cost per (user, persona) (`c`), revenue per
 * user (`r`), messages and distinct sessions per (user, persona) (`n`, `k`) and per user (`k`), and distinct sessions
 * in all — from all the range's rows (live), or from the whole-hour cache's tables plus the rest of the range.
 */
interface Cores {
  ctes: string[];
  /** Plans named (`user_id`, `plan`, `plan_ts`), planSource's rows. */
  plans: string;
  cost: string;
  rev: string;
  up: string;
  conv: string;
  sessions: string;
}

function liveCores(input: RolledInput, b: Binder): Cores {
  const llm = userRows(input, b, USER_SESSION_DAY, input.range, type(LLM));
  const paid = userRows(input, b, USER_SESSION_DAY, input.range, type(PAYMENT), PAID);
  const messages = userRows(input, b, USER_SESSION_DAY, input.range, type(MESSAGE));
  return {
    plans: planSource(input.project, input.range.endMs, planConditions(input, b), b),
    ctes: [`msg AS MATERIALIZED (SELECT user_id, persona, session_id, n FROM (${messages}) AS u)`],
    cost: `SELECT user_id, persona, sum(cost_usd) AS c FROM (${llm}) AS u GROUP BY user_id, persona`,
    rev: `SELECT user_id, sum(value_ok) AS r FROM (${paid}) AS u GROUP BY user_id`,
    up: 'SELECT user_id, persona, sum(n) AS n, count(DISTINCT session_id) AS k FROM msg GROUP BY user_id, persona',
    conv: 'SELECT user_id, count(DISTINCT session_id) AS k FROM msg GROUP BY user_id',
    sessions: '(SELECT count(DISTINCT session_id) FROM msg)',
  };
}

const CACHED = ['msg', 'cost', 'rev', 'up', 'conv', 'sessions', 'plans'];

const planConditions = (input: RolledInput, b: Binder): string[] => conditions(input.filters, (v) => b.bind(v))?.sql ?? [];

/** The whole hours' figures: `msg` one row per (user, persona, session) with its messages, the rest grouped from it. */
function buildCached(input: RolledInput, span: TimeRange, t: Readonly<Record<string, string>>): CacheStatement[] {
  return [
    createTable(t.msg!, (b) => `SELECT user_id, persona, session_id, hash(session_id) AS h, sum(n) AS n FROM (${rolledRows(input, b, USER_SESSION_DAY, span, type(MESSAGE))}) AS u
      GROUP BY user_id, persona, session_id`),
    createTable(t.cost!, (b) => `SELECT user_id, persona, sum(cost_usd) AS c FROM (${rolledRows(input, b, USER_SESSION_DAY, span, type(LLM))}) AS u GROUP BY user_id, persona`),
    createTable(t.rev!, (b) => `SELECT user_id, sum(value_ok) AS r FROM (${rolledRows(input, b, USER_SESSION_DAY, span, type(PAYMENT), PAID)}) AS u GROUP BY user_id`),
    createTable(t.up!, () => `SELECT user_id, persona, sum(n) AS n, count(session_id) AS k FROM ${t.msg} GROUP BY user_id, persona`),
    createTable(t.conv!, () => `SELECT user_id, count(DISTINCT session_id) AS k FROM ${t.msg} GROUP BY user_id`),
    createTable(t.sessions!, () => `SELECT count(DISTINCT session_id) AS k FROM ${t.msg}`),
    // Plans named up to the span's end, one row per (user, plan) with its latest time, as the statement groups them.
    createTable(t.plans!, (b) => `SELECT user_id, plan, max(plan_ts) AS plan_ts
      FROM (${planSource(input.project, input.range.endMs, planConditions(input, b), b, 'rolled')}) AS p GROUP BY user_id, plan`),
  ];
}

/**
 * The cached whole hours' figures merged with the rest of the range's rows. Sums add up; a distinct session count adds
 * the sessions of the rest that the whole hours lack — per (user, persona), per user, in all — found by looking each
 * (user, persona, session) of the rest up in the whole hours' `msg` by session (the whole hours' rows of the rest's
 * sessions first: a hash of the rest's few thousand sessions, rather than of the whole hours' ~300k at 30 days).
 */
function cachedCores(input: RolledInput, b: Binder, t: Readonly<Record<string, string>>): Cores {
  const llm = rawRows(input, b, USER_SESSION_DAY, input.range, type(LLM));
  const paid = rawRows(input, b, USER_SESSION_DAY, input.range, type(PAYMENT), PAID);
  const messages = rawRows(input, b, USER_SESSION_DAY, input.range, type(MESSAGE));
  return {
    plans: `SELECT user_id, plan, plan_ts FROM ${t.plans} UNION ALL ${planSource(input.project, input.range.endMs, planConditions(input, b), b, 'raw')}`,
    ctes: [
      `e AS MATERIALIZED (SELECT user_id, persona, session_id, sum(n) AS n FROM (${messages}) AS u GROUP BY user_id, persona, session_id)`,
      `m AS MATERIALIZED (
        SELECT e.user_id, e.persona, e.session_id, e.n,
          coalesce(bool_or(s.user_id IS NOT DISTINCT FROM e.user_id AND s.persona IS NOT DISTINCT FROM e.persona), false) AS in_up,
          coalesce(bool_or(s.user_id IS NOT DISTINCT FROM e.user_id), false) AS in_u, count(s.session_id) > 0 AS in_s
        FROM e LEFT JOIN (${sessionHits(t.msg!, 'session_id, user_id, persona')}) AS s ON s.session_id = e.session_id
        GROUP BY e.user_id, e.persona, e.session_id, e.n)`,
    ],
    cost: `SELECT user_id, persona, sum(c) AS c FROM (SELECT user_id, persona, c FROM ${t.cost}
      UNION ALL SELECT user_id, persona, cost_usd AS c FROM (${llm}) AS u) AS x GROUP BY user_id, persona`,
    rev: `SELECT user_id, sum(r) AS r FROM (SELECT user_id, r FROM ${t.rev} UNION ALL SELECT user_id, value_ok AS r FROM (${paid}) AS u) AS x GROUP BY user_id`,
    up: `SELECT user_id, persona, sum(n) AS n, sum(k) AS k FROM (SELECT user_id, persona, n, k FROM ${t.up}
      UNION ALL SELECT user_id, persona, sum(n), count(session_id) FILTER (WHERE NOT in_up) FROM m GROUP BY user_id, persona) AS x GROUP BY user_id, persona`,
    conv: `SELECT user_id, sum(k) AS k FROM (SELECT user_id, k FROM ${t.conv}
      UNION ALL SELECT user_id, count(DISTINCT session_id) FILTER (WHERE NOT in_u) FROM m GROUP BY user_id) AS x GROUP BY user_id`,
    sessions: `((SELECT k FROM ${t.sessions}) + (SELECT count(DISTINCT session_id) FILTER (WHERE NOT in_s) FROM m))`,
  };
}

export function marginStatement(input: RolledInput, limit: number): Promise<MarginFigures> {
  return withWholeHours(input, 'margin', USER_SESSION_DAY, CACHED, (span, names) => buildCached(input, span, names),
    (names, b) => marginFrom(input, limit, b, cachedCores(input, b, names)),
    (b) => marginFrom(input, limit, b, liveCores(input, b)));
}

async function marginFrom(input: RolledInput, limit: number, b: Binder, cores: Cores): Promise<MarginFigures> {
  const sql = `WITH ${cores.ctes.map((c) => `${c},`).join('\n    ')}
    cost AS MATERIALIZED (
      SELECT user_id, persona, coalesce(c, 0) AS c, row_number() OVER (ORDER BY coalesce(c, 0) DESC, user_id ASC, persona ASC) AS ord FROM (${cores.cost}) AS g),
    rev AS MATERIALIZED (
      SELECT user_id, coalesce(r, 0) AS r, row_number() OVER (ORDER BY coalesce(r, 0) DESC, user_id ASC) AS ord FROM (${cores.rev}) AS g),
    up AS MATERIALIZED (SELECT user_id, persona, n, k, row_number() OVER (ORDER BY n DESC, user_id ASC, persona ASC) AS ord FROM (${cores.up}) AS g),
    conv AS MATERIALIZED (SELECT user_id, k, row_number() OVER (ORDER BY k DESC, user_id ASC) AS ord FROM (${cores.conv}) AS g),
    plan AS MATERIALIZED (
      SELECT user_id, first(plan ORDER BY seen DESC, plan ASC) AS plan
      FROM (SELECT user_id, plan, epoch_ms(max(plan_ts)) AS seen FROM (${cores.plans}) AS p WHERE user_id IS NOT NULL AND plan IS NOT NULL GROUP BY user_id, plan) AS q
      GROUP BY user_id),
    users AS MATERIALIZED (
      SELECT user_id, coalesce(c.cost, 0) AS cost, coalesce(r.r, 0) AS revenue, coalesce(v.k, 0) AS conv, coalesce(p.plan, 'unknown') AS plan,
        CASE WHEN c.pos IS NOT NULL THEN c.pos WHEN r.ord IS NOT NULL THEN 4000000000 + r.ord ELSE 8000000000 + v.ord END AS pos
      FROM (SELECT user_id, sum(c) AS cost, min(ord) AS pos FROM cost WHERE user_id IS NOT NULL GROUP BY user_id) AS c
      FULL JOIN (SELECT user_id, r, ord FROM rev WHERE user_id IS NOT NULL) AS r USING (user_id)
      FULL JOIN (SELECT user_id, k, ord FROM conv WHERE user_id IS NOT NULL) AS v USING (user_id)
      LEFT JOIN plan AS p USING (user_id)),
    first_up AS (SELECT user_id, min(ord) AS ufo, sum(n) FILTER (WHERE persona IS NOT NULL) AS total FROM up WHERE user_id IS NOT NULL GROUP BY user_id),
    shares AS (
      SELECT up.persona, sum(rev.r * up.n / first_up.total) AS revenue, min(first_up.ufo * 1000000000 + up.ord) AS pos
      FROM up JOIN rev USING (user_id) JOIN first_up USING (user_id)
      WHERE up.user_id IS NOT NULL AND up.persona IS NOT NULL AND rev.r <> 0 GROUP BY up.persona),
    personas AS (
      SELECT persona, c.cost, c.pos AS pos_cost, shares.revenue, shares.pos AS pos_revenue, k.conv, k.pos AS pos_conv
      FROM (SELECT persona, sum(c) AS cost, min(ord) AS pos FROM cost WHERE persona IS NOT NULL GROUP BY persona) AS c
      FULL JOIN shares USING (persona)
      FULL JOIN (SELECT persona, sum(k) AS conv, min(ord) AS pos FROM up WHERE persona IS NOT NULL GROUP BY persona) AS k USING (persona))
    SELECT 'totals' AS part, (SELECT coalesce(sum(c), 0) FROM cost) AS cost, (SELECT coalesce(sum(r), 0) FROM rev) AS revenue,
      ${cores.sessions} AS conv, (SELECT count(*) FROM users) AS users
    UNION ALL BY NAME SELECT 'user' AS part, user_id, plan, cost, revenue, conv FROM users
      WHERE revenue - cost <= (SELECT max(m) FROM (SELECT revenue - cost AS m FROM users ORDER BY m LIMIT ${b.bind(limit)})) + 0.000001
    UNION ALL BY NAME SELECT 'plan' AS part, plan, count(*) AS users, sum(cost) AS cost, sum(revenue) AS revenue, sum(conv) AS conv, min(pos) AS pos
      FROM users GROUP BY plan
    UNION ALL BY NAME SELECT 'persona' AS part, persona, coalesce(cost, 0) AS cost, coalesce(revenue, 0) AS revenue, coalesce(conv, 0) AS conv,
      CASE WHEN pos_cost IS NOT NULL THEN 0 WHEN pos_revenue IS NOT NULL THEN 1 ELSE 2 END AS stage, coalesce(pos_cost, pos_revenue, pos_conv) AS pos
      FROM personas`;
  const parts = byPart(await run(input, sql, b));
  const t = parts.get('totals')?.[0] ?? {};
  return {
    totals: { cost: n(t.cost), revenue: n(t.revenue), conversations: n(t.conv), users: n(t.users) },
    users: (parts.get('user') ?? []).map((r) => ({ user_id: String(r.user_id), plan: s(r.plan) ?? 'unknown', cost: n(r.cost), revenue: n(r.revenue), conversations: n(r.conv) })),
    plans: (parts.get('plan') ?? []).map((r) => ({ plan: String(r.plan), users: n(r.users), cost: n(r.cost), revenue: n(r.revenue), conversations: n(r.conv), pos: n(r.pos) })),
    personas: (parts.get('persona') ?? []).map((r) => ({ persona: String(r.persona), cost: n(r.cost), revenue: n(r.revenue), conversations: n(r.conv), pos: [n(r.stage), n(r.pos)] as [number, number] })),
  };
}
