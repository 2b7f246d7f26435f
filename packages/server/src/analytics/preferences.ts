/**
 * `GET /api/analytics/users/preferences` — seed 001's `user_persona_analytics` for the `limit` most
 * active users (by messages; default 20, at most 100, as a user_id filter takes ≤ 100 values), plus
 * persona popularity over everyone.
 */
import type { NamedRow } from '../query/run.js';
import { AFFINITY, FEEDBACK, INTERACTION, MESSAGE } from './vocabulary.js';
import { eq, groupRows, MetaBuilder, num, numOrNull, read, readRolled, readSplit, round, topKeys, WEEK_MS, type RolledInput } from './common.js';

export async function userPersonaAnalytics(input: RolledInput, limit: number) {
  const meta = new MetaBuilder(input.range);
  const messages = eq('type', MESSAGE);
  const [top, personas, satisfaction] = await Promise.all([
    // One extra row: the group of messages without a user_id may take a place, and is dropped.
    readRolled(input, { measures: ['count'], dimensions: ['user_id'], where: [messages], limit: limit + 1 }),
    readSplit(input, { measures: ['unique_users', 'avg_duration_ms'], dimensions: ['persona'], where: [messages] }, ['unique_users']),
    read(input, { measures: ['avg_value'], dimensions: ['persona'], where: [eq('type', FEEDBACK)] }),
  ]);
  const users = top.rows.filter((r) => typeof r.user_id === 'string').slice(0, limit);
  const ids = users.map((r) => r.user_id as string);
  const preferences: Record<string, unknown> = {};
  if (ids.length > 0) {
    const mine = eq('user_id', ...ids);
    const [byPersona, byTopic, byHour, affinity] = await Promise.all([
      readRolled(input, { measures: ['count'], dimensions: ['user_id', 'persona'], where: [messages, mine] }),
      read(input, { measures: ['count'], dimensions: ['user_id', 'topic'], where: [messages, mine] }),
      read(input, { measures: ['count'], dimensions: ['user_id', 'hour_of_day'], where: [messages, mine] }),
      read(input, { measures: ['last_value'], dimensions: ['user_id', 'persona'], where: [eq('type', INTERACTION), eq('name', AFFINITY), mine] }),
    ]);
    const personaOf = groupRows(byPersona.rows, 'user_id');
    const topicOf = groupRows(byTopic.rows, 'user_id');
    const hourOf = groupRows(byHour.rows, 'user_id');
    const affinityOf = groupRows(affinity.rows, 'user_id');
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
  const best = (rows: readonly NamedRow[], measure: string, dir: 1 | -1): string | null => {
    const valued = rows.filter((r) => typeof r.persona === 'string' && typeof r[measure] === 'number');
    valued.sort((a, b) => dir * ((b[measure] as number) - (a[measure] as number)) || String(a.persona).localeCompare(String(b.persona)));
    return (valued[0]?.persona as string | undefined) ?? null;
  };
  return {
    user_persona_analytics: {
      user_preferences: preferences,
      persona_popularity: {
        most_engaged: meta.orNull('persona_popularity.most_engaged', best(personas.rows, 'unique_users', 1), 'no message with a persona in the range'),
        highest_satisfaction: meta.orNull('persona_popularity.highest_satisfaction', best(satisfaction.rows, 'avg_value', 1), 'no feedback event with a persona and value in the range'),
        fastest_response: meta.orNull('persona_popularity.fastest_response', best(personas.rows, 'avg_duration_ms', -1), 'no message with a persona carries duration_ms'),
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
