/**
 * `GET /api/analytics/llm` — seed 001's `llm_performance` per model over `llm` events, plus
 * `recommendations` derived from the same numbers (recommendations.ts). `user_satisfaction` is the
 * mean `value` of `feedback` events that name the model; without such events it is null. `cost_per_1k_tokens` is the
 * cost over the tokens of priced calls (`priced_tokens`): null for a model none of whose calls is priced — unknown,
 * not free — and for one priced on some calls, the price of those.
 */
import { eq, MetaBuilder, num, numOrNull, ratio, read, round, type PresetInput } from './common.js';
import { costPer1k, recommend, type ModelStats } from './recommendations.js';
import { FEEDBACK, LLM } from './vocabulary.js';

export async function llmPerformance(input: PresetInput) {
  const meta = new MetaBuilder(input.range);
  const [models, feedback] = await Promise.all([
    read(input, {
      measures: ['count', 'errors', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'priced_tokens', 'avg_duration_ms', 'tokens_per_second'],
      dimensions: ['model'],
      where: [eq('type', LLM)],
      limit: 200,
    }),
    read(input, { measures: ['avg_value', 'count'], dimensions: ['model'], where: [eq('type', FEEDBACK)], limit: 200 }),
  ]);
  const satisfaction = new Map(feedback.rows.map((r) => [r.model, numOrNull(r.avg_value)]));
  const rows = models.rows.filter((r) => typeof r.model === 'string');
  const calls = rows.reduce((s, r) => s + num(r.count), 0);
  const stats: ModelStats[] = rows.map((r) => ({
    model: r.model as string,
    calls: num(r.count),
    errors: num(r.errors),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    costUsd: num(r.cost_usd),
    pricedTokens: num(r.priced_tokens),
    avgResponseS: typeof r.avg_duration_ms === 'number' ? r.avg_duration_ms / 1000 : null,
    tokensPerSecond: numOrNull(r.tokens_per_second),
    satisfaction: satisfaction.get(r.model) ?? null,
  }));
  const out: Record<string, unknown> = {};
  for (const s of stats) {
    const at = (f: string): string => `models.${s.model}.${f}`;
    const tokens = s.inputTokens + s.outputTokens;
    const per1k = costPer1k(s);
    out[s.model] = {
      avg_response_time: meta.orNull(at('avg_response_time'), round(s.avgResponseS, 3), 'no call carries duration_ms'),
      tokens_per_second: meta.orNull(at('tokens_per_second'), round(s.tokensPerSecond, 1), 'no call carries both output_tokens and duration_ms'),
      cost_per_1k_tokens: meta.orNull(at('cost_per_1k_tokens'), round(per1k, 6), tokens > 0 ? 'no call with tokens is priced (the pricing table does not know the model, and no call carried cost_usd)' : 'no call carries tokens'),
      user_satisfaction: meta.orNull(at('user_satisfaction'), round(s.satisfaction, 2), 'no feedback event names this model'),
      usage_percentage: round((ratio(s.calls, calls) ?? 0) * 100, 1),
    };
  }
  return { llm_performance: { models: out, recommendations: recommend(stats) }, meta: { ...meta.build(), calls } };
}
