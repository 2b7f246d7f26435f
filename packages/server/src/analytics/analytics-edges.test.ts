import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

/**
 * Edge cases of the analytics endpoints through the real server, each in its own project so the data sets stay
 * small enough to work every answer out by hand: days without activity, users seen only outside the range,
 * affinities whose latest event carries no value.
 */
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;
const NOW = Date.parse('2026-03-20T12:00:00Z');
const at = (iso: string): number => Date.parse(`2026-${iso}:00Z`);
const get = (project: string, path: string, query: string) => getJson(`${pulse.url}${path}?project=${project}&${query}`);
const msg = (ts: string, user: string, extra: Record<string, unknown> = {}) => ({ ts: at(ts), type: 'message', user_id: user, persona: 'scav', session_id: `${user}-s`, ...extra });
const banter = (ts: string, persona: string, target: string, value?: number) => ({
  ts: at(ts), type: 'interaction', name: 'banter', persona, target, environment: 'prod', ...(value === undefined ? {} : { value }),
});

beforeAll(async () => {
  pulse = await startTestPulse({ clock: { now: () => NOW } });
  const post = async (project: string, events: unknown[]) => expect((await postJson(`${pulse.url}/v1/events?project=${project}`, events)).status).toBe(200);
  // Active users: a on 03-10, nobody on 03-11, b and c on 03-12.
  await post('gaps', [msg('03-10T10:00', 'a'), msg('03-12T10:00', 'b'), msg('03-12T11:00', 'c')]);
  // A user whose only events come after the range asked for, and one seen in it and again later.
  await post('later', [msg('03-15T09:00', 'later'), msg('03-10T09:00', 'both'), msg('03-16T08:00', 'both')]);
  // scav ↔ toad: the first value (30) and the latest (90) come from toad; scav's direction has the earliest and the
  // latest events, neither with a value.
  await post('affinity', [
    banter('03-10T10:00', 'scav', 'toad'),
    banter('03-10T11:00', 'toad', 'scav', 30),
    banter('03-10T12:00', 'scav', 'toad', 50),
    banter('03-10T14:00', 'toad', 'scav', 90),
    banter('03-10T15:00', 'scav', 'toad'),
    msg('03-10T10:00', 'u'),
    { ...msg('03-10T10:00', 'u'), persona: 'toad' },
  ]);
  // p's affinity with four users grows by 8, 1, 1 and 1 points: a mean of 2.75 points.
  const affinity = (ts: string, user: string, value: number) => ({ ts: at(ts), type: 'interaction', name: 'affinity', persona: 'p', user_id: user, target: user, value, environment: 'prod' });
  await post('growth', [
    ...['ua', 'ub', 'uc', 'ud'].flatMap((u) => [affinity('03-10T08:00', u, 10), affinity('03-10T09:00', u, u === 'ua' ? 18 : 11)]),
    { ...msg('03-10T10:00', 'ua'), persona: 'p', environment: 'prod' },
  ]);
  // Models the pricing table does not know: `house-7b` never priced (no cost_usd sent), `house-13b` priced by the
  // client on two of its three calls; gpt-4o priced by the table.
  const llm = (ts: string, model: string, extra: Record<string, unknown> = {}) => ({ ts: at(ts), type: 'llm', model, input_tokens: 600, output_tokens: 400, duration_ms: 1000, ...extra });
  await post('unpriced', [
    llm('03-10T10:00', 'house-7b'), llm('03-10T10:01', 'house-7b'),
    llm('03-10T10:00', 'house-13b', { cost_usd: 0.02 }), llm('03-10T10:01', 'house-13b', { cost_usd: 0.02 }), llm('03-10T10:02', 'house-13b'),
    llm('03-10T10:00', 'gpt-4o'),
  ]);
});
afterAll(async () => {
  await pulse?.dispose();
});

describe('users: active days', () => {
  it('lists every day of the range, with no users on a quiet day, and averages over all of them', async () => {
    const r = await get('gaps', '/api/analytics/users', 'start_date=2026-03-10&end_date=2026-03-12');
    expect(r.status).toBe(200);
    expect(r.json.users.active).toMatchObject({
      daily: [{ date: '2026-03-10', users: 1 }, { date: '2026-03-11', users: 0 }, { date: '2026-03-12', users: 2 }],
      dau_avg: 1,
    });
  });
});

describe('user drill-down: all time', () => {
  it('answers (not 404) for a user whose events all come after the range, with all-time first and last seen', async () => {
    const r = await get('later', '/api/analytics/users/later', 'start_date=2026-03-10&end_date=2026-03-12');
    expect(r.status).toBe(200);
    expect(r.json.user).toMatchObject({ user_id: 'later', first_seen: '2026-03-15T09:00:00Z', last_seen: '2026-03-15T09:00:00Z', events: 0, sessions: 0, daily: [] });
  });

  it('gives the last event ever as last_seen, also after the range', async () => {
    const r = await get('later', '/api/analytics/users/both', 'start_date=2026-03-10&end_date=2026-03-12');
    expect(r.json.user).toMatchObject({ first_seen: '2026-03-10T09:00:00Z', last_seen: '2026-03-16T08:00:00Z', events: 1 });
  });
});

