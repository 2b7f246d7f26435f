/**
 * Summary statistics for benchmark samples. Percentiles interpolate linearly between the closest
 * ranks (the "R-7" definition numpy and most spreadsheets use), so a p95 of 5 samples is a point
 * between the 4th and 5th value, not simply the maximum.
 */
export interface Summary {
  n: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The q-quantile (0…1) of already sorted values; NaN for no values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0…1, got ${q}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

const ascending = (a: number, b: number): number => a - b;

/** The p-th percentile (0…100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  return quantileSorted([...values].sort(ascending), p / 100);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort(ascending);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: mean(sorted),
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Geometric mean: the fair average of ratios (a 2× and a 0.5× average to 1×). */
export function geomean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let logSum = 0;
  for (const v of values) {
    if (!(v > 0)) return Number.NaN;
    logSum += Math.log(v);
  }
  return Math.exp(logSum / values.length);
}
