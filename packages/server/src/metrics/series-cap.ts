/** The label value every label of a family takes once the family is at its series cap (the SDK's too). */
export const OVERFLOW_VALUE = '__other__';

/** Label values longer than this are cut: a label is a dimension, not a payload. */
const MAX_LABEL_LENGTH = 128;

export function labelValue(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined || v === '') return 'unknown';
  const s = typeof v === 'string' ? v : String(v);
  return s.length > MAX_LABEL_LENGTH ? s.slice(0, MAX_LABEL_LENGTH) : s;
}

/**
 * Bounds the series of one metric family (seed 003: "metric cardinality"). The first `max` distinct
 * label sets pass; later new ones are folded into one series whose every label is `__other__`, and each
 * folded update is counted (`pulse_metrics_series_overflow_total{family}`), so a runaway label is
 * visible instead of silently eating the scraper's memory. Memory is at most `max` keys per family.
 */
export class SeriesCap<L extends string> {
  private readonly seen = new Map<string, Record<L, string>>();
  private readonly overflow: Record<L, string>;

  constructor(
    readonly family: string,
    private readonly labelNames: readonly L[],
    private readonly max: number,
    private readonly onOverflow: (family: string) => void,
  ) {
    this.overflow = Object.fromEntries(labelNames.map((n) => [n, OVERFLOW_VALUE])) as Record<L, string>;
  }

  /**
   * The labels to record under for `values` (in `labelNames` order). The returned object is cached
   * per series and must not be mutated; looking it up is one string join and one Map hit.
   */
  labels(values: readonly string[]): Record<L, string> {
    const key = values.join('\u0001');
    const hit = this.seen.get(key);
    if (hit) return hit;
    if (this.seen.size >= this.max) {
      this.onOverflow(this.family);
      return this.overflow;
    }
    const labels = {} as Record<L, string>;
    this.labelNames.forEach((n, i) => (labels[n] = values[i]!));
    this.seen.set(key, labels);
    return labels;
  }

  get size(): number {
    return this.seen.size;
  }
}
