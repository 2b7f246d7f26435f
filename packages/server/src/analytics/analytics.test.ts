import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import { END, EVENTS, NOW, START, T1, T3, T4, T5 } from './test-support/fixture.js';

/**
 * The analytics endpoints through the real server and DuckDB: the fixture goes in over
 * `POST /v1/events` (text facts derived at ingest), and every expected figure below is worked out by
 * hand from the fixture's table (test-support/fixture.ts).
 */
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;
const range = `start_date=${START}&end_date=${END}`;
const get = (path: string, extra = '') => getJson(`${pulse.url}${path}?project=p1&${range}${extra}`);
const chars = (s: string): number => [...s].length;

beforeAll(async () => {
  pulse = await startTestPulse({ clock: { now: () => NOW } });
  const r = await postJson(`${pulse.url}/v1/events?project=p1`, EVENTS);
  expect(r.status).toBe(200);
  // Another project's events never leak in.
  await postJson(`${pulse.url}/v1/events?project=p2`, [{ ts: Date.parse('2026-03-09T10:00:00Z'), type: 'message', user_id: 'x', persona: 'scav', session_id: 'z' }]);
});
afterAll(async () => {
  await pulse?.dispose();
});

describe('text facts at ingest', () => {
  it('stores topic, questions, emojis and mentions without the text', async () => {
    const r = await getJson(`${pulse.url}/v1/query?project=p1&${range}&type=message&measures=count,questions,emojis,mentions,text_samples&dimensions=topic&order=topic`);
    // T1 gaming (1 ?, 1 emoji) · T3 food (1 ? run, @toad + <@1234>) · T4 movies (1 ?, 2 emoji) · T5 music · T6 technology.
    expect(r.json.data).toEqual([
      { topic: 'food', count: 1, questions: 1, emojis: 0, mentions: 2, text_samples: 1 },
      { topic: 'gaming', count: 1, questions: 1, emojis: 1, mentions: 0, text_samples: 1 },
      { topic: 'movies', count: 1, questions: 1, emojis: 2, mentions: 0, text_samples: 1 },
      { topic: 'music', count: 1, questions: 0, emojis: 0, mentions: 0, text_samples: 1 },
      { topic: 'technology', count: 1, questions: 0, emojis: 0, mentions: 0, text_samples: 1 },
      // "ok" (no topic word) and the two messages without text.
      { topic: null, count: 3, questions: 0, emojis: 0, mentions: 0, text_samples: 1 },
    ]);
  });
});

