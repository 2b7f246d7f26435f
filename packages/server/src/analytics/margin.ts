/**
 * `GET /api/analytics/margin` — revenue from successful `payment` events (their `value`, in USD)
 * against LLM cost (`cost_usd` of `llm` events), per user, per plan and per persona.
 *
 * - A user's plan is the latest `attributes.plan` on their `payment` or `user` events (all history);
 *   users without one are `unknown`.
 * - Persona revenue is allocated: each user's revenue is split across personas by the user's share of
 *   messages with each persona (payments are per user, not per character). Persona cost is exact.
 * - A conversation is a session (distinct session_id of `message` events); a session id belongs to one
 *   user, so sessions add up across users.
 */
import type { NamedRow } from '../query/run.js';
import { eq, groupRows, MetaBuilder, num, readRolled, round, type RolledInput } from './common.js';
import { LLM, MESSAGE, PAYMENT, USER } from './vocabulary.js';

export interface MarginRow {
  cost_usd: number;
  revenue_usd: number;
  margin_usd: number;
  conversations: number;
  cost_per_conversation: number | null;
}

const money = (x: number): number => round(x, 6) ?? 0;

function row(cost: number, revenue: number, conversations: number): MarginRow {
  return {
    cost_usd: money(cost),
    revenue_usd: money(revenue),
    margin_usd: money(revenue - cost),
    conversations,
    cost_per_conversation: conversations > 0 ? money(cost / conversations) : null,
  };
}

export async function marginAnalytics(input: RolledInput, limit: number) {
  const meta = new MetaBuilder(input.range);
  const llm = [eq('type', LLM)];
  const paid = [eq('type', PAYMENT), eq('status', 'ok')];
  const messages = [eq('type', MESSAGE)];
  // Six reads. Sessions belong to one user, so per-user and per-persona conversation counts add up
  // from (user, persona) groups; the groups without a user still count in the totals.
  const [totals, cost, revenueUser, convUser, userPersona, plans] = await Promise.all([
    // Ungrouped, so the totals stay exact when a grouped read is cut at GROUP_LIMIT.
    readRolled(input, { measures: ['cost_usd', 'unique_sessions'], dimensions: ['type'], where: [eq('type', LLM, MESSAGE)] }),
    readRolled(input, { measures: ['cost_usd'], dimensions: ['user_id', 'persona'], where: llm }),
    readRolled(input, { measures: ['sum_value'], dimensions: ['user_id'], where: paid }),
    readRolled(input, { measures: ['unique_sessions'], dimensions: ['user_id'], where: messages }),
    readRolled(input, { measures: ['count', 'unique_sessions'], dimensions: ['user_id', 'persona'], where: messages }),
    // Plans ride on payment and user events only: reading just those keeps this all-history scan small.
    readRolled(input, { measures: ['last_seen'], dimensions: ['user_id', 'attributes.plan'], where: [eq('type', PAYMENT, USER)], range: { startMs: 0, endMs: input.range.endMs } }),
  ]);
  for (const [path, e] of [['by_user', cost], ['by_user', revenueUser], ['by_user', convUser], ['by_plan', plans], ['by_persona', userPersona]] as const) meta.note(path, e);

  const sumBy = (rows: readonly NamedRow[], key: string, measure: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of rows) if (typeof r[key] === 'string') m.set(r[key] as string, (m.get(r[key] as string) ?? 0) + num(r[measure]));
    return m;
  };
  const total = (rows: readonly NamedRow[], measure: string): number => rows.reduce((s, r) => s + num(r[measure]), 0);
  const typeRow = (type: string): NamedRow => totals.rows.find((r) => r.type === type) ?? {};
  const costOf = sumBy(cost.rows, 'user_id', 'cost_usd');
  const revenue = sumBy(revenueUser.rows, 'user_id', 'sum_value');
  const conv = sumBy(convUser.rows, 'user_id', 'unique_sessions');
  const planOf = new Map<string, { plan: string; at: number }>();
  for (const r of plans.rows) {
    if (typeof r.user_id !== 'string' || typeof r['attributes.plan'] !== 'string') continue;
    const cur = planOf.get(r.user_id);
    if (!cur || num(r.last_seen) > cur.at) planOf.set(r.user_id, { plan: r['attributes.plan'], at: num(r.last_seen) });
  }
  const users = new Set([...costOf.keys(), ...revenue.keys(), ...conv.keys()]);
  const byUser = [...users].map((u) => ({ user_id: u, plan: planOf.get(u)?.plan ?? 'unknown', ...row(costOf.get(u) ?? 0, revenue.get(u) ?? 0, conv.get(u) ?? 0) }));

  const planAcc = new Map<string, { users: number; cost: number; revenue: number; conv: number }>();
  for (const u of byUser) {
    const a = planAcc.get(u.plan) ?? { users: 0, cost: 0, revenue: 0, conv: 0 };
    a.users += 1; a.cost += costOf.get(u.user_id) ?? 0; a.revenue += revenue.get(u.user_id) ?? 0; a.conv += conv.get(u.user_id) ?? 0;
    planAcc.set(u.plan, a);
  }

  // Revenue per persona: each user's revenue split by their message share per persona.
  const personaRevenue = new Map<string, number>();
  for (const [u, rows] of groupRows(userPersona.rows, 'user_id')) {
    const rev = revenue.get(u) ?? 0;
    if (rev === 0) continue;
    const msgs = rows.filter((r) => typeof r.persona === 'string');
    const all = msgs.reduce((s, r) => s + num(r.count), 0);
    for (const r of msgs) personaRevenue.set(r.persona as string, (personaRevenue.get(r.persona as string) ?? 0) + (rev * num(r.count)) / all);
  }
  const personaCost = sumBy(cost.rows, 'persona', 'cost_usd');
  const personaConv = sumBy(userPersona.rows, 'persona', 'unique_sessions');
  const personas = new Set([...personaCost.keys(), ...personaRevenue.keys(), ...personaConv.keys()]);

  const byMargin = <T extends { margin_usd: number }>(a: T, b: T): number => a.margin_usd - b.margin_usd;
  return {
    margin: {
      totals: row(num(typeRow(LLM).cost_usd), total(revenueUser.rows, 'sum_value'), num(typeRow(MESSAGE).unique_sessions)),
      by_plan: [...planAcc].map(([plan, a]) => ({ plan, users: a.users, ...row(a.cost, a.revenue, a.conv) })).sort(byMargin),
      by_persona: [...personas].map((p) => ({ persona: p, ...row(personaCost.get(p) ?? 0, personaRevenue.get(p) ?? 0, personaConv.get(p) ?? 0) })).sort(byMargin),
      by_user: byUser.sort((a, b) => byMargin(a, b) || a.user_id.localeCompare(b.user_id)).slice(0, limit),
    },
    meta: { ...meta.build(), users: byUser.length, limit, revenue: 'payment events with status ok, value in USD', persona_revenue: 'allocated by message share' },
  };
}
