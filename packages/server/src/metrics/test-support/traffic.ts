import type { EventInput } from '@pulse/protocol';

/**
 * A deterministic mix of every event kind the KPI families read, used by the KPI tests and the
 * Prometheus end-to-end test. Tests derive their expected values from these arrays, never by hand.
 * Durations are spread evenly inside known histogram buckets so a p95 has a known answer.
 */
export interface Traffic {
  http: EventInput[];
  errors: EventInput[];
  generations: EventInput[];
  payments: EventInput[];
  jobs: EventInput[];
  queueAlerts: EventInput[];
  llm: EventInput[];
  gauges: EventInput[];
}

export function knownTraffic(): Traffic {
  const http: EventInput[] = [];
  for (let i = 0; i < 100; i++) {
    const status = i % 25 === 0 ? 500 : i % 10 === 3 ? 404 : 200;
    // /chat: 1..100 × 30 ms = 0.03..3 s (its p95 is about 2.85 s, above seed 002's 2 s threshold);
    // /users/:id: 2..200 ms.
    http.push({ type: 'http', name: '/chat', service: 'api', duration_ms: (i + 1) * 30, user_id: `u${i % 7}`, attributes: { method: 'POST', status_code: status } });
    http.push({ type: 'http', name: '/users/:id', service: 'api', duration_ms: (i + 1) * 2, attributes: { method: 'GET', status_code: 200 } });
  }
  const errors: EventInput[] = [];
  for (let i = 0; i < 12; i++) {
    errors.push({ type: 'error', name: 'handler', service: i % 3 === 0 ? 'bot' : 'api', error_type: i % 4 === 0 ? 'OutOfMemory' : 'Timeout', severity: i % 4 === 0 ? 'critical' : 'medium' });
  }
  const generations: EventInput[] = [];
  for (let i = 0; i < 40; i++) {
    const ok = i % 8 !== 0;
    generations.push({
      type: 'metric', name: ok ? 'generation_success_total' : 'generation_failure_total', value: 1, service: 'worker',
      ...(ok ? {} : { error_type: 'ContentFilter' }), attributes: { type: i % 2 === 0 ? 'image' : 'text' },
    });
  }
  const payments: EventInput[] = [];
  for (let i = 0; i < 10; i++) {
    const failed = i >= 8;
    payments.push({
      type: 'payment', name: i % 2 === 0 ? 'premium' : 'basic', service: 'api', user_id: `u${i}`, value: 10,
      ...(failed ? { status: 'error', error_type: 'card_declined' } : {}),
      attributes: { payment_method: i % 3 === 0 ? 'paypal' : 'card', plan: i % 2 === 0 ? 'premium' : 'basic' },
    });
  }
  const jobs: EventInput[] = [];
  for (let i = 0; i < 20; i++) {
    jobs.push({
      type: 'job', name: 'render', service: 'worker', duration_ms: (i + 1) * 1000,
      ...(i % 7 === 6 ? { status: 'error', error_type: 'Crash' } : {}), attributes: { queue_name: i % 4 === 0 ? 'slow-queue' : 'main-queue' },
    });
  }
  const queueAlerts: EventInput[] = [0, 1].map(() => ({
    type: 'error', name: 'queue_failure', service: 'worker', error_type: 'Crash', severity: 'high', attributes: { alert: 'queue_failure', queue_name: 'main-queue' },
  }));
  const llm: EventInput[] = [];
  for (let i = 0; i < 30; i++) {
    const model = i % 3 === 0 ? 'claude-3-haiku' : 'gpt-4o-mini';
    llm.push({
      type: 'llm', name: 'chat', service: 'bot', model, provider: model.startsWith('gpt') ? 'openai' : 'anthropic',
      input_tokens: 100 + i, output_tokens: 50 + i, cost_usd: 0.001 * (i + 1), duration_ms: 400 + i * 100, ttft_ms: 50 + i * 10,
      user_id: `u${i % 5}`, ...(i % 10 === 9 ? { status: 'error', error_type: 'RateLimit' } : {}),
    });
  }
  const gauges: EventInput[] = [{ type: 'metric', name: 'active_jobs_total', value: 4, service: 'worker', attributes: { queue_name: 'main-queue' } }];
  return { http, errors, generations, payments, jobs, queueAlerts, llm, gauges };
}

export const allEvents = (t: Traffic): EventInput[] => [...t.http, ...t.errors, ...t.generations, ...t.payments, ...t.jobs, ...t.queueAlerts, ...t.llm, ...t.gauges];

/** Distinct user ids in the traffic, per service (what active_users_total counts within 5 minutes). */
export function usersByService(events: readonly EventInput[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of events) {
    if (!e.user_id) continue;
    const s = e.service ?? 'unknown';
    if (!out.has(s)) out.set(s, new Set());
    out.get(s)!.add(e.user_id);
  }
  return out;
}
