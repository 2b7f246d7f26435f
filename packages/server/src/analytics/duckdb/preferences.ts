/**
 * user_persona_analytics's own statements: the most active users with their messages per persona and each persona's
 * users, from one grouping of the user rollups' message rows; then those users' topics and busiest hours, and their
 * affinities, from user_topic_hour.
 */
import type { NamedRow } from '../../query/run.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_SESSION_DAY, USER_TOPIC_HOUR } from '../user-rollups/tables.js';
import { AFFINITY, INTERACTION, MESSAGE } from '../vocabulary.js';
import { binder, byPart, n, nOrNull, run, s, tableRows, userRows } from './sql.js';

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
  // Two statements (they run side by side) over user_topic_hour's rows (hourly, so the hour of the day is the row's):
  // messages grouped by (user, topic) and (user, hour), and the users' affinity rows. The ids are one bound list:
  // list_contains costs a hash probe per row where IN (…) compares every value.
  const m = binder();
  const messages = tableRows(input, m, USER_TOPIC_HOUR, [{ field: 'type', values: [MESSAGE] }], [`list_contains(${m.bind(ids)}, user_id)`]);
  const habits = `SELECT CASE WHEN grouping(topic) = 0 THEN 'topic' ELSE 'hour' END AS part, user_id, topic, h, sum(n) AS n
    FROM (SELECT user_id, topic, CAST(hour(hour) AS INTEGER) AS h, n FROM (${messages}) AS u) AS e
    GROUP BY GROUPING SETS ((user_id, topic), (user_id, h))`;
  const a = binder();
  const interactions = tableRows(input, a, USER_TOPIC_HOUR, [{ field: 'type', values: [INTERACTION] }, { field: 'name', values: [AFFINITY] }], [`list_contains(${a.bind(ids)}, user_id)`]);
  const affinity = `SELECT user_id, persona, arg_max(value_last, value_last_ts) AS lv FROM (${interactions}) AS u
    GROUP BY user_id, persona ORDER BY lv DESC, user_id ASC, persona ASC`;
  const [counts, levels] = await Promise.all([run(input, habits, m), run(input, affinity, a)]);
  return {
    topics: counts.filter((r) => r.part === 'topic').map((r) => ({ user_id: s(r.user_id), topic: s(r.topic), count: n(r.n) })),
    hours: counts.filter((r) => r.part === 'hour').map((r) => ({ user_id: s(r.user_id), hour_of_day: nOrNull(r.h), count: n(r.n) })),
    affinity: levels.map((r) => ({ user_id: s(r.user_id), persona: s(r.persona), last_value: nOrNull(r.lv) })),
  };
}
