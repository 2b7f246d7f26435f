import type { StoredEvent } from '@pulse/protocol';
import { SEED_FAMILIES } from '@pulse/protocol';
import type { ActiveUsers } from './active-users.js';
import { LLM_FAMILIES, type FamilyKey, type KpiFamilies, type KpiFamily } from './kpi-families.js';
import { KpiCounter, KpiHistogram } from './kpi-metric.js';
import { labelValue } from './series-cap.js';

/**
 * Turns committed batches into the KPI families (docs/prometheus.md, "Where the KPI values come from").
 * Runs as a fan-out subscriber, off the acknowledgement path. Each update names its series by the
 * label values in order (kpi-metric.ts finds it without building a key).
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

/** A `metric` event named after a seed family: labels from attributes, then event fields, else `unknown`. */
function fromMetricEvent(fam: KpiFamily, key: FamilyKey, e: StoredEvent, p: string, svc: string): void {
  const values = [p, svc];
  for (const l of SPECS[key].labels) {
    if (l !== 'service') values.push(labelValue(attr(e, l) ?? ((e as unknown as Record<string, unknown>)[l] as string | null | undefined)));
  }
  if (fam instanceof KpiCounter) fam.add(values, e.value ?? 1);
  else if (e.value === null) return;
  else if (fam instanceof KpiHistogram) fam.observe(values, e.value);
  else fam.set(values, e.value);
}

export function createKpiSubscriber({ families: f, activeUsers, now }: KpiSubscriberDeps): (batch: readonly StoredEvent[]) => void {
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
          f.llmRequests.add([p, svc, model, provider, e.status], 1);
          if (e.status === 'error') f.llmErrors.add([p, svc, model, provider, labelValue(e.error_type)], 1);
          if (e.input_tokens) {
            f.llmTokens.add([p, svc, model, provider, 'input'], e.input_tokens);
            f.tokenSpend.add([p, svc, model, 'prompt'], e.input_tokens);
          }
          if (e.output_tokens) {
            f.llmTokens.add([p, svc, model, provider, 'output'], e.output_tokens);
            f.tokenSpend.add([p, svc, model, 'completion'], e.output_tokens);
          }
          const v = [p, svc, model, provider];
          if (e.cost_usd) f.llmCost.add(v, e.cost_usd);
          if (e.duration_ms !== null) f.llmDuration.observe(v, e.duration_ms / 1000);
          if (e.ttft_ms !== null) f.llmTtft.observe(v, e.ttft_ms / 1000);
          break;
        }
        case 'http': {
          const v = [p, svc, labelValue(e.name), labelValue(attr(e, 'method')), labelValue(attr(e, 'status_code'))];
          f.httpRequests.add(v, 1);
          if (e.duration_ms !== null) f.httpRequestDuration.observe(v, e.duration_ms / 1000);
          break;
        }
        case 'job': {
          const v = [p, svc, labelValue(attr(e, 'queue_name'))];
          if (e.duration_ms !== null) f.queueJobDuration.observe(v, e.duration_ms / 1000);
          if (e.status === 'error') f.queueFailures.add(v, 1);
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
