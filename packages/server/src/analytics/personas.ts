/**
 * `GET /api/analytics/personas` — seed 001's `persona_analytics`, one entry per persona that sent a
 * `message` in the range. Evolution (level, XP, milestones, traits) is cumulative: it reads every
 * `evolution` event up to the range's end, not just the range.
 */
import type { NamedRow } from '../query/run.js';
import {
  days, eq, groupRows, MetaBuilder, num, numOrNull, ratio, read, readRolled, round, sentimentShares, topKeys, type RolledInput,
} from './common.js';
import { personaInteractionsStatement, personaTopicsStatement, personaUsersStatement, type PersonaInteractions, type PersonaUsers } from './duckdb/personas.js';
import { statementsFor } from './duckdb/sql.js';
import { mergePairs, PAIR_MEASURES } from './relationships.js';
import { rolledEvolution } from './user-rollups/read.js';
import { BANTER, EVOLUTION, INTERACTION, LEVEL, MESSAGE, MILESTONE, TRAIT, XP } from './vocabulary.js';

/** Per persona from the query layer (the hour/day rollups answer these); unique users come with the engagement figures. */
const PERSONA_MEASURES = [
  'count', 'avg_duration_ms', 'text_samples', 'avg_text_length', 'questions', 'emojis', 'mentions',
  'positive_count', 'neutral_count', 'negative_count',
] as const;
const messages = [eq('type', MESSAGE)];

export async function personaAnalytics(input: RolledInput) {
  const meta = new MetaBuilder(input.range);
  const sinceEver = { startMs: 0, endMs: input.range.endMs };
  const statements = statementsFor(input);
  const [stats, engaged, topics, interactions, evolution] = await Promise.all([
    read(input, { measures: [...PERSONA_MEASURES], dimensions: ['persona'], where: messages }),
    statements ? personaUsersStatement(input) : personaUsersReads(input),
    statements ? personaTopicsStatement(input) : read(input, { measures: ['count'], dimensions: ['persona', 'topic'], where: messages }),
    statements ? personaInteractionsStatement(input) : personaInteractionsReads(input),
    rolledEvolution(input, input.range.endMs) ?? read(input, {
      measures: ['count', 'sum_value', 'last_value', 'first_seen'],
      dimensions: ['persona', 'name', 'attributes.trait'],
      where: [eq('type', EVOLUTION)],
      range: sinceEver,
      order: [{ name: 'first_seen', direction: 'asc' }],
    }),
  ]);
  if (engaged.truncated) meta.truncated.push('engagement.repeat_users');
  if (interactions.truncated) meta.truncated.push('engagement.relationship_growth');
  const span = days(input.range);
  const topicsBy = groupRows(topics.rows, 'persona');
  const evoBy = new Map<string, Map<unknown, NamedRow>>();
  const traitsBy = new Map<string, string[]>();
  for (const r of evolution.rows) {
    if (typeof r.persona !== 'string') continue;
    const trait = r['attributes.trait'];
    if (r.name === TRAIT && typeof trait === 'string') {
      const list = traitsBy.get(r.persona) ?? traitsBy.set(r.persona, []).get(r.persona)!;
      if (!list.includes(trait)) list.push(trait);
      continue;
    }
    const byName = evoBy.get(r.persona) ?? evoBy.set(r.persona, new Map()).get(r.persona)!;
    const prev = byName.get(r.name);
    // A trait attribute on a non-trait event splits its name into rows: fold them back together.
    byName.set(r.name, prev ? { ...prev, count: num(prev.count) + num(r.count), sum_value: num(prev.sum_value) + num(r.sum_value) } : r);
  }
  const { banterAll } = interactions;

  const out: Record<string, unknown> = {};
  for (const row of stats.rows) {
    const persona = row.persona;
    if (typeof persona !== 'string') continue;
    const at = (field: string): string => `${persona}.${field}`;
    const hasText = num(row.text_samples) > 0;
    const evo = evoBy.get(persona) ?? new Map<unknown, NamedRow>();
    const growth = interactions.growth.get(persona);
    const banter = interactions.banter.get(persona) ?? 0;
    const noText = 'no message of this persona in the range carries text facts';
    out[persona] = {
      basic_stats: {
        total_messages: num(row.count),
        daily_messages: round(num(row.count) / span, 1),
        avg_response_length: meta.orNull(at('basic_stats.avg_response_length'), hasText ? round(row.avg_text_length, 1) : null, noText),
        avg_response_time: meta.orNull(at('basic_stats.avg_response_time'), seconds(row.avg_duration_ms), 'no message carries duration_ms'),
      },
      engagement: {
        user_interactions: engaged.users.get(persona) ?? 0,
        repeat_users: engaged.repeat.get(persona) ?? 0,
        relationship_growth: meta.orNull(
          at('engagement.relationship_growth'),
          growth === undefined ? null : round(growth, 3),
          'no interaction event with an affinity value involves this persona in the range',
        ),
        banter_participation: meta.orNull(at('engagement.banter_participation'), round(ratio(banter, banterAll), 3), 'no banter interaction in the range'),
      },
      content_analysis: {
        top_topics: topKeys(topicsBy.get(persona) ?? [], 'topic', 'count', 3),
        sentiment_distribution: meta.orNull(at('content_analysis.sentiment_distribution'), sentimentShares(row), 'no message of this persona carries a sentiment'),
        response_patterns: hasText
          ? { questions_asked: num(row.questions), emojis_used: num(row.emojis), mentions_others: num(row.mentions) }
          : meta.orNull(at('content_analysis.response_patterns'), null, noText),
      },
      evolution: evolutionOf(evo, traitsBy.get(persona) ?? [], (field, reason) => meta.orNull(at(`evolution.${field}`), null, reason)),
    };
  }
  return { persona_analytics: out, meta: meta.build() };
}

