import type { EventInput } from '@pulse/protocol';

/**
 * A hand-built community for the analytics tests; analytics.test.ts works every answer out from it.
 * Range under test: [2026-03-09T00:00Z, 2026-03-11T00:00Z) (Monday–Tuesday, 2 days); the clock stands at
 * 2026-03-11T12:00Z. The previous period of equal length is [03-07, 03-09).
 *
 * Messages (type message), in range:
 *   m  when         user persona session  ms    sentiment  status  text
 *   1  03-09 10:00  u1   scav    s1       1000  0.6        ok      T1 (gaming, 1 question, 1 emoji)
 *   2  03-09 10:05  u1   scav    s1       2000  0          ok      "ok"
 *   3  03-09 10:20  u1   scav    s1       3000  0.5        ok      T3 (food, 1 question run, 2 mentions)
 *   4  03-10 09:00  u1   toad    s2       1500  0.2        ok      T4 (movies, 1 question, 2 emoji)
 *   5  03-09 20:00  u2   toad    s3       2500  0.8        ok      T5 (music)
 *   6  03-09 20:10  u2   toad    s3       3500  -0.7       error   T6 (technology)
 *   7  03-10 21:00  u3   scav    s4       2000  —          ok      —
 *   8  03-10 22:00  u2   toad    s5       2500  —          ok      —
 * Before the range: u1 on 03-07 (scav, session sp), u4 on 03-08 (scav, s0); `user` events for u2 on 03-01
 * (plan basic) and u5 on 02-20 (plan free).
 * Banter (interaction/banter): scav→toad 60 friends (03-09), toad→scav 70 friends (03-10), scav→hal9000 40
 * without a stage (03-10). Affinity (interaction/affinity): u1–scav 50 then 65, u2–toad 80.
 * LLM: u1 2× gpt-4o (1000/100 tokens, $0.01, 2000 ms, s1), u2 1× claude-3-5-haiku (500/50, $0.002, 1000 ms, s3).
 * Feedback: u1 5 on gpt-4o/scav, u2 3 on claude/toad (03-10). Payments: u1 9.99 premium ok, u2 4.99 basic
 * declined. Evolution: scav xp 100 + 150, level 2 then 3, milestone first_friend, traits empathy, humor; an
 * xp 999 after the range's end. Twelve anonymous `http` events on 03-09 (no user).
 */
export const NOW = Date.parse('2026-03-11T12:00:00Z');
export const START = '2026-03-09T00:00:00Z';
export const END = '2026-03-11T00:00:00Z';

export const T1 = 'Want to play a game tonight? 🎮';
export const T3 = 'That pizza looked amazing, @toad <@1234> what do you think??';
export const T4 = 'Which movie should we watch? 🍿🎬';
export const T5 = 'I love this song so much';
export const T6 = 'the server crashed again, the code is broken';

const at = (iso: string): number => Date.parse(`2026-${iso}:00Z`);

const msg = (ts: string, user: string, persona: string, session: string, ms: number, extra: Partial<EventInput> = {}): EventInput => ({
  ts: at(ts), type: 'message', user_id: user, persona, session_id: session, duration_ms: ms, ...extra,
});

