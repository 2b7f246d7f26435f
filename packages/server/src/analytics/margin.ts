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
import { marginStatement, type MarginFigures } from './duckdb/margin.js';
import { statementsFor } from './duckdb/sql.js';
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
  const f = statementsFor(input, ['user_id']) ? await marginStatement(input, limit) : await marginReads(input, meta);
  const byMargin = <T extends { margin_usd: number }>(a: T, b: T): number => a.margin_usd - b.margin_usd;
  // Equal margins keep the order in which the reads first met the plan or persona.
  const plans = [...f.plans].sort((a, b) => a.pos - b.pos);
  const personas = [...f.personas].sort((a, b) => a.pos[0] - b.pos[0] || a.pos[1] - b.pos[1]);
  const byUser = f.users.map((u) => ({ user_id: u.user_id, plan: u.plan, ...row(u.cost, u.revenue, u.conversations) }));
  return {
    margin: {
      totals: row(f.totals.cost, f.totals.revenue, f.totals.conversations),
      by_plan: plans.map((p) => ({ plan: p.plan, users: p.users, ...row(p.cost, p.revenue, p.conversations) })).sort(byMargin),
      by_persona: personas.map((p) => ({ persona: p.persona, ...row(p.cost, p.revenue, p.conversations) })).sort(byMargin),
      by_user: byUser.sort((a, b) => byMargin(a, b) || a.user_id.localeCompare(b.user_id)).slice(0, limit),
    },
    meta: { ...meta.build(), users: f.totals.users, limit, revenue: 'payment events with status ok, value in USD', persona_revenue: 'allocated by message share' },
  };
}

/** The same figures from six query-layer reads (any store, any filter), combined here; every user comes back. */
async function marginReads(input: RolledInput, meta: MetaBuilder): Promise<MarginFigures> {
  const llm = [eq('type', LLM)];
  const paid = [eq('type', PAYMENT), eq('status', 'ok')];
  const messages = [eq('type', MESSAGE)];
  // Sessions belong to one user, so per-user and per-persona conversation counts add up from (user, persona)
  // groups; the groups without a user still count in the totals.
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
  const users = [...new Set([...costOf.keys(), ...revenue.keys(), ...conv.keys()])].map((u) => ({
    user_id: u, plan: planOf.get(u)?.plan ?? 'unknown', cost: costOf.get(u) ?? 0, revenue: revenue.get(u) ?? 0, conversations: conv.get(u) ?? 0,
  }));

  const planAcc = new Map<string, { users: number; cost: number; revenue: number; conversations: number }>();
  for (const u of users) {
    const a = planAcc.get(u.plan) ?? { users: 0, cost: 0, revenue: 0, conversations: 0 };
    a.users += 1; a.cost += u.cost; a.revenue += u.revenue; a.conversations += u.conversations;
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
  return {
    totals: { cost: num(typeRow(LLM).cost_usd), revenue: total(revenueUser.rows, 'sum_value'), conversations: num(typeRow(MESSAGE).unique_sessions), users: users.length },
    users,
    plans: [...planAcc].map(([plan, a], i) => ({ plan, ...a, pos: i })),
    personas: [...personas].map((p, i) => ({
      persona: p, cost: personaCost.get(p) ?? 0, revenue: personaRevenue.get(p) ?? 0, conversations: personaConv.get(p) ?? 0, pos: [0, i] as [number, number],
    })),
  };
}