function seconds(ms: string | number | null | undefined): number | null {
  return typeof ms === 'number' ? round(ms / 1000, 3) : null;
}

function evolutionOf(evo: Map<unknown, NamedRow>, traits: readonly string[], none: (field: string, reason: string) => null) {
  const level = evo.get(LEVEL);
  const xp = evo.get(XP);
  const milestones = evo.get(MILESTONE);
  return {
    current_level: level ? numOrNull(level.last_value) : none('current_level', 'no `evolution` event named `level` for this persona'),
    total_xp: xp ? num(xp.sum_value) : none('total_xp', 'no `evolution` event named `xp` for this persona'),
    milestones_completed: milestones ? num(milestones.count) : 0,
    unlocked_traits: [...traits],
  };
}

/** Users and repeat users per persona from query-layer reads (any store, any filter). */
async function personaUsersReads(input: RolledInput): Promise<PersonaUsers> {
  const [unique, userSessions] = await Promise.all([
    readRolled(input, { measures: ['unique_users'], dimensions: ['persona'], where: messages }),
    readRolled(input, { measures: ['unique_sessions'], dimensions: ['persona', 'user_id'], where: messages }),
  ]);
  const users = new Map<string, number>();
  for (const r of unique.rows) if (typeof r.persona === 'string') users.set(r.persona, num(r.unique_users));
  const repeat = new Map<string, number>();
  for (const [persona, rows] of groupRows(userSessions.rows, 'persona')) {
    repeat.set(persona, rows.filter((r) => typeof r.user_id === 'string' && num(r.unique_sessions) > 1).length);
  }
  return { users, repeat, truncated: userSessions.truncated };
}

/** Banter participation and relationship growth from one query-layer read of interactions (pairs merged here). */
async function personaInteractionsReads(input: RolledInput): Promise<PersonaInteractions> {
  const interactions = await read(input, { measures: [...PAIR_MEASURES], dimensions: ['persona', 'target', 'name'], where: [eq('type', INTERACTION)] });
  const banter = new Map<string, number>();
  let banterAll = 0;
  for (const r of interactions.rows) {
    if (r.name !== BANTER) continue;
    banterAll += num(r.count);
    for (const side of new Set([r.persona, r.target])) if (typeof side === 'string') banter.set(side, (banter.get(side) ?? 0) + num(r.count));
  }
  const changes = new Map<string, number[]>();
  for (const p of mergePairs(interactions.rows).values()) {
    if (p.first === null || p.last === null) continue;
    for (const side of [p.a, p.b]) (changes.get(side) ?? changes.set(side, []).get(side)!).push(p.last - p.first);
  }
  // The mean change in points, then ÷ 100 — as the statement computes it: whole-point changes add up exactly in any
  // order, where hundredths would round differently with the order of the pairs.
  const growth = new Map([...changes].map(([side, list]) => [side, list.reduce((a, b) => a + b, 0) / list.length / 100] as const));
  return { banter, banterAll, growth, truncated: interactions.truncated };
}