export const EVENTS: EventInput[] = [
  msg('03-09T10:00', 'u1', 'scav', 's1', 1000, { text: T1, sentiment: 0.6 }),
  msg('03-09T10:05', 'u1', 'scav', 's1', 2000, { text: 'ok', sentiment: 0 }),
  msg('03-09T10:20', 'u1', 'scav', 's1', 3000, { text: T3, sentiment: 0.5 }),
  msg('03-10T09:00', 'u1', 'toad', 's2', 1500, { text: T4, sentiment: 0.2 }),
  msg('03-09T20:00', 'u2', 'toad', 's3', 2500, { text: T5, sentiment: 0.8 }),
  msg('03-09T20:10', 'u2', 'toad', 's3', 3500, { text: T6, sentiment: -0.7, status: 'error', error_type: 'Timeout' }),
  msg('03-10T21:00', 'u3', 'scav', 's4', 2000),
  msg('03-10T22:00', 'u2', 'toad', 's5', 2500),
  msg('03-07T15:00', 'u1', 'scav', 'sp', 1000),
  msg('03-08T15:00', 'u4', 'scav', 's0', 1000),
  { ts: at('03-01T12:00'), type: 'user', name: 'signup', user_id: 'u2', attributes: { plan: 'basic' } },
  { ts: at('02-20T12:00'), type: 'user', name: 'signup', user_id: 'u5', attributes: { plan: 'free' } },
  { ts: at('03-09T12:00'), type: 'interaction', name: 'banter', persona: 'scav', target: 'toad', value: 60, sentiment: 0.5, attributes: { stage: 'friends', exchange_length: 3, continued: true, topic: 'gaming' } },
  { ts: at('03-10T12:00'), type: 'interaction', name: 'banter', persona: 'toad', target: 'scav', value: 70, sentiment: 0, attributes: { stage: 'friends', exchange_length: 5, continued: false, topic: 'gaming' } },
  { ts: at('03-10T13:00'), type: 'interaction', name: 'banter', persona: 'scav', target: 'hal9000', value: 40, sentiment: -0.4, attributes: { exchange_length: 2, continued: true, topic: 'food' } },
  { ts: at('03-09T11:00'), type: 'interaction', name: 'affinity', persona: 'scav', user_id: 'u1', target: 'u1', value: 50 },
  { ts: at('03-10T11:00'), type: 'interaction', name: 'affinity', persona: 'scav', user_id: 'u1', target: 'u1', value: 65 },
  { ts: at('03-10T21:30'), type: 'interaction', name: 'affinity', persona: 'toad', user_id: 'u2', target: 'u2', value: 80 },
  { ts: at('03-09T10:00'), type: 'llm', model: 'gpt-4o', user_id: 'u1', persona: 'scav', session_id: 's1', input_tokens: 1000, output_tokens: 100, cost_usd: 0.01, duration_ms: 2000 },
  { ts: at('03-09T10:05'), type: 'llm', model: 'gpt-4o', user_id: 'u1', persona: 'scav', session_id: 's1', input_tokens: 1000, output_tokens: 100, cost_usd: 0.01, duration_ms: 2000 },
  { ts: at('03-09T20:00'), type: 'llm', model: 'claude-3-5-haiku', user_id: 'u2', persona: 'toad', session_id: 's3', input_tokens: 500, output_tokens: 50, cost_usd: 0.002, duration_ms: 1000 },
  { ts: at('03-10T10:00'), type: 'feedback', name: 'rating', user_id: 'u1', persona: 'scav', model: 'gpt-4o', value: 5 },
  { ts: at('03-10T23:00'), type: 'feedback', name: 'rating', user_id: 'u2', persona: 'toad', model: 'claude-3-5-haiku', value: 3 },
  { ts: at('03-09T09:00'), type: 'payment', name: 'subscription_monthly', user_id: 'u1', value: 9.99, attributes: { plan: 'premium', currency: 'USD' } },
  { ts: at('03-09T09:30'), type: 'payment', name: 'subscription_monthly', user_id: 'u2', value: 4.99, status: 'error', error_type: 'card_declined', attributes: { plan: 'basic', currency: 'USD' } },
  { ts: at('03-01T10:00'), type: 'evolution', name: 'xp', persona: 'scav', value: 100 },
  { ts: at('03-01T10:00'), type: 'evolution', name: 'level', persona: 'scav', value: 2 },
  { ts: at('03-01T11:00'), type: 'evolution', name: 'trait', persona: 'scav', attributes: { trait: 'empathy' } },
  { ts: at('03-09T15:00'), type: 'evolution', name: 'xp', persona: 'scav', value: 150 },
  { ts: at('03-09T15:00'), type: 'evolution', name: 'level', persona: 'scav', value: 3 },
  { ts: at('03-09T15:05'), type: 'evolution', name: 'milestone', persona: 'scav', attributes: { milestone: 'first_friend' } },
  { ts: at('03-10T08:00'), type: 'evolution', name: 'trait', persona: 'scav', attributes: { trait: 'humor' } },
  { ts: at('03-11T06:00'), type: 'evolution', name: 'xp', persona: 'scav', value: 999 },
  // Anonymous traffic: the largest group by user_id is "no user", which must never take a top-user slot.
  ...Array.from({ length: 12 }, (_, i): EventInput => ({ ts: at(`03-09T13:${String(i).padStart(2, '0')}`), type: 'http', name: '/v1/chat', duration_ms: 50 })),
];
