/**
 * user_persona_analytics's own statements: the most active users with their messages per persona and each persona's
 * users, from one grouping of the user rollups' message rows; then those users' topics and busiest hours from one
 * scan of their raw messages, and their affinities.
 */
import type { NamedRow } from '../../query/run.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_SESSION_DAY } from '../user-rollups/tables.js';
import { AFFINITY, INTERACTION, MESSAGE } from '../vocabulary.js';
import { binder, byPart, eventTerms, n, nOrNull, run, s, userRows } from './sql.js';

export interface TopUsers {
  /** The first `limit + 1` groups by messages (`user_id`, `count`; the group without a user may be one). */
  top: NamedRow[];
  /** Messages per persona (`user_id`, `persona`, `count`) of the users in `top` (null: read once they are known). */
  byPersona: NamedRow[] | null;
  /** Distinct users per persona (`persona`, `unique_users`; null persona included, as the read gave it). */
  personas: NamedRow[];
}

export async function topUsersStatement(input: RolledInput, limit: number): Promise<TopUsers> {
  const b = binder();
  const rows = userRows(input, b, USER_SESSION_DAY, input.range, [{ field: 'type', values: [MESSAGE] }]);
  const sql = `WITH up AS MATERIALIZED (SELECT user_id, persona, sum(n) AS n FROM (${rows}) AS u GROUP BY user_id, persona),
    top AS MATERIALIZED (
      SELECT user_id, sum(n) AS n, row_number() OVER (ORDER BY sum(n) DESC, user_id ASC) AS ord FROM up GROUP BY user_id QUALIFY ord <= ${b.bind(limit + 1)})
    SELECT 'top' AS part, user_id, n AS count, ord FROM top
    UNION ALL BY NAME SELECT 'mine' AS part, user_id, persona, n AS count FROM up WHERE user_id IN (SELECT user_id FROM top)
    UNION ALL BY NAME SELECT 'persona' AS part, persona, count(user_id) AS unique_users FROM up GROUP BY persona`;
  const parts = byPart(await run(input, sql, b));
  return {
    top: (parts.get('top') ?? []).map((r) => ({ user_id: s(r.user_id), count: n(r.count) })),
    byPersona: (parts.get('mine') ?? []).map((r) => ({ user_id: s(r.user_id), persona: s(r.persona), count: n(r.count) })),
    personas: (parts.get('persona') ?? []).map((r) => ({ persona: s(r.persona), unique_users: n(r.unique_users) })),
  };
}

export interface UserHabits {
  /** Messages by (user_id, topic) and (user_id, hour_of_day); the latest affinity by (user_id, persona), by value desc. */
  topics: NamedRow[];
  hours: NamedRow[];
  affinity: NamedRow[];
}

export async function userHabitsStatement(input: RolledInput, ids: readonly string[]): Promise<UserHabits> {
  // Two statements (they run side by side): messages grouped by (user, topic) and (user, hour), and the users'
  // affinity events. The ids are one bound list: list_contains costs a hash probe per event where IN (…) compares
  // every value.
  const m = binder();
  const messages = `${eventTerms(input, m, input.range, [{ field: 'type', values: [MESSAGE] }])} AND list_contains(${m.bind(ids)}, user_id)`;
  const habits = `SELECT CASE WHEN grouping(topic) = 0 THEN 'topic' ELSE 'hour' END AS part, user_id, topic, h, count(*) AS n
    FROM (SELECT user_id, topic, CAST(hour(ts) AS INTEGER) AS h FROM events WHERE ${messages}) AS e
    GROUP BY GROUPING SETS ((user_id, topic), (user_id, h))`;
  const a = binder();
  const interactions = `${eventTerms(input, a, input.range, [{ field: 'type', values: [INTERACTION] }, { field: 'name', values: [AFFINITY] }])} AND list_contains(${a.bind(ids)}, user_id)`;
  const affinity = `SELECT user_id, persona, arg_max(value, CASE WHEN value IS NOT NULL THEN ts END) AS lv FROM events WHERE ${interactions}
    GROUP BY user_id, persona ORDER BY lv DESC, user_id ASC, persona ASC`;
  const [counts, levels] = await Promise.all([run(input, habits, m), run(input, affinity, a)]);
  return {
    topics: counts.filter((r) => r.part === 'topic').map((r) => ({ user_id: s(r.user_id), topic: s(r.topic), count: n(r.n) })),
    hours: counts.filter((r) => r.part === 'hour').map((r) => ({ user_id: s(r.user_id), hour_of_day: nOrNull(r.h), count: n(r.n) })),
    affinity: levels.map((r) => ({ user_id: s(r.user_id), persona: s(r.persona), last_value: nOrNull(r.lv) })),
  };
}
