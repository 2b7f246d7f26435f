/**
 * persona_analytics' engagement figures as statements: users and repeat users per persona from the user rollups'
 * (persona, user) groups, and banter participation and relationship growth per side from `interaction` events —
 * the pairs merged in SQL as relationships.ts's mergePairs merges rows, so only per-persona figures come back.
 */
import type { RolledInput } from '../user-rollups/read.js';
import type { NamedRow } from '../../query/run.js';
import { GROUP_LIMIT } from '../common.js';
import { INTERACTION_DAY, USER_SESSION_DAY, USER_TOPIC_HOUR } from '../user-rollups/tables.js';
import { BANTER, MESSAGE } from '../vocabulary.js';
import type { Row } from '../../store/types.js';
import { binder, createTable, rawRows, n, nOrNull, run, s, tableRows, userRows, rolledRows, withWholeHours, type Binder } from './sql.js';

export interface PersonaUsers {
  /** Distinct users per persona, and those of them with more than one session. */
  users: Map<string, number>;
  repeat: Map<string, number>;
  truncated: boolean;
}

export async function personaUsersStatement(input: RolledInput): Promise<PersonaUsers> {
  const messages = [{ field: 'type' as const, values: [MESSAGE] }];
  // More than one distinct session ⟺ the least and the greatest session ids differ (both skip NULLs, as count(DISTINCT)
  // does): one row per (persona, user) to group, not one per (persona, user, session) — ~23k against ~310k at 30 days.
  // Both merge by min and max, so the whole hours' (persona, user) rows can come from the whole-hour cache.
  const count = (b: Binder, pairs: string): Promise<Row[]> => run(input, `SELECT persona, count(user_id) AS users,
      count(*) FILTER (WHERE user_id IS NOT NULL AND s0 < s1) AS repeat_users
    FROM (${pairs}) AS pu WHERE persona IS NOT NULL GROUP BY persona`, b);
  const pairs = (rows: string): string => `SELECT persona, user_id, min(session_id) AS s0, max(session_id) AS s1 FROM (${rows}) AS u GROUP BY persona, user_id`;
  const rows = await withWholeHours(input, 'persona-users', USER_SESSION_DAY, ['pairs'],
    (span, t) => [createTable(t.pairs!, (b) => pairs(rolledRows(input, b, USER_SESSION_DAY, span, messages)))],
    (t, b) => {
      const edges = rawRows(input, b, USER_SESSION_DAY, input.range, messages);
      return count(b, `SELECT persona, user_id, min(s0) AS s0, max(s1) AS s1 FROM (SELECT persona, user_id, s0, s1 FROM ${t.pairs}
        UNION ALL SELECT persona, user_id, session_id AS s0, session_id AS s1 FROM (${edges}) AS u) AS x GROUP BY persona, user_id`);
    },
    (b) => {
      return count(b, pairs(userRows(input, b, USER_SESSION_DAY, input.range, messages)));
    });
  const users = new Map<string, number>();
  const repeat = new Map<string, number>();
  for (const r of rows) {
    users.set(String(r.persona), n(r.users));
    repeat.set(String(r.persona), n(r.repeat_users));
  }
  return { users, repeat, truncated: false };
}

export interface PersonaInteractions {
  /** Banter exchanges each side took part in, and all of them. */
  banter: Map<string, number>;
  banterAll: number;
  /** Mean affinity change (÷ 100) over the pairs of each side that have a first and a latest value. */
  growth: Map<string, number>;
  truncated: boolean;
}

/**
 * Per direction (persona, target, name): count, first/last time and value and the values' times; per unordered pair,
 * the latest value of the direction and name whose latest value is the latest (ties: the direction read first by
 * count, persona, target, name, as mergePairs reads rows) and the earliest of the one whose earliest value is the
 * earliest; per side, the mean growth of its pairs and its banter count.
 */
