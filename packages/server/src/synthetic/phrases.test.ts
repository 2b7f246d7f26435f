import Sentiment from 'sentiment';
import { describe, expect, it } from 'vitest';
import { NEGATIVE, NEUTRAL, POSITIVE } from './phrases.js';

// The server enriches `text` with the same lexicon library; the tones must read as labelled.
const analyzer = new Sentiment();

describe('phrase bank', () => {
  it.each([
    ['positive', POSITIVE, (s: number) => s > 0],
    ['negative', NEGATIVE, (s: number) => s < 0],
    ['neutral', NEUTRAL, (s: number) => s === 0],
  ] as const)('%s phrases score accordingly', (_tone, phrases, ok) => {
    const wrong = phrases.filter((p) => !ok(analyzer.analyze(p).score));
    expect(wrong).toEqual([]);
  });
});
