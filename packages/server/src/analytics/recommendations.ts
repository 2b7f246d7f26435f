/**
 * Efficiency recommendations (seed 001 "Efficiency Recommendations"): rules over the per-model
 * numbers, each recommendation carrying the numbers it rests on in `evidence`. A rule whose inputs
 * are missing (no satisfaction, too few calls) stays silent rather than guessing.
 */
export interface ModelStats {
  model: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** input + output tokens of the calls that carry a cost (query measure `priced_tokens`). */
  pricedTokens: number;
  avgResponseS: number | null;
  tokensPerSecond: number | null;
  satisfaction: number | null;
}

export type RecommendationKind = 'model_selection' | 'cost' | 'prompt_length' | 'reliability';

export interface Recommendation {
  kind: RecommendationKind;
  model: string;
  message: string;
  evidence: Record<string, number | string>;
}

/** A model needs this many calls before a rule speaks about it. */
export const MIN_CALLS = 20;
/** Satisfaction (1–5) within this of the best counts as "as good". */
export const SATISFACTION_SLACK = 0.2;
/** Prompt tokens per completion token above this suggest trimming the prompt. */
export const PROMPT_RATIO = 8;
/** Error rate above this is a reliability problem. */
export const ERROR_RATE = 0.05;

const r = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;
/**
 * USD per 1,000 tokens over the model's priced calls; null when none of its calls with tokens is priced (the pricing
 * table does not know the model and no call carried cost_usd): unknown, never $0.
 */
export function costPer1k(s: Pick<ModelStats, 'costUsd' | 'pricedTokens'>): number | null {
  return s.pricedTokens > 0 ? (s.costUsd / s.pricedTokens) * 1000 : null;
}

export function recommend(all: readonly ModelStats[]): Recommendation[] {
  const models = all.filter((s) => s.calls >= MIN_CALLS);
  const out: Recommendation[] = [];
  const rated = models.filter((s) => s.satisfaction !== null && costPer1k(s) !== null);

  // Cost: the model that costs the most in total vs a cheaper one users rate as well.
  const spender = [...rated].sort((a, b) => b.costUsd - a.costUsd)[0];
  if (spender) {
    const alt = rated
      .filter((s) => s !== spender && costPer1k(s)! < costPer1k(spender)! && s.satisfaction! >= spender.satisfaction! - SATISFACTION_SLACK)
      .sort((a, b) => costPer1k(a)! - costPer1k(b)!)[0];
    if (alt) {
      out.push({
        kind: 'cost',
        model: spender.model,
        message: `${spender.model} costs $${r(costPer1k(spender)!, 5)} per 1k tokens and is rated ${r(spender.satisfaction!, 2)}; ${alt.model} costs $${r(costPer1k(alt)!, 5)} and is rated ${r(alt.satisfaction!, 2)}: moving traffic to ${alt.model} cuts cost at similar satisfaction.`,
        evidence: { cost_usd: r(spender.costUsd, 4), cost_per_1k_tokens: r(costPer1k(spender)!, 6), satisfaction: r(spender.satisfaction!, 2), alternative: alt.model, alternative_cost_per_1k_tokens: r(costPer1k(alt)!, 6), alternative_satisfaction: r(alt.satisfaction!, 2) },
      });
    }
  }

  // Model selection: the best-rated model, when it is not also the most used.
  const best = [...rated].sort((a, b) => b.satisfaction! - a.satisfaction! || a.model.localeCompare(b.model))[0];
  const mostUsed = [...models].sort((a, b) => b.calls - a.calls || a.model.localeCompare(b.model))[0];
  if (best && mostUsed && best !== mostUsed && mostUsed.satisfaction !== null && best.satisfaction! - mostUsed.satisfaction > SATISFACTION_SLACK) {
    out.push({
      kind: 'model_selection',
      model: best.model,
      message: `${best.model} is rated ${r(best.satisfaction!, 2)} against ${r(mostUsed.satisfaction, 2)} for ${mostUsed.model}, which serves ${mostUsed.calls} of the calls: consider it where quality matters most.`,
      evidence: { satisfaction: r(best.satisfaction!, 2), most_used: mostUsed.model, most_used_calls: mostUsed.calls, most_used_satisfaction: r(mostUsed.satisfaction, 2), calls: best.calls },
    });
  }

  // Prompt length: prompts much longer than the answers they buy.
  for (const s of models) {
    if (s.outputTokens === 0) continue;
    const ratio = s.inputTokens / s.outputTokens;
    if (ratio <= PROMPT_RATIO) continue;
    out.push({
      kind: 'prompt_length',
      model: s.model,
      message: `${s.model} prompts average ${Math.round(s.inputTokens / s.calls)} tokens for ${Math.round(s.outputTokens / s.calls)}-token answers (${r(ratio, 1)}×): trimming the system prompt or history cuts input cost.`,
      evidence: { avg_input_tokens: r(s.inputTokens / s.calls, 1), avg_output_tokens: r(s.outputTokens / s.calls, 1), input_output_ratio: r(ratio, 2), calls: s.calls },
    });
  }

  // Reliability: error rates that cost retries and users.
  for (const s of models) {
    const rate = s.errors / s.calls;
    if (rate <= ERROR_RATE) continue;
    out.push({
      kind: 'reliability',
      model: s.model,
      message: `${s.model} failed ${s.errors} of ${s.calls} calls (${r(rate * 100, 1)} %): add a fallback model or check the provider.`,
      evidence: { errors: s.errors, calls: s.calls, error_rate: r(rate, 4) },
    });
  }
  return out;
}
