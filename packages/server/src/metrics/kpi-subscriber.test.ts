import { Registry } from 'prom-client';
import { SEED_FAMILIES, validateEvents, type EventInput, type StoredEvent } from '@pulse/protocol';
import { describe, expect, it } from 'vitest';
import { syntheticEvents } from '../synthetic/index.js';
import { ActiveUsers } from './active-users.js';
import { createKpiFamilies, LLM_FAMILIES, type FamilyKey } from './kpi-families.js';
import { KpiCounter, KpiHistogram } from './kpi-metric.js';
import { createKpiSubscriber, type KpiSubscriberDeps } from './kpi-subscriber.js';
import { labelValue } from './series-cap.js';
import { allEvents, knownTraffic } from './test-support/traffic.js';

const NOW = Date.parse('2026-03-02T12:00:00Z');

/**
 * The oracle: every update named by its label values, one family at a time, per event — what the
 * subscriber did before it kept series refs per label tuple. Its exposition must be the subscriber's.
 */
function perEventByValues({ families: f, activeUsers, now }: KpiSubscriberDeps): (batch: readonly StoredEvent[]) => void {
  const specs = { ...SEED_FAMILIES, ...LLM_FAMILIES };
  const byName = new Map<string, FamilyKey>(
    (Object.keys(SEED_FAMILIES) as (keyof typeof SEED_FAMILIES)[]).filter((k) => k !== 'activeUsers').map((k) => [SEED_FAMILIES[k].name, k]),
  );
  const attr = (e: StoredEvent, key: string): string | undefined => e.attributes?.[key];
  return (batch) => {
    const t = now();
    for (const e of batch) {
      const p = e.project;
      const svc = labelValue(e.service);
      if (e.user_id !== null && e.ts > t - activeUsers.windowMs) activeUsers.touch(p, svc, e.user_id, Math.min(e.ts, t));
      if (e.type === 'llm') {
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
      } else if (e.type === 'http') {
        const v = [p, svc, labelValue(e.name), labelValue(attr(e, 'method')), labelValue(attr(e, 'status_code'))];
        f.httpRequests.add(v, 1);
        if (e.duration_ms !== null) f.httpRequestDuration.observe(v, e.duration_ms / 1000);
      } else if (e.type === 'job') {
        const v = [p, svc, labelValue(attr(e, 'queue_name'))];
        if (e.duration_ms !== null) f.queueJobDuration.observe(v, e.duration_ms / 1000);
        if (e.status === 'error') f.queueFailures.add(v, 1);
      } else if (e.type === 'payment') {
        const method = labelValue(attr(e, 'payment_method'));
        const plan = labelValue(attr(e, 'plan') ?? e.name);
        if (e.status === 'error') f.paymentFailures.add([p, svc, method, plan, labelValue(e.error_type)], 1);
        else f.paymentConversions.add([p, svc, method, plan], 1);
      } else if (e.type === 'error') {
        f.errors.add([p, svc, labelValue(e.error_type), labelValue(e.severity)], 1);
        if (e.name === 'queue_failure' || attr(e, 'alert') === 'queue_failure') f.queueFailures.add([p, svc, labelValue(attr(e, 'queue_name'))], 1);
      } else if (e.type === 'metric') {
        const key = e.name === null ? undefined : byName.get(e.name);
        if (!key) continue;
        const fam = f[key];
        const values = [p, svc];
        for (const l of specs[key].labels) {
          // The event's own `type` is `metric`: never the `type` label's value.
          if (l !== 'service') values.push(labelValue(attr(e, l) ?? (l === 'type' ? undefined : ((e as unknown as Record<string, unknown>)[l] as string | null | undefined))));
        }
        if (fam instanceof KpiCounter) fam.add(values, e.value ?? 1);
        else if (e.value === null) continue;
        else if (fam instanceof KpiHistogram) fam.observe(values, e.value);
        else fam.set(values, e.value);
      }
    }
  };
}

type Make = typeof createKpiSubscriber;

/** Feeds `batches` through a subscriber made by `make`; the exposition and the folded updates per family. */
async function feed(make: Make, batches: StoredEvent[][], maxSeries: number): Promise<{ text: string; folded: Map<string, number> }> {
  const registry = new Registry();
  const folded = new Map<string, number>();
  const activeUsers = new ActiveUsers(300_000, maxSeries);
  const families = createKpiFamilies({
    registry,
    maxSeriesPerFamily: maxSeries,
    onOverflow: (family) => folded.set(family, (folded.get(family) ?? 0) + 1),
    collectGauge: { activeUsers: (g) => activeUsers.forEach(NOW, (p, s, n) => g.set([p, s], n)) },
  });
  const onBatch = make({ families, activeUsers, now: () => NOW });
  for (const b of batches) onBatch(b);
  return { text: await registry.metrics(), folded };
}

/** Fresh event objects for each run (the subscriber may not rely on seeing the same objects twice). */
function batches(): StoredEvent[][] {
  const stored = (events: EventInput[], project: string): StoredEvent[] =>
    (validateEvents(events, NOW).records as StoredEvent[]).map((r) => Object.assign(r, { project }));
  const synthetic = [...syntheticEvents({ seed: 7, startMs: NOW - 240_000, endMs: NOW, count: 6_000 })];
  const known = allEvents(knownTraffic());
  const out: StoredEvent[][] = [];
  for (let i = 0; i < synthetic.length; i += 500) out.push(stored(synthetic.slice(i, i + 500), i % 1000 === 0 ? 'default' : 'shop'));
  out.push(stored(known, 'default'), stored(known, 'other'));
  return out;
}

describe('the KPI subscriber', () => {
  it('gives the exposition of per-event updates by label values, sample for sample and in the same order', async () => {
    const a = await feed(createKpiSubscriber, batches(), 2000);
    const b = await feed(perEventByValues, batches(), 2000);
    expect(a.text).toBe(b.text);
    expect(a.folded.size).toBe(0);
    // The comparison covers every kind of family the events feed.
    for (const name of ['llm_cost_usd_total', 'llm_time_to_first_token_seconds_bucket', 'http_request_duration_seconds_sum', 'queue_job_duration_seconds_count', 'queue_failures_total', 'token_spend_total', 'errors_total', 'payment_conversions_total', 'generation_success_total', 'active_users_total']) {
      expect(a.text, name).toMatch(new RegExp(`^${name}\\{`, 'm'));
    }
  });

  it('folds and counts the same updates as per-event updates once the series cap is reached', async () => {
    const a = await feed(createKpiSubscriber, batches(), 4);
    const b = await feed(perEventByValues, batches(), 4);
    expect(a.text).toBe(b.text);
    expect([...a.folded].sort()).toEqual([...b.folded].sort());
    expect(a.folded.get('llm_requests_total')).toBeGreaterThan(0);
    expect(a.text).toMatch(/^llm_cost_usd_total\{project="__other__",service="__other__",model="__other__",provider="__other__"\} /m);
  });
});
