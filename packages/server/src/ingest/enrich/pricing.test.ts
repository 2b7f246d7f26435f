import { describe, expect, it } from 'vitest';
import type { PriceOverride } from '../../config/types.js';
import { createPricing } from './pricing.js';
import { PRICE_TABLE } from './pricing-table.js';

const at = (iso: string): number => Date.parse(iso);
const shipped = createPricing([]);
const price = (model: string, iso: string, provider?: string | null): [number, number] | null => {
  const m = shipped.lookup(model, at(iso), provider);
  return m === null ? null : [m.input_per_mtok, m.output_per_mtok];
};

describe('shipped price table', () => {
  it('resolves every example of every row to that row, at the row\'s date', () => {
    for (const row of PRICE_TABLE) {
      for (const model of row.examples) {
        const m = shipped.lookup(model, at(row.effective_from), row.provider ?? null);
        expect({ model, date: row.effective_from, pattern: m?.pattern, in: m?.input_per_mtok, out: m?.output_per_mtok })
          .toEqual({ model, date: row.effective_from, pattern: row.pattern.source, in: row.input_per_mtok, out: row.output_per_mtok });
      }
    }
  });

  it('covers the required model families', () => {
    const names = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4-turbo', 'gpt-4', 'gpt-3.5-turbo',
      'o1', 'o1-mini', 'o3', 'o3-mini', 'o4-mini', 'claude-3-haiku', 'claude-3-sonnet', 'claude-3-opus',
      'claude-3-5-sonnet', 'claude-3-5-haiku', 'claude-3-7-sonnet', 'claude-sonnet-4', 'claude-opus-4',
      'gemini-1.5-pro', 'gemini-1.5-flash', 'gemini-2.0-flash', 'gemini-2.5-pro', 'gemini-2.5-flash',
      'mistral-large-latest', 'mistral-medium', 'mistral-small', 'codestral-latest', 'open-mixtral-8x7b',
      'open-mistral-nemo', 'llama-3.1-8b', 'llama-3.1-70b', 'llama-3.1-405b'];
    for (const n of names) expect({ n, priced: shipped.lookup(n, at('2025-09-01')) !== null }).toEqual({ n, priced: true });
  });
});

describe('specificity', () => {
  it('prices gpt-4o-mini as itself, not as gpt-4o', () => {
    expect(price('gpt-4o-mini', '2025-01-01')).toEqual([0.15, 0.6]);
    expect(price('gpt-4o', '2025-01-01')).toEqual([2.5, 10]);
  });
  it('keeps the pinned gpt-4o-2024-05-13 snapshot at its launch price after the cut', () => {
    expect(price('gpt-4o-2024-05-13', '2025-01-01')).toEqual([5, 15]);
  });
  it('tells the o-series and the gpt-4 family apart', () => {
    expect(price('o1', '2025-05-01')).toEqual([15, 60]);
    expect(price('o1-mini', '2025-05-01')).toEqual([3, 12]);
    expect(price('o1-pro', '2025-05-01')).toEqual([150, 600]);
    expect(price('o3-mini', '2025-05-01')).toEqual([1.1, 4.4]);
    expect(price('gpt-4-0613', '2025-05-01')).toEqual([30, 60]);
    expect(price('gpt-4-turbo-2024-04-09', '2025-05-01')).toEqual([10, 30]);
    expect(price('gpt-4.1-mini', '2025-05-01')).toEqual([0.4, 1.6]);
  });
  it('tells Claude generations and Gemini variants apart', () => {
    expect(price('claude-opus-4-1-20250805', '2025-12-01')).toEqual([15, 75]);
    expect(price('claude-opus-4-5-20251101', '2025-12-01')).toEqual([5, 25]);
    expect(price('claude-3-5-sonnet-20241022', '2025-01-01')).toEqual([3, 15]);
    expect(price('claude-3-haiku-20240307', '2025-01-01')).toEqual([0.25, 1.25]);
    expect(price('gemini-1.5-flash-8b', '2025-01-01')).toEqual([0.0375, 0.15]);
    expect(price('gemini-2.0-flash-lite', '2025-03-01')).toEqual([0.075, 0.3]);
  });
  it('matches case-insensitively', () => {
    expect(price('GPT-4O-MINI', '2025-01-01')).toEqual([0.15, 0.6]);
  });
  it('returns null for unknown models and near misses', () => {
    for (const m of ['my-finetune', 'gpt-4.5-preview', 'chatgpt-4o-latest', 'llama3.2', 'pro1', 'gpt-40']) {
      expect({ m, p: shipped.lookup(m, at('2025-06-01')) }).toEqual({ m, p: null });
      expect(shipped.costUsd(m, at('2025-06-01'), 1000, 1000)).toBeNull();
    }
  });
});

