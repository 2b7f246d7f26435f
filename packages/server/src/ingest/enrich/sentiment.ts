/**
 * Sentiment of message text in −1…1, from the AFINN-165 lexicon of the `sentiment` package (words
 * scored −5…+5, emoji included, a negator such as "not" flipping the next word).
 *
 * Mapping: the summed AFINN score s is squashed with s / √(s² + 15), the normalisation VADER uses
 * for its compound score. It is 0 when no lexicon word occurs, keeps the sign, is odd (a sentence
 * and its opposite get opposite values) and approaches ±1 only as evidence accumulates: one
 * "good" (+3) gives 0.61, "good and helpful" (+5) 0.79, one "terrible" (−3) −0.61. Unlike the
 * package's `comparative` (score per token) it does not fade in long messages.
 */
import Sentiment from 'sentiment';

export const SENTIMENT_ALPHA = 15;

const analyzer = new Sentiment();

/** Maps a summed AFINN score to −1…1. */
export function squashScore(score: number): number {
  if (score === 0) return 0;
  return score / Math.sqrt(score * score + SENTIMENT_ALPHA);
}

export function sentimentOf(text: string): number {
  if (text.length === 0) return 0;
  return squashScore(analyzer.analyze(text).score);
}
