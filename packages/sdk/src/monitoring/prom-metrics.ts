import { Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * The metric families of seed 002, with its names, types and labels. `service` is on every family (the
 * seed's PromQL groups by it); the queue families carry `queue_name`, as the seed's queries use it.
 */
export interface SeedMetrics {
  activeUsers: Gauge<'service'>;
  generationSuccess: Counter<'service' | 'type'>;
  generationFailure: Counter<'service' | 'type' | 'error_type'>;
  tokenSpend: Counter<'service' | 'model' | 'type'>;
  paymentConversions: Counter<'service' | 'payment_method' | 'plan'>;
  paymentFailures: Counter<'service' | 'payment_method' | 'plan' | 'error_type'>;
  queueFailures: Counter<'service' | 'queue_name'>;
  queueJobDuration: Histogram<'service' | 'queue_name'>;
  activeJobs: Gauge<'service' | 'queue_name'>;
  httpRequests: Counter<'service' | 'route' | 'method' | 'status_code'>;
  httpRequestDuration: Histogram<'service' | 'route' | 'method' | 'status_code'>;
  errors: Counter<'service' | 'error_type' | 'severity'>;
}

/** Job durations run from sub-second to many minutes (image generation, exports). */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface SeedMetricsOptions {
  service: string;
  /** Read on every scrape: the active-user gauge is computed, not incremented. */
  activeUsers: () => number;
  /** prom-client's process metrics (CPU, memory, event loop lag, GC). */
  defaultMetrics: boolean;
}

export function createSeedMetrics(registry: Registry, opts: SeedMetricsOptions): SeedMetrics {
  const registers = [registry];
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    activeUsers: new Gauge({
      name: 'active_users_total',
      help: 'Distinct users seen in the active-user window (default 5 minutes)',
      labelNames: ['service'],
      registers,
      collect() {
        this.set({ service: opts.service }, opts.activeUsers());
      },
    }),
    generationSuccess: new Counter({ name: 'generation_success_total', help: 'Successful generations', labelNames: ['service', 'type'], registers }),
    generationFailure: new Counter({ name: 'generation_failure_total', help: 'Failed generations', labelNames: ['service', 'type', 'error_type'], registers }),
    tokenSpend: new Counter({ name: 'token_spend_total', help: 'Tokens spent on model calls', labelNames: ['service', 'model', 'type'], registers }),
    paymentConversions: new Counter({ name: 'payment_conversions_total', help: 'Successful payments', labelNames: ['service', 'payment_method', 'plan'], registers }),
    paymentFailures: new Counter({ name: 'payment_failures_total', help: 'Failed payments', labelNames: ['service', 'payment_method', 'plan', 'error_type'], registers }),
    queueFailures: new Counter({ name: 'queue_failures_total', help: 'Failed queue jobs', labelNames: ['service', 'queue_name'], registers }),
    queueJobDuration: new Histogram({ name: 'queue_job_duration_seconds', help: 'Queue job duration in seconds', labelNames: ['service', 'queue_name'], buckets: JOB_BUCKETS, registers }),
    activeJobs: new Gauge({ name: 'active_jobs_total', help: 'Queue jobs currently running', labelNames: ['service', 'queue_name'], registers }),
    httpRequests: new Counter({ name: 'http_requests_total', help: 'HTTP requests served', labelNames: ['service', 'route', 'method', 'status_code'], registers }),
    httpRequestDuration: new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration in seconds', labelNames: ['service', 'route', 'method', 'status_code'], buckets: HTTP_BUCKETS, registers }),
    errors: new Counter({ name: 'errors_total', help: 'Errors handled, by type and severity', labelNames: ['service', 'error_type', 'severity'], registers }),
  };
}
