/**
 * Seed 002's Prometheus families as both the SDK's local `/metrics` and the server's `/metrics` expose
 * them: one definition, so names, types, label names and buckets cannot drift apart. The server adds a
 * `project` label to each (docs/prometheus.md).
 */
export interface SeedFamilySpec {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  /** In the order the SDK declares them. */
  labels: readonly string[];
  buckets?: readonly number[];
}

/** Job durations run from sub-second to many minutes (image generation, exports). */
export const JOB_DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/**
 * HTTP handlers: milliseconds to seconds (seed 002's HighResponseTime fires at a 2 s p95), and up to two
 * minutes for endpoints that wait for a model — above the last finite bound histogram_quantile can only
 * answer that bound, so a 25 s p95 would read as 10 s.
 */
export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export const SEED_FAMILIES = {
  activeUsers: { name: 'active_users_total', type: 'gauge', help: 'Distinct users seen in the active-user window (default 5 minutes)', labels: ['service'] },
  generationSuccess: { name: 'generation_success_total', type: 'counter', help: 'Successful generations', labels: ['service', 'type'] },
  generationFailure: { name: 'generation_failure_total', type: 'counter', help: 'Failed generations', labels: ['service', 'type', 'error_type'] },
  tokenSpend: { name: 'token_spend_total', type: 'counter', help: 'Tokens spent on model calls', labels: ['service', 'model', 'type'] },
  paymentConversions: { name: 'payment_conversions_total', type: 'counter', help: 'Successful payments', labels: ['service', 'payment_method', 'plan'] },
  paymentFailures: { name: 'payment_failures_total', type: 'counter', help: 'Failed payments', labels: ['service', 'payment_method', 'plan', 'error_type'] },
  queueFailures: { name: 'queue_failures_total', type: 'counter', help: 'Failed queue jobs', labels: ['service', 'queue_name'] },
  queueJobDuration: { name: 'queue_job_duration_seconds', type: 'histogram', help: 'Queue job duration in seconds', labels: ['service', 'queue_name'], buckets: JOB_DURATION_BUCKETS },
  activeJobs: { name: 'active_jobs_total', type: 'gauge', help: 'Queue jobs currently running', labels: ['service', 'queue_name'] },
  httpRequests: { name: 'http_requests_total', type: 'counter', help: 'HTTP requests served', labels: ['service', 'route', 'method', 'status_code'] },
  httpRequestDuration: { name: 'http_request_duration_seconds', type: 'histogram', help: 'HTTP request duration in seconds', labels: ['service', 'route', 'method', 'status_code'], buckets: HTTP_DURATION_BUCKETS },
  errors: { name: 'errors_total', type: 'counter', help: 'Errors handled, by type and severity', labels: ['service', 'error_type', 'severity'] },
} as const satisfies Record<string, SeedFamilySpec>;

/** Seed 002 names two gauges with `_total`; promtool's lint flags exactly these, and nothing else may be. */
export const SEED_GAUGES_NAMED_TOTAL: readonly string[] = ['active_jobs_total', 'active_users_total'];
