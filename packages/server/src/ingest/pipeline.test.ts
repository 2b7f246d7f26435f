import { describe, expect, it } from 'vitest';
import { createEnricher } from './enrich/enrich.js';
import { createPricing } from './enrich/pricing.js';
import { PREPARE_SLICE, prepareEvents, prepareEventsYielding } from './pipeline.js';

const enricher = createEnricher({ pricing: createPricing([]) });
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

/** 1,000 chat messages; every 97th has a negative token count (rejected by the validator). */
const raws = (): unknown[] =>
  Array.from({ length: 1_000 }, (_, i) => ({
    type: 'message', ts: NOW - i, text: `message ${i}: is this great? it is`, user_id: `u${i % 13}`,
    ...(i % 97 === 0 ? { input_tokens: -1 } : {}),
  }));

describe('prepareEventsYielding', () => {
  it('prepares a large batch exactly as prepareEvents does, rejected indexes counted from the batch start', async () => {
    const sliced = await prepareEventsYielding(raws(), 'p', NOW, enricher, true, { budgetMs: 0 });
    const whole = prepareEvents(raws(), 'p', NOW, enricher, true);
    expect(sliced).toEqual(whole);
    expect(sliced.rejected.map((r) => r.index)).toEqual([0, 97, 194, 291, 388, 485, 582, 679, 776, 873, 970]);
    expect(sliced.rejected[1]!.error).toMatch(/input_tokens/);
    expect(sliced.events).toHaveLength(989);
    expect(sliced.events[0]).toMatchObject({ project: 'p', text: 'message 1: is this great? it is', user_id: 'u1' });
    expect(sliced.events[0]!.sentiment).not.toBeNull();
  });

  it('gives the event loop a turn between slices once a tick has used its budget', async () => {
    let turns = 0;
    const yieldToLoop = async (): Promise<void> => {
      turns++;
    };
    // No budget: a turn before every slice but the first (1,000 events → 4 slices of 250).
    await prepareEventsYielding(raws(), 'p', NOW, enricher, true, { budgetMs: 0, yieldToLoop });
    expect(turns).toBe(Math.ceil(1_000 / PREPARE_SLICE) - 1);
    // A budget no slice uses up: no turn.
    turns = 0;
    await prepareEventsYielding(raws(), 'p', NOW, enricher, true, { budgetMs: 60_000, yieldToLoop });
    expect(turns).toBe(0);
    // A batch of one slice or less is prepared in one go.
    turns = 0;
    const small = await prepareEventsYielding(raws().slice(0, PREPARE_SLICE), 'p', NOW, enricher, true, { budgetMs: 0, yieldToLoop });
    expect(turns).toBe(0);
    expect(small.events).toHaveLength(PREPARE_SLICE - 3);
  });
});
