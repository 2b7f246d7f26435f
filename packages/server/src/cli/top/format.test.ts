import { describe, expect, it } from 'vitest';
import { formatCost, formatInt, formatMs, formatPercent, formatRate, formatSentiment } from './format.js';

describe('format', () => {
  it('a missing value is —, never 0', () => {
    for (const f of [formatMs, formatPercent, formatInt, formatRate, formatCost, formatSentiment]) {
      expect(f(null)).toBe('—');
      expect(f(undefined)).toBe('—');
      expect(f(Number.NaN)).toBe('—');
    }
  });

  it('durations are cut, not rounded, so a value below a threshold never reads as the threshold', () => {
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(999.9)).toBe('999 ms');
    expect(formatMs(1000)).toBe('1.00 s');
    expect(formatMs(1999.9)).toBe('1.99 s');
    expect(formatMs(1850)).toBe('1.85 s');
    expect(formatMs(9999)).toBe('9.99 s');
    expect(formatMs(15_000)).toBe('15.0 s');
  });

  it('percentages, rates, counts, cost, sentiment', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.00001)).toBe('<0.01%');
    expect(formatPercent(0.005)).toBe('0.50%');
    expect(formatPercent(0.29)).toBe('29.0%');
    expect(formatPercent(0.0999999)).toBe('9.99%');
    expect(formatRate(12.5)).toBe('12.5');
    expect(formatRate(0)).toBe('0.00');
    expect(formatRate(0.4)).toBe('0.40');
    expect(formatRate(12_345.6)).toBe('12,346');
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatCost(0.12)).toBe('$0.1200');
    expect(formatCost(1234.5)).toBe('$1234.50');
    expect(formatSentiment(0.3)).toBe('+0.30');
    expect(formatSentiment(-0.1)).toBe('-0.10');
    expect(formatSentiment(-0.001)).toBe('-0.00');
  });
});
