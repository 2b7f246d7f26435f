import type { AttributeValue } from '@pulse/protocol';

export const OTHER_VALUE = '__other__';

/**
 * Bounds the distinct values each attribute key may take in this process (seed 003's "metric
 * cardinality"). The first `maxValues` values of a key pass; later new ones become `__other__`.
 * The number of keys tracked is bounded too (`maxKeys`); attributes under further keys are removed.
 * Memory is therefore at most maxKeys × maxValues short strings.
 */
export class CardinalityGuard {
  private readonly seen = new Map<string, Set<string>>();
  /** Values replaced or attributes removed so far. */
  limited = 0;

  constructor(
    private readonly maxValues: number,
    private readonly maxKeys = 256,
  ) {}

  /** Returns the attributes to send; the input object is the validator's own copy, so it is edited in place. */
  apply(attributes: Record<string, AttributeValue>): Record<string, AttributeValue> {
    for (const key in attributes) {
      const value = attributes[key];
      if (typeof value === 'boolean') continue;
      const text = String(value);
      let values = this.seen.get(key);
      if (!values) {
        if (this.seen.size >= this.maxKeys) {
          delete attributes[key];
          this.limited++;
          continue;
        }
        values = new Set();
        this.seen.set(key, values);
      }
      if (values.has(text)) continue;
      if (values.size < this.maxValues) {
        values.add(text);
      } else {
        attributes[key] = OTHER_VALUE;
        this.limited++;
      }
    }
    return attributes;
  }

  /** For Prometheus label values, which follow the same rule. */
  value(key: string, value: string): string {
    const attrs: Record<string, AttributeValue> = { [key]: value };
    this.apply(attrs);
    const out = attrs[key];
    return typeof out === 'string' ? out : OTHER_VALUE;
  }
}
