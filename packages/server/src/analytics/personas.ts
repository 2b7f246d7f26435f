/**
 * `GET /api/analytics/personas` — seed 001's `persona_analytics`, one entry per persona that sent a
 * `message` in the range. Evolution (level, XP, milestones, traits) is cumulative: it reads every
 * `evolution` event up to the range's end, not just the range.
 */
import type { NamedRow } from '../query/run.js';
import {
  days, eq, groupRows, MetaBuilder, num, numOrNull, ratio, read, round, sentimentShares, topKeys, type PresetInput,
} from './common.js';
import { relationshipPairs } from './relationships.js';
import { BANTER, EVOLUTION, INTERACTION, LEVEL, MESSAGE, MILESTONE, TRAIT, XP } from './vocabulary.js';

const PERSONA_MEASURES = [
  'count', 'unique_users', 'avg_duration_ms', 'text_samples', 'avg_text_length', 'questions', 'emojis', 'mentions',
  'positive_count', 'neutral_count', 'negative_count',
] as const;

export async function personaAnalytics(input: PresetInput) {
  const meta = new MetaBuilder(input.range);
  const messages = [eq('type', MESSAGE)];
  const sinceEver = { startMs: 0, endMs: input.range.endMs };
  const [stats, userSessions, topics, banterFrom, banterTo, banterTotal, pairs, evolution, traits] = await Promise.all([
    read(input, { measures: [...PERSONA_MEASURES], dimensions: ['persona'], where: messages }),
    read(input, { measures: ['unique_sessions'], dimensions: ['persona', 'user_id'], where: messages }),
    read(input, { measures: ['count'], dimensions: ['persona', 'topic'], where: messages }),
    read(input, { measures: ['count'], dimensions: ['persona'], where: [eq('type', INTERACTION), eq('name', BANTER)] }),
    read(input, { measures: ['count'], dimensions: ['target'], where: [eq('type', INTERACTION), eq('name', BANTER)] }),
    read(input, { measures: ['count'], where: [eq('type', INTERACTION), eq('name', BANTER)] }),
    relationshipPairs(input, [AFFINITY_OR_BANTER]),
    read(input, { measures: ['count', 'sum_value', 'last_value'], dimensions: ['persona', 'name'], where: [eq('type', EVOLUTION)], range: sinceEver }),
    read(input, { measures: ['first_seen'], dimensions: ['persona', 'attributes.trait'], where: [eq('type', EVOLUTION), eq('name', TRAIT)], range: sinceEver, order: [{ name: 'first_seen', direction: 'asc' }] }),
  ]);
  meta.note('engagement.repeat_users', userSessions);
  const span = days(input.range);
  const repeatBy = new Map<string, number>();
  for (const [persona, rows] of groupRows(userSessions.rows, 'persona')) {
    repeatBy.set(persona, rows.filter((r) => typeof r.user_id === 'string' && num(r.unique_sessions) > 1).length);
  }
  const topicsBy = groupRows(topics.rows, 'persona');
  const fromBy = new Map(banterFrom.rows.map((r) => [r.persona, num(r.count)]));
  const toBy = new Map(banterTo.rows.map((r) => [r.target, num(r.count)]));
  const banterAll = num(banterTotal.rows[0]?.count);
  const evoBy = groupRows(evolution.rows, 'persona');
  const traitsBy = groupRows(traits.rows, 'persona');
  const growthBy = new Map<string, number[]>();
  for (const p of pairs.pairs) {
    if (p.first === null || p.last === null) continue;
    for (const side of [p.a, p.b]) (growthBy.get(side) ?? growthBy.set(side, []).get(side)!).push((p.last - p.first) / 100);
  }

  const out: Record<string, unknown> = {};
  for (const row of stats.rows) {
    const persona = row.persona;
    if (typeof persona !== 'string') continue;
    const at = (field: string): string => `${persona}.${field}`;
    const hasText = num(row.text_samples) > 0;
    const evo = new Map((evoBy.get(persona) ?? []).map((r) => [r.name, r] as const));
    const growth = growthBy.get(persona);
    const banter = (fromBy.get(persona) ?? 0) + (toBy.get(persona) ?? 0);
    const noText = 'no message of this persona in the range carries text facts';
    out[persona] = {
      basic_stats: {
        total_messages: num(row.count),
        daily_messages: round(num(row.count) / span, 1),
        avg_response_length: meta.orNull(at('basic_stats.avg_response_length'), hasText ? round(row.avg_text_length, 1) : null, noText),
        avg_response_time: meta.orNull(at('basic_stats.avg_response_time'), seconds(row.avg_duration_ms), 'no message carries duration_ms'),
      },
      engagement: {
        user_interactions: num(row.unique_users),
        repeat_users: repeatBy.get(persona) ?? 0,
        relationship_growth: meta.orNull(
          at('engagement.relationship_growth'),
          growth && growth.length > 0 ? round(growth.reduce((a, b) => a + b, 0) / growth.length, 3) : null,
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

const AFFINITY_OR_BANTER = { field: 'type' as const, values: [INTERACTION] };

function seconds(ms: string | number | null | undefined): number | null {
  return typeof ms === 'number' ? round(ms / 1000, 3) : null;
}

function evolutionOf(evo: Map<unknown, NamedRow>, traits: readonly NamedRow[], none: (field: string, reason: string) => null) {
  const level = evo.get(LEVEL);
  const xp = evo.get(XP);
  const milestones = evo.get(MILESTONE);
  return {
    current_level: level ? numOrNull(level.last_value) : none('current_level', 'no `evolution` event named `level` for this persona'),
    total_xp: xp ? num(xp.sum_value) : none('total_xp', 'no `evolution` event named `xp` for this persona'),
    milestones_completed: milestones ? num(milestones.count) : 0,
    unlocked_traits: traits.map((r) => r['attributes.trait']).filter((t): t is string => typeof t === 'string'),
  };
}
