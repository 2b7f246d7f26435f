import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.js';
import { validateEvents } from './validate.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

function good(i: number): Record<string, unknown> {
  return {
    id: `e${i}`, ts: NOW - i * 1000, type: 'llm', model: 'gpt-4o-mini', provider: 'openai',
    input_tokens: i % 1000, output_tokens: 50, duration_ms: 100 + i, phases: { llm_inference: 90 },
    attributes: { n: i },
  };
}

describe('validateEvents', () => {
  it('validates 10,000 events and reports the bad ones by their index', () => {
    const raws: unknown[] = Array.from({ length: LIMITS.maxEventsPerRequest }, (_, i) => good(i));
    const bad: Record<number, [unknown, string]> = {
      0: [{ ...good(0), input_tokens: -5 }, 'input_tokens: must be an integer >= 0 and <= 2147483647'],
      17: [{ ...good(17), extra: true }, 'unknown field "extra" (put custom data in attributes)'],
      4_242: [null, 'event: must be a JSON object'],
      4_243: [{ ...good(4_243), ts: NOW + 2 * LIMITS.maxFutureMs }, 'ts: more than 24h in the future'],
      9_999: [{ ...good(9_999), type: undefined }, 'type: required'],
    };
    for (const [i, [event]] of Object.entries(bad)) raws[Number(i)] = event;

    const { records, rejected } = validateEvents(raws, NOW);
    // Accepted records keep input order: their input positions are the complement of the rejected ones.
    const rejectedAt = new Set(rejected.map((r) => r.index));
    const indexes = raws.map((_, i) => i).filter((i) => !rejectedAt.has(i));

    expect(rejected).toEqual(Object.entries(bad).map(([i, [, error]]) => ({ index: Number(i), error })));
    expect(records).toHaveLength(raws.length - 5);
    expect(indexes).toHaveLength(records.length);
    for (let k = 0; k < records.length; k++) {
      const i = indexes[k] ?? -1;
      expect(bad[i]).toBeUndefined();
      expect(records[k]?.id).toBe(`e${i}`);
    }
    expect(indexes[0]).toBe(1);
    expect(indexes.at(-1)).toBe(9_998);
    expect(records[1]?.attributes).toEqual({ n: '2' });
  });

  it('returns empty lists for an empty batch', () => {
    expect(validateEvents([], NOW)).toEqual({ records: [], rejected: [] });
  });
});
