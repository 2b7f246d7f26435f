import { validateEvent } from '@pulse/protocol';
import type { EventRecord } from '@pulse/protocol';
import { describe, expect, it } from 'vitest';
import { createEnricher } from './enrich.js';
import { createPricing } from './pricing.js';
import { sentimentOf } from './sentiment.js';

const NOW = Date.parse('2025-01-15T12:00:00Z');
const enricher = createEnricher({ pricing: createPricing([]) });

function enriched(event: Record<string, unknown>, storeText = false): EventRecord {
  const r = validateEvent({ type: 'llm', ...event }, NOW);
  if (!r.ok) throw new Error(r.error);
  enricher.enrich(r.record, { storeText });
  return r.record;
}

describe('enrich: cost', () => {
  it('computes cost_usd from model and tokens', () => {
    // gpt-4o-mini: 0.15 / 0.60 USD per million tokens.
    expect(enriched({ model: 'gpt-4o-mini', input_tokens: 2000, output_tokens: 1000 }).cost_usd).toBeCloseTo(0.0009, 12);
  });
  it('counts a missing token side as 0', () => {
    expect(enriched({ model: 'gpt-4o', input_tokens: 1_000_000 }).cost_usd).toBeCloseTo(2.5, 12);
    expect(enriched({ model: 'gpt-4o', output_tokens: 1_000_000 }).cost_usd).toBeCloseTo(10, 12);
  });
  it('keeps a client-supplied cost, even 0', () => {
    expect(enriched({ model: 'gpt-4o', input_tokens: 1000, output_tokens: 1000, cost_usd: 0.5 }).cost_usd).toBe(0.5);
    expect(enriched({ model: 'gpt-4o', input_tokens: 1000, output_tokens: 1000, cost_usd: 0 }).cost_usd).toBe(0);
  });
  it('leaves cost null without a model, without tokens, or for an unknown model', () => {
    expect(enriched({ input_tokens: 1000, output_tokens: 1000 }).cost_usd).toBeNull();
    expect(enriched({ model: 'gpt-4o' }).cost_usd).toBeNull();
    expect(enriched({ model: 'house-model-7', input_tokens: 10, output_tokens: 10 }).cost_usd).toBeNull();
  });
  it('uses the event time and provider', () => {
    expect(enriched({ model: 'gpt-4o', ts: '2024-07-01T00:00:00Z', input_tokens: 1_000_000 }).cost_usd).toBeCloseTo(5, 12);
    expect(enriched({ model: 'llama3.1:70b', provider: 'ollama', input_tokens: 1000, output_tokens: 1000 }).cost_usd).toBe(0);
  });
});

describe('enrich: text and sentiment', () => {
  it('computes sentiment from text and drops the text by default', () => {
    const r = enriched({ type: 'message', text: 'Thanks, that was really helpful!' });
    expect(r.sentiment).toBe(sentimentOf('Thanks, that was really helpful!'));
    expect(r.sentiment).toBeGreaterThan(0);
    expect(r.text).toBeNull();
  });
  it('keeps the text when the project stores it', () => {
    const r = enriched({ type: 'message', text: 'this is awful' }, true);
    expect(r.text).toBe('this is awful');
    expect(r.sentiment).toBeLessThan(0);
  });
  it('keeps a client-supplied sentiment', () => {
    expect(enriched({ type: 'message', text: 'this is awful', sentiment: 0.9 }).sentiment).toBe(0.9);
  });
  it('gives neutral or empty text 0 and leaves sentiment null without text', () => {
    expect(enriched({ type: 'message', text: '' }).sentiment).toBe(0);
    expect(enriched({ type: 'message', text: 'see you at 5' }).sentiment).toBe(0);
    expect(enriched({ type: 'message' }).sentiment).toBeNull();
  });
});
