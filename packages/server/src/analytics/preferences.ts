/**
 * `GET /api/analytics/users/preferences` — seed 001's `user_persona_analytics` for the `limit` most
 * active users (by messages; default 20, at most 100, as a user_id filter takes ≤ 100 values), plus
 * persona popularity over everyone.
 */
import type { NamedRow } from '../query/run.js';
import { AFFINITY, FEEDBACK, INTERACTION, MESSAGE } from './vocabulary.js';
import { eq, groupRows, MetaBuilder, num, numOrNull, read, readRolled, round, topKeys, WEEK_MS, type RolledInput } from './common.js';
import { topUsersStatement, userHabitsStatement, type TopUsers, type UserHabits } from './duckdb/preferences.js';
import { statementsFor } from './duckdb/sql.js';

const messages = eq('type', MESSAGE);

export async function userPersonaAnalytics(input: RolledInput, limit: number) {
  const meta = new MetaBuilder(input.range);
  const statements = statementsFor(input);
  const [first, durations, satisfaction] = await Promise.all([
    statements ? topUsersStatement(input, limit) : topUsersReads(input, limit),
    read(input, { measures: ['avg_duration_ms'], dimensions: ['persona'], where: [messages] }),
    read(input, { measures: ['avg_value'], dimensions: ['persona'], where: [eq('type', FEEDBACK)] }),
  ]);
  const users = first.top.filter((r) => typeof r.user_id === 'string').slice(0, limit);
  const ids = users.map((r) => r.user_id as string);
  const preferences: Record<string, unknown> = {};
  if (ids.length > 0) {
    const [byPersona, habits] = await Promise.all([
      first.byPersona ?? readRolled(input, { measures: ['count'], dimensions: ['user_id', 'persona'], where: [messages, eq('user_id', ...ids)] }).then((e) => e.rows),
      statements ? userHabitsStatement(input, ids) : userHabitsReads(input, ids),
    ]);
    const personaOf = groupRows(byPersona, 'user_id');
    const topicOf = groupRows(habits.topics, 'user_id');
    const hourOf = groupRows(habits.hours, 'user_id');
    const affinityOf = groupRows(habits.affinity, 'user_id');
    const weeks = (input.range.endMs - input.range.startMs) / WEEK_MS;
    for (const u of users) {
      const id = u.user_id as string;
      const levels: Record<string, number> = {};
      for (const r of affinityOf.get(id) ?? []) if (typeof r.persona === 'string' && numOrNull(r.last_value) !== null) levels[r.persona] = round(r.last_value, 1)!;
      preferences[id] = {
        favorite_persona: topKeys(personaOf.get(id) ?? [], 'persona', 'count', 1)[0] ?? null,
        interaction_frequency: round(num(u.count) / weeks, 1),
        relationship_levels: levels,
        preferred_topics: topKeys(topicOf.get(id) ?? [], 'topic', 'count', 2),
        interaction_times: hours(hourOf.get(id) ?? []),
      };
    }
  }
  // Users per persona (the user rollups) with the mean response time (the query layer) of each.
  const duration = new Map(durations.rows.map((r) => [r.persona, r.avg_duration_ms]));
  const personas = first.personas.map((r) => ({ persona: r.persona ?? null, unique_users: r.unique_users ?? null, avg_duration_ms: duration.get(r.persona ?? null) ?? null }));
  const best = (rows: readonly NamedRow[], measure: string, dir: 1 | -1): string | null => {
    const valued = rows.filter((r) => typeof r.persona === 'string' && typeof r[measure] === 'number');
    valued.sort((a, b) => dir * ((b[measure] as number) - (a[measure] as number)) || String(a.persona).localeCompare(String(b.persona)));
    return (valued[0]?.persona as string | undefined) ?? null;
  };
  return {
    user_persona_analytics: {
      user_preferences: preferences,
      persona_popularity: {
        most_engaged: meta.orNull('persona_popularity.most_engaged', best(personas, 'unique_users', 1), 'no message with a persona in the range'),
        highest_satisfaction: meta.orNull('persona_popularity.highest_satisfaction', best(satisfaction.rows, 'avg_value', 1), 'no feedback event with a persona and value in the range'),
        fastest_response: meta.orNull('persona_popularity.fastest_response', best(personas, 'avg_duration_ms', -1), 'no message with a persona carries duration_ms'),
      },
    },
    meta: { ...meta.build(), users: ids.length, limit, interaction_frequency_unit: 'messages per week' },
  };
}

/** The user's three busiest UTC hours, in clock order ("20:00"). */
function hours(rows: readonly NamedRow[]): string[] {
  return rows
    .filter((r) => typeof r.hour_of_day === 'number')
    .sort((a, b) => num(b.count) - num(a.count) || num(a.hour_of_day) - num(b.hour_of_day))
    .slice(0, 3)
    .map((r) => num(r.hour_of_day))
    .sort((a, b) => a - b)
    .map((h) => `${String(h).padStart(2, '0')}:00`);
}

/** Topics, hours and affinities of `ids` from three query-layer reads (any store, any filter). */
async function userHabitsReads(input: RolledInput, ids: readonly string[]): Promise<UserHabits> {
  const mine = eq('user_id', ...ids);
  const [topics, hours, affinity] = await Promise.all([
    read(input, { measures: ['count'], dimensions: ['user_id', 'topic'], where: [messages, mine] }),
    read(input, { measures: ['count'], dimensions: ['user_id', 'hour_of_day'], where: [messages, mine] }),
    read(input, { measures: ['last_value'], dimensions: ['user_id', 'persona'], where: [eq('type', INTERACTION), eq('name', AFFINITY), mine] }),
  ]);
  return { topics: topics.rows, hours: hours.rows, affinity: affinity.rows };
}

/** The top users and users per persona from query-layer reads; messages per persona of the top users come later. */
async function topUsersReads(input: RolledInput, limit: number): Promise<TopUsers> {
  const [top, personas] = await Promise.all([
    // One extra row: the group of messages without a user_id may take a place, and is dropped.
    readRolled(input, { measures: ['count'], dimensions: ['user_id'], where: [messages], limit: limit + 1 }),
    readRolled(input, { measures: ['unique_users'], dimensions: ['persona'], where: [messages] }),
  ]);
  return { top: top.rows, byPersona: null, personas: personas.rows };
}