describe('seed 001 analytics', () => {
  it('conversation_analytics: sessions, retention, quality', async () => {
    const r = await get('/api/analytics/conversations');
    expect(r.status).toBe(200);
    expect(r.json.conversation_analytics).toEqual({
      // Sessions s1–s5; 8 messages; spans 20, 0, 10, 0, 0 minutes.
      daily_stats: { total_conversations: 5, avg_conversation_length: 1.6, avg_session_duration: 6, user_retention_rate: 0.5 },
      // Meaningful: T1, T3, T4, T5 of 6 texts ("ok" is short, T6 failed); feedback 5 and 3; u1 and u2 of 3 users had 2 sessions.
      quality_metrics: { meaningful_responses: 0.6667, user_satisfaction_score: 4, repeat_interaction_rate: 0.6667 },
    });
    expect(r.json.meta).toMatchObject({ previous_users: 2, retained_users: 1, nulls: {} });
  });

  it('persona_analytics: stats, engagement, content and evolution', async () => {
    const r = await get('/api/analytics/personas');
    expect(r.status).toBe(200);
    const { scav, toad } = r.json.persona_analytics;
    expect(Object.keys(r.json.persona_analytics).sort()).toEqual(['scav', 'toad']);
    expect(scav).toEqual({
      basic_stats: { total_messages: 4, daily_messages: 2, avg_response_length: Math.round(((chars(T1) + 2 + chars(T3)) / 3) * 10) / 10, avg_response_time: 2 },
      // Banter: scav is in all 3 exchanges. Growth over scav's pairs: toad 60→70, hal9000 40→40, u1 50→65.
      engagement: { user_interactions: 2, repeat_users: 0, relationship_growth: 0.083, banter_participation: 1 },
      content_analysis: {
        top_topics: ['food', 'gaming'],
        sentiment_distribution: { positive: 0.667, neutral: 0.333, negative: 0 },
        response_patterns: { questions_asked: 2, emojis_used: 1, mentions_others: 2 },
      },
      // The xp 999 after the range's end is not counted.
      evolution: { current_level: 3, total_xp: 250, milestones_completed: 1, unlocked_traits: ['empathy', 'humor'] },
    });
    expect(toad.engagement).toEqual({ user_interactions: 2, repeat_users: 1, relationship_growth: 0.05, banter_participation: 0.667 });
    expect(toad.basic_stats).toEqual({ total_messages: 4, daily_messages: 2, avg_response_length: Math.round(((chars(T4) + chars(T5) + chars('the server crashed again, the code is broken')) / 3) * 10) / 10, avg_response_time: 2.5 });
    expect(toad.content_analysis.sentiment_distribution).toEqual({ positive: 0.667, neutral: 0, negative: 0.333 });
    expect(toad.evolution).toEqual({ current_level: null, total_xp: null, milestones_completed: 0, unlocked_traits: [] });
    expect(r.json.meta.nulls['toad.evolution.current_level']).toMatch(/level/);
  });

  it('persona_relationships: symmetric matrix, stages, trend', async () => {
    const r = await get('/api/analytics/personas/relationships');
    const friends = { affinity: 70, stage: 'friends', interactions: 2 };
    const hal = { affinity: 40, stage: 'frenemies', interactions: 1 }; // no stage sent: derived from 40
    expect(r.json.persona_relationships).toEqual({
      relationship_matrix: { scav: { toad: friends, hal9000: hal }, toad: { scav: friends }, hal9000: { scav: hal } },
      // Average of current affinities (70 + 40) / 2; pair change (+10, 0) / 2 = +5 → improving.
      analytics: { total_interactions: 3, avg_affinity: 55, relationship_trends: 'improving', most_active_pair: ['scav', 'toad'] },
    });
  });

  it('banter_analytics', async () => {
    const r = await get('/api/analytics/banter');
    expect(r.json.banter_analytics).toEqual({
      daily_banter_exchanges: 1.5,
      success_rate: 0.667,
      avg_exchange_length: 3.33,
      popular_topics: ['gaming', 'food'],
      sentiment_impact: { positive_exchanges: 0.333, neutral_exchanges: 0.333, negative_exchanges: 0.333 },
    });
  });

  it('user_persona_analytics', async () => {
    const r = await get('/api/analytics/users/preferences');
    expect(r.json.user_persona_analytics).toEqual({
      user_preferences: {
        // 4, 3 and 1 messages over 2/7 of a week.
        u1: { favorite_persona: 'scav', interaction_frequency: 14, relationship_levels: { scav: 65 }, preferred_topics: ['food', 'gaming'], interaction_times: ['09:00', '10:00'] },
        u2: { favorite_persona: 'toad', interaction_frequency: 10.5, relationship_levels: { toad: 80 }, preferred_topics: ['music', 'technology'], interaction_times: ['20:00', '22:00'] },
        u3: { favorite_persona: 'scav', interaction_frequency: 3.5, relationship_levels: {}, preferred_topics: [], interaction_times: ['21:00'] },
      },
      // Both personas reach 2 users (tie → name order); feedback scav 5 vs toad 3; 2.0 s vs 2.5 s.
      persona_popularity: { most_engaged: 'scav', highest_satisfaction: 'scav', fastest_response: 'scav' },
    });
  });

  it('llm_performance per model', async () => {
    const r = await get('/api/analytics/llm');
    expect(r.json.llm_performance.models).toEqual({
      'gpt-4o': { avg_response_time: 2, tokens_per_second: 50, cost_per_1k_tokens: 0.009091, user_satisfaction: 5, usage_percentage: 66.7 },
      'claude-3-5-haiku': { avg_response_time: 1, tokens_per_second: 50, cost_per_1k_tokens: 0.003636, user_satisfaction: 3, usage_percentage: 33.3 },
    });
    // Three calls are below the evidence threshold: no recommendation is made up.
    expect(r.json.llm_performance.recommendations).toEqual([]);
  });
});