describe('dated prices', () => {
  it('applies the gpt-4o price cut from 2024-08-06 and keeps older events at the old price', () => {
    expect(shipped.costUsd('gpt-4o', at('2024-08-05T23:59:59.999Z'), 1000, 500)).toBeCloseTo(0.0125, 12);
    expect(shipped.costUsd('gpt-4o', at('2024-08-06T00:00:00Z'), 1000, 500)).toBeCloseTo(0.0075, 12);
    // Again the earlier date, after the later one was cached: the periods are kept per model.
    expect(shipped.costUsd('gpt-4o', at('2024-06-01'), 1000, 500)).toBeCloseTo(0.0125, 12);
  });
  it('follows a series through several changes', () => {
    expect(price('mistral-large-latest', '2024-03-01')).toEqual([8, 24]);
    expect(price('mistral-large-latest', '2024-08-01')).toEqual([3, 9]);
    expect(price('mistral-large-latest', '2024-10-01')).toEqual([2, 6]);
    expect(price('o3', '2025-06-09')).toEqual([10, 40]);
    expect(price('o3', '2025-06-10')).toEqual([2, 8]);
  });
  it('gives an event dated before a model\'s first price that first price, never a sibling\'s', () => {
    expect(price('gpt-4o-mini', '2024-01-01')).toEqual([0.15, 0.6]);
    expect(price('gemini-2.5-flash', '2025-01-01')).toEqual([0.15, 0.6]);
  });
});

describe('providers', () => {
  it('prices any model at 0 when the provider is ollama, and only then', () => {
    expect(shipped.costUsd('llama3.2', at('2025-01-01'), 5000, 5000, 'ollama')).toBe(0);
    expect(shipped.costUsd('llama3.1:70b', at('2025-01-01'), 5000, 5000, 'Ollama')).toBe(0);
    expect(shipped.lookup('llama3.2', at('2025-01-01'), null)).toBeNull();
    expect(shipped.costUsd('llama3.1:70b', at('2025-01-01'), 1_000_000, 1_000_000, 'together')).toBeCloseTo(1.76, 10);
    expect(shipped.costUsd('llama3.1:70b', at('2025-01-01'), 1_000_000, 1_000_000)).toBeCloseTo(1.76, 10);
  });
  it('prices a vendor model the same through any other provider', () => {
    expect(price('gpt-4o-mini', '2025-01-01', 'azure')).toEqual([0.15, 0.6]);
    expect(price('anthropic.claude-3-5-sonnet-20240620-v1:0', '2025-01-01', 'bedrock')).toEqual([3, 15]);
  });
});

describe('overrides', () => {
  const overrides: PriceOverride[] = [
    { pattern: '^gpt-4o$', input_per_mtok: 1, output_per_mtok: 2 },
    { pattern: 'my-finetune', input_per_mtok: 4, output_per_mtok: 8 },
    { pattern: 'claude-3-5-sonnet', input_per_mtok: 2.5, output_per_mtok: 12, provider: 'Bedrock' },
    { pattern: 'gemini-2.0-flash', input_per_mtok: 0.05, output_per_mtok: 0.2, effective_from: '2025-07-01' },
    { pattern: 'gemini-2.0-flash', input_per_mtok: 0.01, output_per_mtok: 0.02, effective_from: '2025-09-01' },
  ];
  const pricing = createPricing(overrides);
  const p = (model: string, iso: string, provider?: string): [number, number, string] | null => {
    const m = pricing.lookup(model, at(iso), provider);
    return m === null ? null : [m.input_per_mtok, m.output_per_mtok, m.origin];
  };

  it('win over the shipped table for the names they match', () => {
    expect(p('gpt-4o', '2025-01-01')).toEqual([1, 2, 'config']);
    expect(pricing.costUsd('gpt-4o', at('2025-01-01'), 1_000_000, 500_000)).toBeCloseTo(2, 12);
  });
  it('leave other names to the table', () => {
    expect(p('gpt-4o-mini', '2025-01-01')).toEqual([0.15, 0.6, 'table']);
    expect(p('gpt-4o-2024-08-06', '2025-01-01')).toEqual([2.5, 10, 'table']);
  });
  it('price models the table does not know', () => {
    expect(p('ft:my-finetune:acme', '2025-01-01')).toEqual([4, 8, 'config']);
  });
  it('apply only to their provider when they name one', () => {
    expect(p('claude-3-5-sonnet-20241022', '2025-01-01', 'bedrock')).toEqual([2.5, 12, 'config']);
    expect(p('claude-3-5-sonnet-20241022', '2025-01-01', 'anthropic')).toEqual([3, 15, 'table']);
    expect(p('claude-3-5-sonnet-20241022', '2025-01-01')).toEqual([3, 15, 'table']);
  });
  it('apply from their effective date, in a dated series, with the table before it', () => {
    expect(p('gemini-2.0-flash', '2025-06-30T23:59:59Z')).toEqual([0.1, 0.4, 'table']);
    expect(p('gemini-2.0-flash', '2025-07-01')).toEqual([0.05, 0.2, 'config']);
    expect(p('gemini-2.0-flash', '2025-10-01')).toEqual([0.01, 0.02, 'config']);
  });
  it('are checked when the pricing is created', () => {
    expect(() => createPricing([{ pattern: '(', input_per_mtok: 1, output_per_mtok: 1 }])).toThrow(/pattern "\("/);
    expect(() => createPricing([{ pattern: 'x', input_per_mtok: 1, output_per_mtok: 1, effective_from: '2025-13-45' }]))
      .toThrow(/effective_from "2025-13-45"/);
  });
});

describe('cache', () => {
  it('stays correct past its size bound', () => {
    const pricing = createPricing([]);
    for (let i = 0; i < 10_050; i++) pricing.lookup(`unknown-${i}`, at('2025-01-01'));
    expect(pricing.lookup('gpt-4o-mini', at('2025-01-01'))?.input_per_mtok).toBe(0.15);
    expect(pricing.lookup('unknown-1', at('2025-01-01'))).toBeNull();
  });
});
