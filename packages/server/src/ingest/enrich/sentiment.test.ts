import { describe, expect, it } from 'vitest';
import { SENTIMENT_ALPHA, sentimentOf, squashScore } from './sentiment.js';

describe('sentimentOf', () => {
  it.each([
    'Thanks, this is great and really helpful!',
    'I love this bot 😀',
    'What a wonderful answer',
  ])('is positive for %j', (text) => expect(sentimentOf(text)).toBeGreaterThan(0.3));

  it.each([
    'This is terrible, the answer was wrong and useless.',
    'I hate waiting, awful bot',
    'this is not good',
  ])('is negative for %j', (text) => expect(sentimentOf(text)).toBeLessThan(-0.3));

  it.each(['', '   ', 'The meeting is at 3pm in room 204.', 'qwxz plonk'])('is 0 for lexicon-free %j', (text) => {
    expect(sentimentOf(text)).toBe(0);
  });

  it('gives one +3 word 3/√24', () => expect(sentimentOf('good')).toBeCloseTo(3 / Math.sqrt(24), 12));

  it('stays within −1…1 however much evidence piles up', () => {
    const pos = sentimentOf('amazing '.repeat(2000));
    const neg = sentimentOf('horrible '.repeat(2000));
    expect(pos).toBeGreaterThan(0.999);
    expect(pos).toBeLessThanOrEqual(1);
    expect(neg).toBeLessThan(-0.999);
    expect(neg).toBeGreaterThanOrEqual(-1);
  });
});

describe('squashScore', () => {
  it('maps 0 to 0, keeps the sign and is odd', () => {
    expect(squashScore(0)).toBe(0);
    for (const s of [1, 3, 5, 10, 100]) {
      expect(squashScore(s)).toBeCloseTo(s / Math.sqrt(s * s + SENTIMENT_ALPHA), 12);
      expect(squashScore(-s)).toBe(-squashScore(s));
    }
  });
  it('grows with the score and stays below 1', () => {
    const values = [1, 2, 5, 10, 50, 1e6].map(squashScore);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] ?? 1);
    expect(values.at(-1)).toBeLessThan(1);
  });
});