export async function personaInteractionsStatement(input: RolledInput): Promise<PersonaInteractions> {
  // Per direction: counts add up, first and last times and values merge by min and max — so the whole hours' come
  // from the whole-hour cache when the filters allow it.
  const directions = (rows: string): string => `SELECT persona, target, name, sum(n) AS n, max(last_ts) AS ls, min(first_ts) AS fs,
      arg_max(value_last, value_last_ts) AS lv, max(value_last_ts) AS lts, arg_min(value_first, value_first_ts) AS fv, min(value_first_ts) AS fts
    FROM (${rows}) AS i GROUP BY persona, target, name`;
  const rows = await withWholeHours(input, 'persona-interactions', INTERACTION_DAY, ['dir'],
    (span, t) => [createTable(t.dir!, (b) => directions(rolledRows(input, b, INTERACTION_DAY, span)))],
    (t, b) => interactionsFrom(input, b, `SELECT persona, target, name, sum(n) AS n, max(ls) AS ls, min(fs) AS fs, arg_max(lv, lts) AS lv, max(lts) AS lts,
        arg_min(fv, fts) AS fv, min(fts) AS fts
      FROM (SELECT persona, target, name, n, ls, fs, lv, lts, fv, fts FROM ${t.dir}
        UNION ALL ${directions(rawRows(input, b, INTERACTION_DAY, input.range))}) AS x GROUP BY persona, target, name`),
    (b) => interactionsFrom(input, b, directions(tableRows(input, b, INTERACTION_DAY))));
  const out: PersonaInteractions = { banter: new Map(), banterAll: 0, growth: new Map(), truncated: false };
  for (const r of rows) {
    const side = s(r.side);
    if (r.part === 'all') out.banterAll = n(r.value);
    else if (side !== null && r.part === 'banter') out.banter.set(side, n(r.value));
    else if (side !== null && nOrNull(r.value) !== null) out.growth.set(side, n(r.value));
  }
  return out;
}

/** The growth and banter figures from the directions' rows `dir` (persona, target, name, n, ls, fs, lv, lts, fv, fts). */
function interactionsFrom(input: RolledInput, b: Binder, dir: string): Promise<Row[]> {
  const banter = b.bind(BANTER);
  const order = 'n DESC, persona ASC, target ASC, name ASC';
  const sql = `WITH dir AS MATERIALIZED (${dir}),
    pairs AS (
      SELECT least(persona, target) AS a, greatest(persona, target) AS b,
        first(lv ORDER BY lts DESC, ${order}) FILTER (WHERE lv IS NOT NULL) AS last_v,
        first(fv ORDER BY fts ASC, ${order}) FILTER (WHERE fv IS NOT NULL) AS first_v
      FROM dir WHERE persona IS NOT NULL AND target IS NOT NULL AND persona <> target GROUP BY 1, 2),
    sides AS (
      SELECT persona AS side, n FROM dir WHERE name = ${banter} AND persona IS NOT NULL
      UNION ALL SELECT target AS side, n FROM dir WHERE name = ${banter} AND target IS NOT NULL AND target IS DISTINCT FROM persona)
    SELECT 'growth' AS part, side, sum(last_v - first_v) / count(*) / 100 AS value
      FROM (SELECT a AS side, last_v, first_v FROM pairs UNION ALL SELECT b AS side, last_v, first_v FROM pairs) AS g
      WHERE last_v IS NOT NULL AND first_v IS NOT NULL GROUP BY side
    UNION ALL SELECT 'banter' AS part, side, sum(n) AS value FROM sides GROUP BY side
    UNION ALL SELECT 'all' AS part, NULL AS side, coalesce(sum(n), 0) AS value FROM dir WHERE name = ${banter}`;
  return run(input, sql, b);
}

/**
 * Messages per persona and topic (`persona`, `topic`, `count`), as the query layer's read by those two dimensions
 * gives them — the same order and limit — from user_topic_hour.
 */
export async function personaTopicsStatement(input: RolledInput): Promise<{ rows: NamedRow[]; truncated: boolean }> {
  const messages = [{ field: 'type' as const, values: [MESSAGE] }];
  const top = (b: Binder, rows: string): Promise<Row[]> =>
    run(input, `SELECT persona AS d0, topic AS d1, sum(n) AS m0 FROM (${rows}) AS u GROUP BY d0, d1 ORDER BY m0 DESC, d0 ASC, d1 ASC LIMIT ${b.bind(GROUP_LIMIT + 1)}`, b);
  const rows = await withWholeHours(input, 'persona-topics', USER_TOPIC_HOUR, ['topics'],
    (span, t) => [createTable(t.topics!, (b) => `SELECT persona, topic, sum(n) AS n FROM (${rolledRows(input, b, USER_TOPIC_HOUR, span, messages)}) AS u GROUP BY persona, topic`)],
    (t, b) => top(b, `SELECT persona, topic, n FROM ${t.topics} UNION ALL SELECT persona, topic, n FROM (${rawRows(input, b, USER_TOPIC_HOUR, input.range, messages)}) AS r`),
    (b) => top(b, tableRows(input, b, USER_TOPIC_HOUR, messages)));
  const out = rows.map((r) => ({ persona: s(r.d0), topic: s(r.d1), count: n(r.m0) }));
  return { rows: out.slice(0, GROUP_LIMIT), truncated: out.length > GROUP_LIMIT };
}
