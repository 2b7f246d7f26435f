/**
 * `GET /api/analytics/conversations` — seed 001's `conversation_analytics`. A conversation is a
 * session: the `message` events that share a `session_id` (docs/ingest.md "Sessions").
 */
import type { NamedRow } from '../query/run.js';
import { eq, MetaBuilder, numOrNull, only, ratio, read, readRolled, readSplit, round, type RolledInput } from './common.js';
import { rolledSessions } from './user-rollups/read.js';
import { FEEDBACK, MESSAGE } from './vocabulary.js';

export async function conversationAnalytics(input: RolledInput) {
  const meta = new MetaBuilder(input.range);
  const span = input.range.endMs - input.range.startMs;
  const previous = { startMs: input.range.startMs - span, endMs: input.range.startMs };
  const messages = [eq('type', MESSAGE)];
  const [totals, perUser, prevUsers, feedback, spans] = await Promise.all([
    readSplit(input, { measures: ['count', 'session_events', 'unique_sessions', 'text_samples', 'meaningful_texts'], where: messages }, ['session_events', 'unique_sessions']),
    readRolled(input, { measures: ['unique_sessions'], dimensions: ['user_id'], where: messages }),
    readRolled(input, { measures: ['count'], dimensions: ['user_id'], where: messages, range: previous }),
    read(input, { measures: ['count', 'avg_value'], where: [eq('type', FEEDBACK)] }),
    // Per session (first to last message), in the store: no per-session rows come back.
    rolledSessions(input, 'all', messages) ?? read(input, { per: 'session', measures: ['sessions', 'avg_session_ms'], where: messages }),
  ]);
  meta.note('daily_stats.user_retention_rate', perUser);
  meta.note('daily_stats.user_retention_rate', prevUsers);
  const t = only(totals.rows);
  const sessions = Number(t.unique_sessions) || 0;
  const users = perUser.rows.filter((r) => typeof r.user_id === 'string');
  const current = new Set(users.map((r) => r.user_id as string));
  const before = prevUsers.rows.map((r) => r.user_id).filter((u): u is string => typeof u === 'string');
  const retained = before.filter((u) => current.has(u)).length;
  const repeat = users.filter((r) => (Number(r.unique_sessions) || 0) > 1).length;
  const avgSessionMs = numOrNull(only(spans.rows).avg_session_ms);
  const f: NamedRow = only(feedback.rows);

  return {
    conversation_analytics: {
      daily_stats: {
        total_conversations: sessions,
        avg_conversation_length: meta.orNull('daily_stats.avg_conversation_length', round(ratio(Number(t.session_events) || 0, sessions), 2), 'no message event carries a session_id'),
        avg_session_duration: meta.orNull(
          'daily_stats.avg_session_duration',
          avgSessionMs === null ? null : round(avgSessionMs / 60_000, 2),
          'no session in the range',
        ),
        user_retention_rate: meta.orNull(
          'daily_stats.user_retention_rate',
          round(ratio(retained, before.length), 4),
          'no user sent messages in the previous period of equal length',
        ),
      },
      quality_metrics: {
        meaningful_responses: meta.orNull(
          'quality_metrics.meaningful_responses',
          round(ratio(Number(t.meaningful_texts) || 0, Number(t.text_samples) || 0), 4),
          'no message in the range carries text facts (sent without text, or stored before they existed)',
        ),
        user_satisfaction_score: meta.orNull('quality_metrics.user_satisfaction_score', round(numOrNull(f.avg_value), 2), 'no feedback event with a value in the range'),
        repeat_interaction_rate: meta.orNull('quality_metrics.repeat_interaction_rate', round(ratio(repeat, users.length), 4), 'no message event carries a user_id'),
      },
    },
    meta: { ...meta.build(), messages: Number(t.count) || 0, sessions, users: users.length, retained_users: retained, previous_users: before.length, repeat_users: repeat },
  };
}
