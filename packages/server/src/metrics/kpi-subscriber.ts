import type { StoredEvent } from '@pulse/protocol';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { LLM_FAMILIES, type CappedFamily, type FamilyKey, type KpiFamilies } from './kpi-families.js';
import type { ActiveUsers } from './active-users.js';
import { labelValue } from './series-cap.js';
import { SEED_FAMILIES } from '@pulse/protocol';

/**
 * Turns committed batches into the KPI families (docs/prometheus.md, "Where the KPI values come from").
 * Runs as a fan-out subscriber, off the acknowledgement path. Counter increments are summed per series
 * within a batch and applied once per series, so a batch of 10,000 similar events costs a few hundred
 * prom-client calls, not 10,000; histograms are observed per event (each observation has its own bucket).
 */
type Fam<M> = CappedFamily<M>;

const SPECS = { ...SEED_FAMILIES, ...LLM_FAMILIES };
/** `metric` events named after a seed family update it directly (the SDK ships counter increments so). */
const BY_NAME = new Map<string, FamilyKey>(
  (Object.keys(SEED_FAMILIES) as (keyof typeof SEED_FAMILIES)[]).filter((k) => k !== 'activeUsers').map((k) => [SEED_FAMILIES[k].name, k]),
);

class BatchSums {
  private readonly sums = new Map<Fam<Counter>, Map<Record<string, string>, number>>();

  add(f: Fam<Counter>, values: string[], v: number): void {
    if (!(v > 0)) return;
    const labels = f.cap.labels(values);
    let m = this.sums.get(f);
    if (!m) this.sums.set(f, (m = new Map()));
    m.set(labels, (m.get(labels) ?? 0) + v);
  }

  flush(): void {
    for (const [f, m] of this.sums) for (const [labels, v] of m) f.metric.inc(labels, v);
    this.sums.clear();
  }
}

const attr = (e: StoredEvent, key: string): string | undefined => e.attributes?.[key];

export interface KpiSubscriberDeps {
  families: KpiFamilies;
  activeUsers: ActiveUsers;
  now: () => number;
}

export function createKpiSubscriber({ families: f, activeUsers, now }: KpiSubscriberDeps): (batch: readonly StoredEvent[]) => void {
  const observe = (fam: Fam<Histogram>, values: string[], seconds: number): void => {
    if (Number.isFinite(seconds) && seconds >= 0) fam.metric.observe(fam.cap.labels(values), seconds);
  };

  /** A `metric` event named after a seed family: labels from attributes, then event fields, else `unknown`. */
  const fromMetricEvent = (sums: BatchSums, e: StoredEvent, key: FamilyKey, p: string, svc: string): void => {
    const spec = SPECS[key];
    const values = [p, svc];
    for (const l of spec.labels) {
      if (l === 'service') continue;
      values.push(labelValue(attr(e, l) ?? ((e as unknown as Record<string, unknown>)[l] as string | null | undefined)));
    }
    const fam = f[key];
    if (spec.type === 'counter') sums.add(fam as Fam<Counter>, values, e.value ?? 1);
    else if (spec.type === 'gauge') {
      if (e.value !== null) (fam as Fam<Gauge>).metric.set(fam.cap.labels(values), e.value);
    } else if (e.value !== null) observe(fam as Fam<Histogram>, values, e.value);
  };

  return (batch) => {
    const sums = new BatchSums();
    const t = now();
    const activeSince = t - activeUsers.windowMs;
    for (const e of batch) {
      const p = e.project;
      const svc = labelValue(e.service);
      if (e.user_id !== null && e.ts > activeSince) activeUsers.touch(p, svc, e.user_id, Math.min(e.ts, t));
      switch (e.type) {
        case 'llm': {
          const model = labelValue(e.model);
          const provider = labelValue(e.provider);
          sums.add(f.llmRequests, [p, svc, model, provider, e.status], 1);
          if (e.status === 'error') sums.add(f.llmErrors, [p, svc, model, provider, labelValue(e.error_type)], 1);
          if (e.input_tokens) {
            sums.add(f.llmTokens, [p, svc, model, provider, 'input'], e.input_tokens);
            sums.add(f.tokenSpend, [p, svc, model, 'prompt'], e.input_tokens);
          }
          if (e.output_tokens) {
            sums.add(f.llmTokens, [p, svc, model, provider, 'output'], e.output_tokens);
            sums.add(f.tokenSpend, [p, svc, model, 'completion'], e.output_tokens);
          }
          if (e.cost_usd) sums.add(f.llmCost, [p, svc, model, provider], e.cost_usd);
          if (e.duration_ms !== null) observe(f.llmDuration, [p, svc, model, provider], e.duration_ms / 1000);
          if (e.ttft_ms !== null) observe(f.llmTtft, [p, svc, model, provider], e.ttft_ms / 1000);
          break;
        }
        case 'http': {
          const values = [p, svc, labelValue(e.name), labelValue(attr(e, 'method')), labelValue(attr(e, 'status_code'))];
          sums.add(f.httpRequests, values, 1);
          if (e.duration_ms !== null) observe(f.httpRequestDuration, values, e.duration_ms / 1000);
          break;
        }
        case 'job': {
          const queue = labelValue(attr(e, 'queue_name'));
          if (e.duration_ms !== null) observe(f.queueJobDuration, [p, svc, queue], e.duration_ms / 1000);
          if (e.status === 'error') sums.add(f.queueFailures, [p, svc, queue], 1);
          break;
        }
        case 'payment': {
          const method = labelValue(attr(e, 'payment_method'));
          const plan = labelValue(attr(e, 'plan') ?? e.name);
          if (e.status === 'error') sums.add(f.paymentFailures, [p, svc, method, plan, labelValue(e.error_type)], 1);
          else sums.add(f.paymentConversions, [p, svc, method, plan], 1);
          break;
        }
        case 'error': {
          sums.add(f.errors, [p, svc, labelValue(e.error_type), labelValue(e.severity)], 1);
          // The SDK's alerts.alertQueueFailure(): an error event marked as a queue failure.
          if (e.name === 'queue_failure' || attr(e, 'alert') === 'queue_failure') {
            sums.add(f.queueFailures, [p, svc, labelValue(attr(e, 'queue_name'))], 1);
          }
          break;
        }
        case 'metric': {
          const key = e.name === null ? undefined : BY_NAME.get(e.name);
          if (key) fromMetricEvent(sums, e, key, p, svc);
          break;
        }
        default:
      }
    }
    sums.flush();
  };
}
