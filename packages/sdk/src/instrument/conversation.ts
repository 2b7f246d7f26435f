import type { EventSink } from './types.js';
import type { TrackContext } from '../monitoring/context.js';

export interface MessageInfo extends TrackContext {
  /** Message text, used by the server for sentiment and stored only if the project opts in. */
  text?: string;
  /** `in` (from a user) or `out` (from the bot/persona). */
  direction?: 'in' | 'out';
  durationMs?: number;
  /** Sentiment −1…1 if the host computed it; otherwise the server derives it from `text`. */
  sentiment?: number;
  attributes?: Record<string, string | number | boolean>;
}

export interface FeedbackInfo extends TrackContext {
  /** The score, e.g. 1–5 stars or ±1 thumbs. */
  score: number;
  /** What was rated: `helpfulness` (default), `relevance`, `coherence` … */
  kind?: string;
  comment?: string;
  attributes?: Record<string, string | number | boolean>;
}

export interface InteractionInfo extends TrackContext {
  /** The persona acting. */
  persona: string;
  /** The other side: another persona or a user. */
  target: string;
  /** What happened (`reply`, `mention`, `banter` …); the event name. */
  kind?: string;
  /** e.g. affinity after the interaction (seed 001's relationships). */
  value?: number;
  attributes?: Record<string, string | number | boolean>;
}

/** A chat message (seed 001's messages per minute, sentiment by persona). */
export function trackMessage(sink: EventSink, m: MessageInfo): boolean {
  const { text, direction, durationMs, sentiment, attributes, ...ctx } = m;
  return sink.ship(
    {
      type: 'message',
      name: direction === 'out' ? 'reply' : 'message',
      text,
      sentiment,
      duration_ms: durationMs,
      attributes: direction ? { direction, ...attributes } : attributes,
    },
    ctx,
  );
}

/** A user's rating of a response (seed 001's helpfulness / satisfaction). */
export function trackFeedback(sink: EventSink, f: FeedbackInfo): boolean {
  const { score, kind, comment, attributes, ...ctx } = f;
  return sink.ship({ type: 'feedback', name: kind ?? 'helpfulness', value: score, text: comment, attributes }, ctx);
}

/** A persona interacting with another persona or a user (seed 001's relationships). */
export function trackInteraction(sink: EventSink, i: InteractionInfo): boolean {
  const { persona, target, kind, value, attributes, ...ctx } = i;
  return sink.ship({ type: 'interaction', name: kind ?? 'interaction', persona, target, value, attributes }, { ...ctx, persona });
}
