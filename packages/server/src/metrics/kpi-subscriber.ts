import type { StoredEvent } from '@pulse/protocol';
import { SEED_FAMILIES } from '@pulse/protocol';
import type { ActiveUsers } from './active-users.js';
import { LLM_FAMILIES, type FamilyKey, type KpiFamilies, type KpiFamily } from './kpi-families.js';
import { KpiCounter, KpiHistogram, type HistogramSeries, type SeriesRef } from './kpi-metric.js';
import { labelValue } from './series-cap.js';
import { TupleCache } from './tuple-cache.js';

/**
 * Turns committed batches into the KPI families (docs/prometheus.md, "Where the KPI values come from").
 * Runs as a fan-out subscriber, off the acknowledgement path. Each update names its series by the
 * label values in order (kpi-metric.ts finds it without building a key).
 *
 * The frequent event types update several series of the same labels: an LLM call up to eight (of
 * project, service, model and provider), an HTTP request two, a job two. For these the subscriber
 * keeps the families' series refs per label tuple (`TupleCache`, bounded like a family), so an event
 * costs one lookup of its tuple instead of one per family. Every update still goes to its family one
 * event at a time, in event order: the values (float sums included), the order series are made in, and
 * what the series cap folds and counts are those of updating each family by label values.
 */
const SPECS = { ...SEED_FAMILIES, ...LLM_FAMILIES };
/** `metric` events named after a seed family update it directly (the SDK ships counter increments so). */
const BY_NAME = new Map<string, FamilyKey>(
  (Object.keys(SEED_FAMILIES) as (keyof typeof SEED_FAMILIES)[]).filter((k) => k !== 'activeUsers').map((k) => [SEED_FAMILIES[k].name, k]),
);

const attr = (e: StoredEvent, key: string): string | undefined => e.attributes?.[key];

export interface KpiSubscriberDeps {
  families: KpiFamilies;
  activeUsers: ActiveUsers;
  now: () => number;
}

type CounterRef = SeriesRef<{ value: number }>;
type HistogramRef = SeriesRef<HistogramSeries>;

/** The series an LLM call of one (project, service, model, provider) updates. */
interface LlmRefs {
  ok: CounterRef;
  error: CounterRef;
  inputTokens: CounterRef;
  outputTokens: CounterRef;
  promptSpend: CounterRef;
  completionSpend: CounterRef;
  cost: CounterRef;
  duration: HistogramRef;
  ttft: HistogramRef;
}

/** The series an HTTP request of one (project, service, route, method, status code) updates. */
interface HttpRefs {
  requests: CounterRef;
  duration: HistogramRef;
}

/** The series a job of one (project, service, queue) updates. */
interface JobRefs {
  duration: HistogramRef;
  failures: CounterRef;
}

function llmRefs(f: KpiFamilies): (key: readonly string[]) => LlmRefs {
  return (k) => {
    const [p, svc, model] = k as [string, string, string, string];
    return {
      ok: f.llmRequests.bind([...k, 'ok']),
      error: f.llmRequests.bind([...k, 'error']),
      inputTokens: f.llmTokens.bind([...k, 'input']),
      outputTokens: f.llmTokens.bind([...k, 'output']),
      promptSpend: f.tokenSpend.bind([p, svc, model, 'prompt']),
      completionSpend: f.tokenSpend.bind([p, svc, model, 'completion']),
      cost: f.llmCost.bind(k),
      duration: f.llmDuration.bind(k),
      ttft: f.llmTtft.bind(k),
    };
  };
}

/**
 * A `metric` event named after a seed family: labels from attributes, then event fields, else `unknown` — but never
 * the event's own `type`, which is `metric` here, not the generation type the `type` label means.
 */
