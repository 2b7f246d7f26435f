/** The attribute a sampled event carries: the probability it was kept with. Count ≈ Σ 1 / sample_rate. */
export const SAMPLE_RATE_ATTRIBUTE = 'sample_rate';

/**
 * Per-type head sampling (seed 003's "sample 10% of requests"). Returns the rate the event was kept
 * with, 1 when the type is not sampled, or 0 when it is not kept. Errors are always kept: they are
 * rare and they are what alerts fire on.
 */
export function sampleRate(
  rates: ReadonlyMap<string, number>,
  type: string,
  isError: boolean,
  random: () => number = Math.random,
): number {
  if (rates.size === 0 || isError) return 1;
  const rate = rates.get(type);
  if (rate === undefined) return 1;
  return random() < rate ? rate : 0;
}
