import { describe, expect, it } from 'vitest';
import { ERROR_RATE, MIN_CALLS, PROMPT_RATIO, recommend, type ModelStats } from './recommendations.js';

const model = (over: Partial<ModelStats> & { model: string }): ModelStats => ({
  calls: 100, errors: 0, inputTokens: 100_000, outputTokens: 50_000, costUsd: 1, pricedTokens: 150_000, avgResponseS: 1, tokensPerSecond: 40, satisfaction: 4, ...over,
});

describe('efficiency recommendations', () => {
  it('suggests a cheaper model rated as well, citing both prices and ratings', () => {
    // big: $3 / 150k tokens = $0.02 per 1k, rated 4.3; small: $0.15 / 150k = $0.001 per 1k, rated 4.2 (within 0.2).
    const recs = recommend([model({ model: 'big', costUsd: 3, satisfaction: 4.3 }), model({ model: 'small', costUsd: 0.15, satisfaction: 4.2 })]);
    expect(recs).toEqual([
      expect.objectContaining({
        kind: 'cost', model: 'big',
        evidence: { cost_usd: 3, cost_per_1k_tokens: 0.02, satisfaction: 4.3, alternative: 'small', alternative_cost_per_1k_tokens: 0.001, alternative_satisfaction: 4.2 },
      }),
    ]);
  });

  it('never offers a model without a price as the cheaper one, and prices a partly priced model by its priced tokens', () => {
    // house: no call priced ($0 known of 150k tokens): its price is unknown, not $0 per 1k.
    expect(recommend([model({ model: 'big', costUsd: 3, satisfaction: 4.3 }), model({ model: 'house', costUsd: 0, pricedTokens: 0, satisfaction: 4.3 })])).toEqual([]);
    // half: $1 over the 50k tokens of its priced calls = $0.02 per 1k, as dear as big: no cheaper alternative.
    expect(recommend([model({ model: 'big', costUsd: 3, satisfaction: 4.3 }), model({ model: 'half', costUsd: 1, pricedTokens: 50_000, satisfaction: 4.3 })])).toEqual([]);
  });

  it('stays silent when the cheaper model is rated clearly worse', () => {
    expect(recommend([model({ model: 'big', costUsd: 3, satisfaction: 4.5 }), model({ model: 'small', costUsd: 0.15, satisfaction: 3.9 })])).toEqual([]);
  });

  it('recommends the best-rated model when the most used one is rated lower', () => {
    const recs = recommend([model({ model: 'main', calls: 300, costUsd: 0.5, satisfaction: 3.8 }), model({ model: 'better', costUsd: 2, satisfaction: 4.6 })]);
    expect(recs.map((r) => [r.kind, r.model])).toEqual([['model_selection', 'better']]);
    expect(recs[0]!.evidence).toMatchObject({ satisfaction: 4.6, most_used: 'main', most_used_calls: 300, most_used_satisfaction: 3.8 });
  });

  it('flags long prompts and unreliable models, and ignores models with too few calls', () => {
    const long = model({ model: 'verbose', inputTokens: 100 * 900, outputTokens: 100 * 50, satisfaction: null }); // 18× > PROMPT_RATIO
    const flaky = model({ model: 'flaky', errors: 12, satisfaction: null }); // 12 % > ERROR_RATE
    const rare = model({ model: 'rare', calls: MIN_CALLS - 1, errors: MIN_CALLS - 1, satisfaction: null });
    expect(900 / 50).toBeGreaterThan(PROMPT_RATIO);
    expect(12 / 100).toBeGreaterThan(ERROR_RATE);
    const recs = recommend([long, flaky, rare]);
    expect(recs).toEqual([
      expect.objectContaining({ kind: 'prompt_length', model: 'verbose', evidence: { avg_input_tokens: 900, avg_output_tokens: 50, input_output_ratio: 18, calls: 100 } }),
      expect.objectContaining({ kind: 'reliability', model: 'flaky', evidence: { errors: 12, calls: 100, error_rate: 0.12 } }),
    ]);
  });
});
