import type { Registry } from 'prom-client';
import { OVERFLOW_VALUE } from './series-cap.js';

/**
 * The KPI families' own counters and histograms. prom-client hashes a label object on every update
 * (sorting and joining label names), which cost several µs per event on the ingest fan-out; here a
 * series is found by walking one Map level per label value. The event's own strings are the keys, so
 * each is hashed once per event (V8 keeps a string's hash) however many families it labels, and
 * nothing is concatenated. The registry renders these like any prom-client metric: each exposes
 * prom-client's `get()` shape, so text and OpenMetrics formatting stay prom-client's.
 *
 * The series cap (seed 003) lives here: past `maxSeries` label sets a family folds new ones into one
 * series whose every label is `__other__`, and reports each folded update through `onOverflow`.
 *
 * A caller that updates the same label set again and again (the KPI subscriber, per event) can `bind`
 * it once: a `SeriesRef` finds its series on first use and keeps it, so later updates do no lookup.
 * The series is the one `add(values, …)` would reach at that moment — a kept series stays kept and a
 * folded label set stays folded, since a family only grows until `reset()` — so updates through refs
 * and through label values give the same series, in the same order, with the same overflow counts.
 */
interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface FamilyOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  maxSeries: number;
  onOverflow: (family: string) => void;
  registry: Registry;
}

/** A label set of one family, bound to its series on first use (see `CappedFamily.bind`). */
export class SeriesRef<S> {
  /** The series, once found, and the family's `reset` generation it was found in. */
  series: (S & { labels: Record<string, string> }) | null = null;
  generation = -1;

  constructor(
    readonly family: CappedFamily<S>,
    readonly values: readonly string[],
  ) {}
}

export abstract class CappedFamily<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: string[];
  /** Nested Maps, one level per label; the last level holds the series. */
  private readonly root = new Map<string, unknown>();
  private count = 0;
  private readonly list: (S & { labels: Record<string, string> })[] = [];
  private overflowSeries: (S & { labels: Record<string, string> }) | null = null;
  /** Bumped by `reset()`, so refs bound before it look their series up again. */
  private generation = 0;

  /** Label sets kept before new ones fold into `__other__`. */
  readonly maxSeries: number;

  constructor(private readonly o: FamilyOptions) {
    this.maxSeries = o.maxSeries;
    this.name = o.name;
    this.help = o.help;
    this.labelNames = [...o.labelNames];
    o.registry.registerMetric(this as never);
  }

  protected abstract empty(): S;

  /** A ref on the series for `values` (in `labelNames` order); nothing is looked up or made until it is used. */
  bind(values: readonly string[]): SeriesRef<S> {
    return new SeriesRef(this, [...values]);
  }

  /** The series for `values`, created if new and room remains; a folded update is counted. */
  protected at(values: readonly string[]): S & { labels: Record<string, string> } {
    const s = this.find(values);
    if (s === this.overflowSeries) this.o.onOverflow(this.name);
    return s;
  }

  /** As `at`, through a ref: the lookup is done once (again after a `reset()`). */
  protected atRef(ref: SeriesRef<S>): S & { labels: Record<string, string> } {
    if (ref.family !== this) throw new Error(`a ref of ${ref.family.name} used on ${this.name}`);
    let s = ref.series;
    if (s === null || ref.generation !== this.generation) {
      s = ref.series = this.find(ref.values);
      ref.generation = this.generation;
    }
    if (s === this.overflowSeries) this.o.onOverflow(this.name);
    return s;
  }

  /** The series for `values`, created if new and room remains, else the `__other__` one. */
  private find(values: readonly string[]): S & { labels: Record<string, string> } {
    let level: Map<string, unknown> | undefined = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last && level; i++) level = level.get(values[i]!) as Map<string, unknown> | undefined;
    const hit = level?.get(values[last]!) as (S & { labels: Record<string, string> }) | undefined;
    if (hit) return hit;
    if (this.count >= this.o.maxSeries) {
      if (!this.overflowSeries) {
        const labels = Object.fromEntries(this.labelNames.map((n) => [n, OVERFLOW_VALUE]));
        this.overflowSeries = { ...this.empty(), labels };
      }
      return this.overflowSeries;
    }
    const labels: Record<string, string> = {};
    for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i]!] = values[i]!;
    // The path is made only for a series that is kept: past the cap, new label values allocate nothing.
    level = this.root;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]!) as Map<string, unknown> | undefined;
      if (!next) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    const s = { ...this.empty(), labels };
    level.set(values[last]!, s);
    this.list.push(s);
    this.count++;
    return s;
  }

  /** Series held (the `__other__` one not counted). */
  get size(): number {
    return this.count;
  }

  protected all(): (S & { labels: Record<string, string> })[] {
    return this.overflowSeries ? [...this.list, this.overflowSeries] : this.list;
  }

  reset(): void {
    this.root.clear();
    this.list.length = 0;
    this.count = 0;
    this.overflowSeries = null;
    this.generation++;
  }
}

export class KpiCounter extends CappedFamily<{ value: number }> {
  readonly type = 'counter';

  protected empty(): { value: number } {
    return { value: 0 };
  }

  add(values: readonly string[], v: number): void {
    if (v > 0) this.at(values).value += v;
  }

  /** `add` through a ref from `bind`. */
  addRef(ref: SeriesRef<{ value: number }>, v: number): void {
    if (v > 0) this.atRef(ref).value += v;
  }

  get(): { name: string; help: string; type: string; values: Value[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: this.all().map((s) => ({ labels: s.labels, value: s.value })) };
  }
}

export interface HistogramSeries {
  counts: Float64Array;
  sum: number;
  count: number;
}

export class KpiHistogram extends CappedFamily<HistogramSeries> {
  readonly type = 'histogram';
  readonly upperBounds: number[];

  constructor(o: FamilyOptions & { buckets: readonly number[] }) {
    super(o);
    this.upperBounds = [...o.buckets];
  }

  protected empty(): HistogramSeries {
    return { counts: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
  }

  observe(values: readonly string[], v: number): void {
    if (v >= 0 && Number.isFinite(v)) this.record(this.at(values), v);
  }

  /** `observe` through a ref from `bind`. */
  observeRef(ref: SeriesRef<HistogramSeries>, v: number): void {
    if (v >= 0 && Number.isFinite(v)) this.record(this.atRef(ref), v);
  }

  private record(s: HistogramSeries, v: number): void {
    const b = this.upperBounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }

  get(): { name: string; help: string; type: string; values: Value[]; aggregator: string } {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all()) {
      let acc = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { ...s.labels, le: this.upperBounds[i]! }, value: acc, metricName: bucket });
      }
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: bucket });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}
