import { describe, expect, test } from 'vitest';
import { pointChange, relativeChange } from './period-change';

describe('change against the previous period', () => {
  test('amounts: relative change, one decimal below 10 %, whole percents above', () => {
    expect(relativeChange(1123, 1000)).toEqual({ value: 0.123, text: '▲ 12%' });
    expect(relativeChange(1050, 1000)).toEqual({ value: 0.05, text: '▲ 5.0%' });
    expect(relativeChange(960, 1000)).toEqual({ value: -0.04, text: '▼ 4.0%' });
    expect(relativeChange(30_000, 1000)).toEqual({ value: 29, text: '▲ 2,900%' });
    expect(relativeChange(0, 1000)).toEqual({ value: -1, text: '▼ 100%' });
    expect(relativeChange(1000, 1000)).toEqual({ value: 0, text: 'no change' });
  });

  test('nothing before, or no figure: words, not a percentage', () => {
    expect(relativeChange(5, 0)).toEqual({ value: null, text: 'new' });
    expect(relativeChange(0, 0)).toEqual({ value: 0, text: 'no change' });
    expect(relativeChange(850, null)).toEqual({ value: null, text: '—' });
    expect(relativeChange(null, 850)).toEqual({ value: null, text: '—' });
  });

  test('rates: the difference in percentage points', () => {
    expect(pointChange(0.03, 0.02).text).toBe('▲ 1.0 pt');
    expect(pointChange(0.0204, 0.02).text).toBe('▲ 0.04 pt');
    expect(pointChange(0.015, 0.02).text).toBe('▼ 0.50 pt');
    expect(pointChange(0.02, 0.02)).toEqual({ value: 0, text: 'no change' });
    expect(pointChange(0.02, null)).toEqual({ value: null, text: '—' });
  });
});
