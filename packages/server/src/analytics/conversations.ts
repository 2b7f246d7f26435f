/**
 * `GET /api/analytics/conversations` — seed 001's `conversation_analytics`. A conversation is a
 * session: the `message` events that share a `session_id` (docs/ingest.md "Sessions").
 */
import type { NamedRow } from '../query/run.js';
import type { TimeRange } from '../query/types.js';
import { eq, MetaBuilder, numOrNull, only, ratio, read, readRolled, round, type RolledInput } from './common.js';
import { sessionStatement, type SessionFigures } from './duckdb/conversations.js';
import { statementsFor } from './duckdb/sql.js';
import { rolledSessions } from './user-rollups/read.js';
import { FEEDBACK, MESSAGE } from './vocabulary.js';

const messages = [eq('type', MESSAGE)];

export async function conversationAnalytics(input: RolledInput) {
  const meta = new MetaBuilder(input.range);
  const span = input.range.endMs - input.range.startMs;
  const previous = { startMs: input.range.startMs - span, endMs: input.range.startMs };
  const [f, totals, feedback] = await Promise.all([
    statementsFor(input) ? sessionStatement(input, previous) : sessionReads(input, previous),
    read(input, { measures: ['count', 'text_samples', 'meaningful_texts'], where: messages }),
    read(input, { measures: ['count', 'avg_value'], where: [eq('type', FEEDBACK)] }),
  ]);
  for (let i = 0; i < f.truncatedReads; i++) meta.truncated.push('daily_stats.user_retention_rate');
  const t = only(totals.rows);
  const { sessions, users, repeatUsers: repeat, retainedUsers: retained, previousUsers, avgSessionMs } = f;
  const fb: NamedRow = only(feedback.rows);

  return {
    conversation_analytics: {
      daily_stats: {
        total_conversations: sessions,
        avg_conversation_length: meta.orNull('daily_stats.avg_conversation_length', round(ratio(f.sessionEvents, sessions), 2), 'no message event carries a session_id'),
        avg_session_duration: meta.orNull(
          'daily_stats.avg_session_duration',
          avgSessionMs === null ? null : round(avgSessionMs / 60_000, 2),
          'no session in the range',
        ),
        user_retention_rate: meta.orNull(
          'daily_stats.user_retention_rate',
          round(ratio(retained, previousUsers), 4),
          'no user sent messages in the previous period of equal length',
        ),
      },
      quality_metrics: {
        meaningful_responses: meta.orNull(
          'quality_metrics.meaningful_responses',
          round(ratio(Number(t.meaningful_texts) || 0, Number(t.text_samples) || 0), 4),
          'no message in the range carries text facts (sent without text, or stored before they existed)',
        ),
        user_satisfaction_score: meta.orNull('quality_metrics.user_satisfaction_score', round(numOrNull(fb.avg_value), 2), 'no feedback event with a value in the range'),
        repeat_interaction_rate: meta.orNull('quality_metrics.repeat_interaction_rate', round(ratio(repeat, users), 4), 'no message event carries a user_id'),
      },
    },
    meta: { ...meta.build(), messages: Number(t.count) || 0, sessions, users, retained_users: retained, previous_users: previousUsers, repeat_users: repeat },
  };
}

/** The same figures from query-layer reads (any store, any filter): per-user rows compared here. */
async function sessionReads(input: RolledInput, previous: TimeRange): Promise<SessionFigures> {
  const [totals, perUser, prevUsers, spans] = await Promise.all([
    readRolled(input, { measures: ['session_events', 'unique_sessions'], where: messages }),
    readRolled(input, { measures: ['unique_sessions'], dimensions: ['user_id'], where: messages }),
    readRolled(input, { measures: ['count'], dimensions: ['user_id'], where: messages, range: previous }),
    // Per session (first to last message), in the store: no per-session rows come back.
    rolledSessions(input, 'all', messages) ?? read(input, { per: 'session', measures: ['sessions', 'avg_session_ms'], where: messages }),
  ]);
  const t = only(totals.rows);
  const users = perUser.rows.filter((r) => typeof r.user_id === 'string');
  const current = new Set(users.map((r) => r.user_id as string));
  const before = prevUsers.rows.map((r) => r.user_id).filter((u): u is string => typeof u === 'string');
  return {
    sessions: Number(t.unique_sessions) || 0,
    sessionEvents: Number(t.session_events) || 0,
    avgSessionMs: numOrNull(only(spans.rows).avg_session_ms),
    users: users.length,
    repeatUsers: users.filter((r) => (Number(r.unique_sessions) || 0) > 1).length,
    previousUsers: before.length,
    retainedUsers: before.filter((u) => current.has(u)).length,
    truncatedReads: Number(perUser.truncated) + Number(prevUsers.truncated),
  };
}
