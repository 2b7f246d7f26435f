import { Gauge, type Registry } from 'prom-client';
import { SEED_FAMILIES as F, type SeedFamilySpec } from '@pulse/protocol';
import { KpiCounter, KpiHistogram } from './kpi-metric.js';
import { SeriesCap } from './series-cap.js';

/**
 * Seed 002's KPI families (SDK names, types, labels and buckets, plus `project`) and the LLM families
 * the seeds imply, all computed on the server from committed events (kpi-subscriber.ts).
 */

/** LLM calls take from a few hundred milliseconds to minutes (long generations, reasoning models). */
export const LLM_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300];
/** Time to first token: tens of milliseconds (cached, small models) to several seconds (queued, large). */
export const LLM_TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];

export const LLM_FAMILIES = {
  llmRequests: { name: 'llm_requests_total', type: 'counter', help: 'LLM calls, by outcome (status ok|error)', labels: ['service', 'model', 'provider', 'status'] },
  llmErrors: { name: 'llm_errors_total', type: 'counter', help: 'Failed LLM calls, by error type', labels: ['service', 'model', 'provider', 'error_type'] },
  llmTokens: { name: 'llm_tokens_total', type: 'counter', help: 'LLM tokens, by direction (input = prompt, output = completion)', labels: ['service', 'model', 'provider', 'direction'] },
  llmCost: { name: 'llm_cost_usd_total', type: 'counter', help: 'LLM spend in US dollars (sent by the client, or priced from the pricing table)', labels: ['service', 'model', 'provider'] },
  llmDuration: { name: 'llm_request_duration_seconds', type: 'histogram', help: 'LLM call latency in seconds', labels: ['service', 'model', 'provider'], buckets: LLM_DURATION_BUCKETS },
  llmTtft: { name: 'llm_time_to_first_token_seconds', type: 'histogram', help: 'LLM time to first token in seconds (streamed calls)', labels: ['service', 'model', 'provider'], buckets: LLM_TTFT_BUCKETS },
} as const satisfies Record<string, SeedFamilySpec>;

type Spec = SeedFamilySpec;
type AllFamilies = typeof F & typeof LLM_FAMILIES;
export type FamilyKey = keyof AllFamilies;

/** A gauge family (set, not summed; few updates): prom-client's Gauge behind the same series cap. */
export class KpiGauge {
  constructor(
    readonly metric: Gauge,
    private readonly cap: SeriesCap<string>,
  ) {}

  get name(): string {
    return this.cap.family;
  }

  get size(): number {
    return this.cap.size;
  }

  set(values: readonly string[], v: number): void {
    this.metric.set(this.cap.labels(values), v);
  }
}

export type KpiFamily = KpiCounter | KpiHistogram | KpiGauge;
export type KpiFamilies = {
  [K in FamilyKey]: AllFamilies[K]['type'] extends 'counter' ? KpiCounter : AllFamilies[K]['type'] extends 'gauge' ? KpiGauge : KpiHistogram;
};

export interface KpiFamiliesOptions {
  registry: Registry;
  /** Series per family beyond which new label sets fold into `__other__`. */
  maxSeriesPerFamily: number;
  onOverflow: (family: string) => void;
  /** Gauges computed at scrape time (active users): called with the family to set. */
  collectGauge?: Partial<Record<FamilyKey, (gauge: KpiGauge) => void>>;
}

/** Every family's labels are `project` then the seed's (the SDK's order). */
export function createKpiFamilies(opts: KpiFamiliesOptions): KpiFamilies {
  const make = (key: FamilyKey, spec: Spec): KpiFamily => {
    const labelNames = ['project', ...spec.labels];
    const base = { name: spec.name, help: spec.help, labelNames, maxSeries: opts.maxSeriesPerFamily, onOverflow: opts.onOverflow, registry: opts.registry };
    if (spec.type === 'counter') return new KpiCounter(base);
    if (spec.type === 'histogram') return new KpiHistogram({ ...base, buckets: spec.buckets ?? [] });
    const cap = new SeriesCap(spec.name, labelNames, opts.maxSeriesPerFamily, opts.onOverflow);
    const collect = opts.collectGauge?.[key];
    let family: KpiGauge | null = null;
    const gauge: Gauge = new Gauge({
      name: spec.name, help: spec.help, labelNames, registers: [opts.registry],
      ...(collect ? { collect: () => collect(family!) } : {}),
    });
    family = new KpiGauge(gauge, cap);
    return family;
  };
  const out: Record<string, KpiFamily> = {};
  for (const [key, spec] of Object.entries({ ...F, ...LLM_FAMILIES }) as [FamilyKey, Spec][]) out[key] = make(key, spec);
  return out as KpiFamilies;
}
