/**
 * `GET /api/analytics/users/{id}` — one user's drill-down: totals, personas (messages and current
 * affinity), daily activity, topics, plan, cost and revenue. Zeros (not 404) when the user has no
 * event in the range but exists — also when their events all come after it; 404 when no event ever
 * carried the id. First and last seen are all time.
 */
import { rfc3339 } from '../query/time.js';
import { eq, MetaBuilder, num, numOrNull, only, read, readRolled, round, topKeys, type RolledInput } from './common.js';
import { userRangeStatements, type UserRange } from './duckdb/user-detail.js';
import { statementsFor } from './duckdb/sql.js';
import { AFFINITY, INTERACTION, LLM, MESSAGE, PAYMENT, USER } from './vocabulary.js';

/** Later than any event's time (an event is at most 24 h ahead of its arrival). */
const FOREVER = Date.UTC(9999, 0, 1);

export async function userDetail(input: RolledInput, userId: string) {
  const meta = new MetaBuilder(input.range);
  const me = eq('user_id', userId);
  const ever = { startMs: 0, endMs: input.range.endMs };
  const [life, range, plan] = await Promise.all([
    readRolled(input, { measures: ['count', 'first_seen', 'last_seen'], where: [me], range: { startMs: 0, endMs: FOREVER } }),
    statementsFor(input) ? userRangeStatements(input, userId) : userRangeReads(input, userId),
    readRolled(input, { measures: ['last_seen'], dimensions: ['attributes.plan'], where: [me, eq('type', PAYMENT, USER)], range: ever, order: [{ name: 'last_seen', direction: 'desc' }], limit: 100 }),
  ]);
  const l = only(life.rows);
  if (num(l.count) === 0) return null;
  const aff = new Map(range.affinity.map((r) => [r.persona, numOrNull(r.last_value)]));
  const c = range.costUsd;
  const rev = range.revenueUsd;
  // Events without a plan form a null group; the latest named plan wins.
  const planName = plan.rows.find((r) => typeof r['attributes.plan'] === 'string')?.['attributes.plan'];
  return {
    user: {
      user_id: userId,
      plan: meta.orNull('plan', typeof planName === 'string' ? planName : null, 'no payment or user event of this user carries attributes.plan'),
      first_seen: rfc3339(num(l.first_seen)),
      last_seen: rfc3339(num(l.last_seen)),
      events: range.events,
      sessions: range.sessions,
      cost_usd: round(c, 6),
      revenue_usd: round(rev, 6),
      margin_usd: round(rev - c, 6),
      llm_calls: range.llmCalls,
      personas: range.personas.filter((r) => typeof r.persona === 'string').map((r) => ({
        persona: r.persona as string,
        messages: num(r.count),
        affinity: aff.has(r.persona) ? round(aff.get(r.persona), 1) : null,
      })),
      top_topics: topKeys(range.topics, 'topic', 'count', 5),
      daily: range.daily.map((r) => ({ date: rfc3339(num(r.bucket)).slice(0, 10), events: num(r.count) })),
    },
    meta: meta.build(),
  };
}

/** The range's figures from query-layer reads (any store, any filter). */
async function userRangeReads(input: RolledInput, userId: string): Promise<UserRange> {
  const me = eq('user_id', userId);
  const [totals, personas, affinity, daily, topics, cost, revenue] = await Promise.all([
    readRolled(input, { measures: ['count', 'unique_sessions'], where: [me] }),
    readRolled(input, { measures: ['count'], dimensions: ['persona'], where: [me, eq('type', MESSAGE)] }),
    read(input, { measures: ['last_value'], dimensions: ['persona'], where: [me, eq('type', INTERACTION), eq('name', AFFINITY)] }),
    readRolled(input, { measures: ['count'], interval: 'day', where: [me] }),
    read(input, { measures: ['count'], dimensions: ['topic'], where: [me, eq('type', MESSAGE)] }),
    readRolled(input, { measures: ['cost_usd', 'count'], where: [me, eq('type', LLM)] }),
    readRolled(input, { measures: ['sum_value'], where: [me, eq('type', PAYMENT), eq('status', 'ok')] }),
  ]);
  const t = only(totals.rows);
  return {
    events: num(t.count), sessions: num(t.unique_sessions), personas: personas.rows, daily: daily.rows,
    costUsd: num(only(cost.rows).cost_usd), llmCalls: num(only(cost.rows).count), revenueUsd: num(only(revenue.rows).sum_value),
    topics: topics.rows, affinity: affinity.rows,
  };
}
