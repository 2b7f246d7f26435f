/**
 * user_persona_analytics's own statements: the most active users with their messages per persona and each persona's
 * users, from one grouping of the user rollups' message rows; then those users' topics and busiest hours, and their
 * affinities, from user_topic_hour.
 */
import type { NamedRow } from '../../query/run.js';
import type { RolledInput } from '../user-rollups/read.js';
import { USER_SESSION_DAY, USER_TOPIC_HOUR } from '../user-rollups/tables.js';
import { AFFINITY, INTERACTION, MESSAGE } from '../vocabulary.js';
import type { Row } from '../../store/types.js';
import { binder, byPart, createTable, rawRows, n, nOrNull, run, s, tableRows, userRows, rolledRows, withWholeHours, type Binder } from './sql.js';

export interface TopUsers {
  /** The first `limit + 1` groups by messages (`user_id`, `count`; the group without a user may be one). */
  top: NamedRow[];
  /** Messages per persona (`user_id`, `persona`, `count`) of the users in `top` (null: read once they are known). */
  byPersona: NamedRow[] | null;
  /** Distinct users per persona (`persona`, `unique_users`; null persona included, as the read gave it). */
  personas: NamedRow[];
}

export async function topUsersStatement(input: RolledInput, limit: number): Promise<TopUsers> {
  const messages = [{ field: 'type' as const, values: [MESSAGE] }];
  const grouped = (rows: string): string => `SELECT user_id, persona, sum(n) AS n FROM (${rows}) AS u GROUP BY user_id, persona`;
  // Messages per (user, persona) add up: the whole hours' from the whole-hour cache, the rest's added.
  const rows = await withWholeHours(input, 'preferences-top', USER_SESSION_DAY, ['up'],
    (span, t) => [createTable(t.up!, (b) => grouped(rolledRows(input, b, USER_SESSION_DAY, span, messages)))],
    (t, b) => {
      const edges = rawRows(input, b, USER_SESSION_DAY, input.range, messages);
      return topFrom(input, limit, b, `SELECT user_id, persona, sum(n) AS n FROM (SELECT user_id, persona, n FROM ${t.up}
        UNION ALL SELECT user_id, persona, n FROM (${edges}) AS u) AS x GROUP BY user_id, persona`);
    },
    (b) => topFrom(input, limit, b, grouped(userRows(input, b, USER_SESSION_DAY, input.range, messages))));
  const parts = byPart(rows);
  return {
    top: (parts.get('top') ?? []).map((r) => ({ user_id: s(r.user_id), count: n(r.count) })),
    byPersona: (parts.get('mine') ?? []).map((r) => ({ user_id: s(r.user_id), persona: s(r.persona), count: n(r.count) })),
    personas: (parts.get('persona') ?? []).map((r) => ({ persona: s(r.persona), unique_users: n(r.unique_users) })),
  };
}

function topFrom(input: RolledInput, limit: number, b: Binder, up: string): Promise<Row[]> {
  const sql = `WITH up AS MATERIALIZED (${up}),
    top AS MATERIALIZED (
      SELECT user_id, sum(n) AS n, row_number() OVER (ORDER BY sum(n) DESC, user_id ASC) AS ord FROM up GROUP BY user_id QUALIFY ord <= ${b.bind(limit + 1)})
    SELECT 'top' AS part, user_id, n AS count, ord FROM top
    UNION ALL BY NAME SELECT 'mine' AS part, user_id, persona, n AS count FROM up WHERE user_id IN (SELECT user_id FROM top)
    UNION ALL BY NAME SELECT 'persona' AS part, persona, count(user_id) AS unique_users FROM up GROUP BY persona`;
  return run(input, sql, b);
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
  // list_contains costs a hash probe per row where IN (…) compares every value. Both add up (counts; the latest
  // affinity by its time), so the whole hours' are every user's from the whole-hour cache, and the rest's are added.
  const messages = [{ field: 'type' as const, values: [MESSAGE] }];
  const affinities = [{ field: 'type' as const, values: [INTERACTION] }, { field: 'name' as const, values: [AFFINITY] }];
  const habits = (rows: string, by: string): string => `SELECT CASE WHEN grouping(topic) = 0 THEN 'topic' ELSE 'hour' END AS part, user_id, topic, h, sum(n) AS n
    FROM (${rows}) AS e GROUP BY GROUPING SETS ((user_id, topic), (user_id, h))${by}`;
  const hourOf = (rows: string): string => `SELECT user_id, topic, CAST(hour(hour) AS INTEGER) AS h, n FROM (${rows}) AS u`;
  const levels = (rows: string): string => `SELECT user_id, persona, arg_max(lv, lts) AS lv FROM (${rows}) AS u
    GROUP BY user_id, persona ORDER BY lv DESC, user_id ASC, persona ASC`;
  const latest = (rows: string): string => `SELECT user_id, persona, value_last AS lv, value_last_ts AS lts FROM (${rows}) AS u`;
  const [counts, affinity] = await withWholeHours(input, 'preferences-habits', USER_TOPIC_HOUR, ['habits', 'levels'],
    (span, t) => [
      createTable(t.habits!, (b) => habits(hourOf(rolledRows(input, b, USER_TOPIC_HOUR, span, messages)), '')),
      createTable(t.levels!, (b) => `SELECT user_id, persona, arg_max(value_last, value_last_ts) AS lv, max(value_last_ts) AS lts
        FROM (${rolledRows(input, b, USER_TOPIC_HOUR, span, affinities)}) AS u GROUP BY user_id, persona`),
    ],
    (t) => {
      const m = binder();
      const mine = m.bind(ids);
      const rest = rawRows(input, m, USER_TOPIC_HOUR, input.range, messages, [`list_contains(${mine}, user_id)`]);
      const counted = `SELECT part, user_id, topic, h, sum(n) AS n FROM (
          SELECT part, user_id, topic, h, n FROM ${t.habits} WHERE list_contains(${mine}, user_id)
          UNION ALL ${habits(hourOf(rest), '')}) AS x GROUP BY part, user_id, topic, h`;
      const a = binder();
      const theirs = a.bind(ids);
      const restLevels = rawRows(input, a, USER_TOPIC_HOUR, input.range, affinities, [`list_contains(${theirs}, user_id)`]);
      const merged = levels(`SELECT user_id, persona, lv, lts FROM ${t.levels} WHERE list_contains(${theirs}, user_id) UNION ALL ${latest(restLevels)}`);
      return Promise.all([run(input, counted, m), run(input, merged, a)]);
    },
    () => {
      const m = binder();
      const rows = tableRows(input, m, USER_TOPIC_HOUR, messages, [`list_contains(${m.bind(ids)}, user_id)`]);
      const a = binder();
      const interactions = tableRows(input, a, USER_TOPIC_HOUR, affinities, [`list_contains(${a.bind(ids)}, user_id)`]);
      return Promise.all([run(input, habits(hourOf(rows), ''), m), run(input, levels(latest(interactions)), a)]);
    });
  return {
    topics: counts.filter((r) => r.part === 'topic').map((r) => ({ user_id: s(r.user_id), topic: s(r.topic), count: n(r.n) })),
    hours: counts.filter((r) => r.part === 'hour').map((r) => ({ user_id: s(r.user_id), hour_of_day: nOrNull(r.h), count: n(r.n) })),
    affinity: affinity.map((r) => ({ user_id: s(r.user_id), persona: s(r.persona), last_value: nOrNull(r.lv) })),
  };
}
