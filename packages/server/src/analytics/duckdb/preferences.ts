/**
 * user_persona_analytics as two statements: the most active users with their messages per persona and each
 * persona's users, from one grouping of the user rollups' message rows; then those users' topics, busiest hours and
 * affinities from one scan of their raw events (the three reads it replaces scanned the range three times).
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
  const b = binder();
  const where = eventTerms(input, b, input.range, [{ field: 'user_id', values: [...ids] }]);
  const [message, interaction, affinity] = [b.bind(MESSAGE), b.bind(INTERACTION), b.bind(AFFINITY)];
  const sql = `SELECT CASE WHEN grouping(topic) = 0 THEN 'topic' WHEN grouping(h) = 0 THEN 'hour' ELSE 'affinity' END AS part,
      type, name, user_id, topic, h, persona, count(*) AS n, arg_max(value, vt) AS lv
    FROM (SELECT type, name, user_id, topic, CAST(hour(ts) AS INTEGER) AS h, persona, value, CASE WHEN value IS NOT NULL THEN ts END AS vt
      FROM events WHERE ${where} AND (type = ${message} OR (type = ${interaction} AND name = ${affinity}))) AS e
    GROUP BY GROUPING SETS ((type, user_id, topic), (type, user_id, h), (type, name, user_id, persona))
    ORDER BY part, lv DESC, user_id ASC, persona ASC`;
  const out: UserHabits = { topics: [], hours: [], affinity: [] };
  for (const r of await run(input, sql, b)) {
    if (r.part === 'topic' && r.type === MESSAGE) out.topics.push({ user_id: s(r.user_id), topic: s(r.topic), count: n(r.n) });
    else if (r.part === 'hour' && r.type === MESSAGE) out.hours.push({ user_id: s(r.user_id), hour_of_day: nOrNull(r.h), count: n(r.n) });
    else if (r.part === 'affinity' && r.type === INTERACTION && r.name === AFFINITY) out.affinity.push({ user_id: s(r.user_id), persona: s(r.persona), last_value: nOrNull(r.lv) });
  }
  return out;
}