describe('affinity: the latest value sent, not the value of the direction seen last', () => {
  // From the user rollups' statements, and (filtered on a field they lack) from the query layer's reads.
  it.each([['statements', ''], ['query-layer reads', '&environment=prod']])('relationships from %s', async (_, filter) => {
    const r = await get('affinity', '/api/analytics/personas/relationships', `start_date=2026-03-10&end_date=2026-03-10${filter}`);
    expect(r.status).toBe(200);
    const cell = { affinity: 90, stage: 'besties', interactions: 5 };
    expect(r.json.persona_relationships).toEqual({
      relationship_matrix: { scav: { toad: cell }, toad: { scav: cell } },
      // 30 → 90.
      analytics: { total_interactions: 5, avg_affinity: 90, relationship_trends: 'improving', most_active_pair: ['scav', 'toad'] },
    });
    expect(r.json.meta.affinity_change).toBe(60);
  });

  it('relationship_growth of personas', async () => {
    const r = await get('affinity', '/api/analytics/personas', 'start_date=2026-03-10&end_date=2026-03-10');
    expect(r.json.persona_analytics.scav.engagement.relationship_growth).toBe(0.6);
    expect(r.json.persona_analytics.toad.engagement.relationship_growth).toBe(0.6);
  });
});

describe('relationship_growth: the same on every path', () => {
  // A mean of 2.75 points is 0.0275 of the scale: 0.028 at three decimals, whatever order the pairs are added in.
  it.each([['statements', ''], ['query-layer reads', '&environment=prod']])('from %s', async (_, filter) => {
    const r = await get('growth', '/api/analytics/personas', `start_date=2026-03-10&end_date=2026-03-10${filter}`);
    expect(r.json.persona_analytics.p.engagement.relationship_growth).toBe(0.028);
  });
});

describe('cost per 1k tokens of models without a price', () => {
  it('is null for a model none of whose calls is priced, and over the priced calls only for one partly priced', async () => {
    const r = await get('unpriced', '/api/analytics/llm', 'start_date=2026-03-10&end_date=2026-03-10');
    expect(r.status).toBe(200);
    const models = r.json.llm_performance.models;
    // Not $0: nothing says house-7b is free.
    expect(models['house-7b'].cost_per_1k_tokens).toBeNull();
    expect(r.json.meta.nulls['models.house-7b.cost_per_1k_tokens']).toMatch(/pric/);
    // $0.04 over the 2,000 tokens of the two priced calls (not over all 3,000).
    expect(models['house-13b'].cost_per_1k_tokens).toBe(0.02);
    // gpt-4o from the table: 600 × $2.50 + 400 × $10 per million = $0.0055 for 1,000 tokens.
    expect(models['gpt-4o'].cost_per_1k_tokens).toBe(0.0055);
  });

  it('is the same in GET /api/metrics', async () => {
    const r = await get('unpriced', '/api/metrics', 'start_date=2026-03-10&end_date=2026-03-10');
    expect(r.status).toBe(200);
    const models = r.json.llm_performance.models;
    expect(models['house-7b'].cost_per_1k_tokens).toBeNull();
    expect(models['house-13b'].cost_per_1k_tokens).toBe(0.02);
    expect(models['gpt-4o'].cost_per_1k_tokens).toBe(0.0055);
  });

  it('GET /api/metrics says how many tokens the cost leaves out, over the range and per model', async () => {
    const r = await get('unpriced', '/api/metrics', 'start_date=2026-03-10&end_date=2026-03-10');
    expect(r.status).toBe(200);
    // Six calls of 1,000 tokens; $0.04 from house-13b's two priced calls + $0.0055 for gpt-4o. Left out: house-7b's
    // two calls and house-13b's third, 3,000 tokens.
    expect(r.json.token_usage).toEqual({
      daily: { prompt_tokens: 3600, completion_tokens: 2400, total_tokens: 6000, estimated_cost: '$0.05', cost_usd: 0.0455, unpriced_tokens: 3000 },
      by_model: {
        'house-7b': { prompt_tokens: 1200, completion_tokens: 800, avg_response_time: 1, unpriced_tokens: 2000 },
        'house-13b': { prompt_tokens: 1800, completion_tokens: 1200, avg_response_time: 1, unpriced_tokens: 1000 },
        'gpt-4o': { prompt_tokens: 600, completion_tokens: 400, avg_response_time: 1, unpriced_tokens: 0 },
      },
    });
    // All priced: none left out.
    const priced = await get('unpriced', '/api/metrics', 'start_date=2026-03-10&end_date=2026-03-10&model=gpt-4o');
    expect(priced.json.token_usage.daily.unpriced_tokens).toBe(0);
  });
});