describe('users and margin', () => {
  it('active users, new vs returning, cohorts, session lengths, top users', async () => {
    const r = await get('/api/analytics/users', '&weeks=3');
    expect(r.status).toBe(200);
    const u = r.json.users;
    expect(u.active).toEqual({ daily: [{ date: '2026-03-09', users: 2 }, { date: '2026-03-10', users: 3 }], dau_avg: 2.5, wau: 4, mau: 5 });
    // u3 first appears in range; u1 (03-07) and u2 (03-01) came back.
    expect(u.new_vs_returning).toEqual({ active: 3, new: 1, returning: 2 });
    expect(u.cohorts).toEqual({
      weeks: 3,
      rows: [
        { cohort: '2026-02-23', size: 1, retention: [1, 0, 1] }, // u2: 03-01, then the range
        { cohort: '2026-03-02', size: 2, retention: [1, 0.5] }, // u1, u4; only u1 came back
        { cohort: '2026-03-09', size: 1, retention: [1] }, // u3
      ],
    });
    expect(u.session_length_distribution).toEqual([
      { bucket: '<1m', sessions: 3 }, { bucket: '1-5m', sessions: 0 }, { bucket: '5-15m', sessions: 1 },
      { bucket: '15-30m', sessions: 1 }, { bucket: '30-60m', sessions: 0 }, { bucket: '60m+', sessions: 0 },
    ]);
    expect(u.top_users).toEqual([
      { user_id: 'u1', events: 10, sessions: 2, cost_usd: 0.02, last_seen: '2026-03-10T11:00:00Z' },
      { user_id: 'u2', events: 7, sessions: 2, cost_usd: 0.002, last_seen: '2026-03-10T23:00:00Z' },
      { user_id: 'u3', events: 1, sessions: 1, cost_usd: 0, last_seen: '2026-03-10T21:00:00Z' },
    ]);
  });

  it('counts everyone as new when the range starts at the epoch', async () => {
    const r = await getJson(`${pulse.url}/api/analytics/users?project=p1&start_date=1970-01-01&end_date=${END}`);
    expect(r.status).toBe(200);
    expect(r.json.users.new_vs_returning).toEqual({ active: 5, new: 5, returning: 0 }); // u1–u5
  });

  it('never gives a top-user place to events without a user', async () => {
    const r = await get('/api/analytics/users', '&limit=1');
    expect(r.json.users.top_users.map((u: { user_id: string }) => u.user_id)).toEqual(['u1']);
  });

  it('per-user drill-down, and 404 for a user no event names', async () => {
    const r = await get('/api/analytics/users/u1');
    expect(r.json.user).toEqual({
      user_id: 'u1', plan: 'premium', first_seen: '2026-03-07T15:00:00Z', last_seen: '2026-03-10T11:00:00Z',
      events: 10, sessions: 2, cost_usd: 0.02, revenue_usd: 9.99, margin_usd: 9.97, llm_calls: 2,
      personas: [{ persona: 'scav', messages: 3, affinity: 65 }, { persona: 'toad', messages: 1, affinity: null }],
      top_topics: ['food', 'gaming', 'movies'],
      daily: [{ date: '2026-03-09', events: 7 }, { date: '2026-03-10', events: 3 }],
    });
    const missing = await get('/api/analytics/users/nobody');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
  });

  it('margin per user, plan and persona', async () => {
    const r = await get('/api/analytics/margin');
    const m = r.json.margin;
    // Cost 0.01 + 0.01 + 0.002; revenue only u1's successful 9.99; 5 conversations.
    expect(m.totals).toEqual({ cost_usd: 0.022, revenue_usd: 9.99, margin_usd: 9.968, conversations: 5, cost_per_conversation: 0.0044 });
    expect(m.by_plan).toEqual([
      { plan: 'basic', users: 1, cost_usd: 0.002, revenue_usd: 0, margin_usd: -0.002, conversations: 2, cost_per_conversation: 0.001 },
      { plan: 'unknown', users: 1, cost_usd: 0, revenue_usd: 0, margin_usd: 0, conversations: 1, cost_per_conversation: 0 },
      { plan: 'premium', users: 1, cost_usd: 0.02, revenue_usd: 9.99, margin_usd: 9.97, conversations: 2, cost_per_conversation: 0.01 },
    ]);
    // u1's 9.99 split by messages: 3/4 scav, 1/4 toad.
    expect(m.by_persona).toEqual([
      { persona: 'toad', cost_usd: 0.002, revenue_usd: 2.4975, margin_usd: 2.4955, conversations: 3, cost_per_conversation: 0.000667 },
      { persona: 'scav', cost_usd: 0.02, revenue_usd: 7.4925, margin_usd: 7.4725, conversations: 2, cost_per_conversation: 0.01 },
    ]);
    expect(m.by_user.map((u: { user_id: string }) => u.user_id)).toEqual(['u2', 'u3', 'u1']);
  });
});

describe('bad input', () => {
  it.each([
    ['/api/analytics/users', '&weeks=0', 'weeks'],
    ['/api/analytics/users', '&weeks=27', 'weeks'],
    ['/api/analytics/users', "&limit=1;DROP TABLE events", 'limit'],
    ['/api/analytics/users/preferences', '&limit=101', 'limit'],
    ['/api/analytics/margin', '&limit=-1', 'limit'],
    ['/api/analytics/personas', '&bogus=1', 'bogus'],
    ['/api/analytics/banter', '&start_date=yesterday', 'start_date'],
  ])('%s%s is a 400 naming %s', async (path, extra, param) => {
    const r = await get(path, extra);
    expect(r.status).toBe(400);
    expect(r.json.error.message.startsWith(`${param}: `)).toBe(true);
  });

  it('binds a SQL-looking user id and filter instead of running it', async () => {
    const id = encodeURIComponent("u1' OR '1'='1");
    expect((await get(`/api/analytics/users/${id}`)).status).toBe(404);
    const r = await get('/api/analytics/conversations', `&persona=${encodeURIComponent("scav' OR 1=1 --")}`);
    expect(r.json.conversation_analytics.daily_stats.total_conversations).toBe(0);
    // Fastify refuses path parameters over 100 characters before the route runs: in Pulse's error shape.
    const long = await get(`/api/analytics/users/${'x'.repeat(300)}`);
    expect(long.status).toBe(414);
    expect(long.json).toEqual({ error: { code: 'uri_too_long', message: 'path: a path segment is longer than 100 characters' } });
  });
});