function fromMetricEvent(fam: KpiFamily, key: FamilyKey, e: StoredEvent, p: string, svc: string): void {
  const values = [p, svc];
  for (const l of SPECS[key].labels) {
    if (l === 'service') continue;
    const field = l === 'type' ? undefined : ((e as unknown as Record<string, unknown>)[l] as string | null | undefined);
    values.push(labelValue(attr(e, l) ?? field));
  }
  if (fam instanceof KpiCounter) fam.add(values, e.value ?? 1);
  else if (e.value === null) return;
  else if (fam instanceof KpiHistogram) fam.observe(values, e.value);
  else fam.set(values, e.value);
}

export function createKpiSubscriber({ families: f, activeUsers, now }: KpiSubscriberDeps): (batch: readonly StoredEvent[]) => void {
  // Each cache holds at most as many tuples as its widest family has series (a tuple is one series of it).
  const llm = new TupleCache<LlmRefs>(f.llmCost.maxSeries);
  const http = new TupleCache<HttpRefs>(f.httpRequests.maxSeries);
  const jobs = new TupleCache<JobRefs>(f.queueJobDuration.maxSeries);
  const makeLlm = llmRefs(f);
  const makeHttp = (k: readonly string[]): HttpRefs => ({ requests: f.httpRequests.bind(k), duration: f.httpRequestDuration.bind(k) });
  const makeJob = (k: readonly string[]): JobRefs => ({ duration: f.queueJobDuration.bind(k), failures: f.queueFailures.bind(k) });
  return (batch) => {
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
          const r = llm.get([p, svc, model, provider], makeLlm);
          f.llmRequests.addRef(e.status === 'error' ? r.error : r.ok, 1);
          if (e.status === 'error') f.llmErrors.add([p, svc, model, provider, labelValue(e.error_type)], 1);
          if (e.input_tokens) {
            f.llmTokens.addRef(r.inputTokens, e.input_tokens);
            f.tokenSpend.addRef(r.promptSpend, e.input_tokens);
          }
          if (e.output_tokens) {
            f.llmTokens.addRef(r.outputTokens, e.output_tokens);
            f.tokenSpend.addRef(r.completionSpend, e.output_tokens);
          }
          if (e.cost_usd) f.llmCost.addRef(r.cost, e.cost_usd);
          if (e.duration_ms !== null) f.llmDuration.observeRef(r.duration, e.duration_ms / 1000);
          if (e.ttft_ms !== null) f.llmTtft.observeRef(r.ttft, e.ttft_ms / 1000);
          break;
        }
        case 'http': {
          const r = http.get([p, svc, labelValue(e.name), labelValue(attr(e, 'method')), labelValue(attr(e, 'status_code'))], makeHttp);
          f.httpRequests.addRef(r.requests, 1);
          if (e.duration_ms !== null) f.httpRequestDuration.observeRef(r.duration, e.duration_ms / 1000);
          break;
        }
        case 'job': {
          const r = jobs.get([p, svc, labelValue(attr(e, 'queue_name'))], makeJob);
          if (e.duration_ms !== null) f.queueJobDuration.observeRef(r.duration, e.duration_ms / 1000);
          if (e.status === 'error') f.queueFailures.addRef(r.failures, 1);
          break;
        }
        case 'payment': {
          const method = labelValue(attr(e, 'payment_method'));
          const plan = labelValue(attr(e, 'plan') ?? e.name);
          if (e.status === 'error') f.paymentFailures.add([p, svc, method, plan, labelValue(e.error_type)], 1);
          else f.paymentConversions.add([p, svc, method, plan], 1);
          break;
        }
        case 'error': {
          f.errors.add([p, svc, labelValue(e.error_type), labelValue(e.severity)], 1);
          // The SDK's alerts.alertQueueFailure(): an error event marked as a queue failure.
          if (e.name === 'queue_failure' || attr(e, 'alert') === 'queue_failure') f.queueFailures.add([p, svc, labelValue(attr(e, 'queue_name'))], 1);
          break;
        }
        case 'metric': {
          const key = e.name === null ? undefined : BY_NAME.get(e.name);
          if (key) fromMetricEvent(f[key], key, e, p, svc);
          break;
        }
        default:
      }
    }
  };
}
