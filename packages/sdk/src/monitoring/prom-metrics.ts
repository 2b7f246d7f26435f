import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { SEED_FAMILIES as F } from '@pulse/protocol';
import { startDefaultMetrics } from './default-metrics.js';

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

/**
 * prom-client's three `nodejs_active_*_total` gauges trip promtool's lint (gauges must not end in
 * `_total`); the same numbers, by type, stay in `nodejs_active_handles`, `…_requests`, `…_resources`.
 */
export const LINTED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface SeedMetricsOptions {
  service: string;
  /** Read on every scrape: the active-user gauge is computed, not incremented. */
  activeUsers: () => number;
  /** prom-client's process metrics (CPU, memory, event loop lag, GC). */
  defaultMetrics: boolean;
}

export function createSeedMetrics(registry: Registry, opts: SeedMetricsOptions): SeedMetrics {
  return registerSeedMetrics(registry, opts).metrics;
}

export interface SeedRegistration {
  metrics: SeedMetrics;
  /**
   * Stops the default metrics' event-loop and GC monitors and removes every metric registered here from
   * the registry (so a later instance can register on it again). Idempotent.
   */
  release(): void;
}

/** createSeedMetrics, releasable; a registration that fails half-way (a name taken) leaves nothing behind. */
export function registerSeedMetrics(registry: Registry, opts: SeedMetricsOptions): SeedRegistration {
  const before = new Set(registry.getMetricsAsArray().map((m) => m.name));
  const ours = (): string[] => registry.getMetricsAsArray().map((m) => m.name).filter((name) => !before.has(name));
  let stopDefaults = (): void => {};
  const remove = (names: readonly string[]): void => {
    stopDefaults();
    for (const name of names) registry.removeSingleMetric(name);
  };
  try {
    if (opts.defaultMetrics) {
      stopDefaults = startDefaultMetrics(registry);
      for (const name of LINTED_DEFAULT_METRICS) registry.removeSingleMetric(name);
    }
    const metrics = seedFamilies(registry, opts);
    // Only the names registered here: metrics the application adds to the registry later stay.
    const added = ours();
    return { metrics, release: () => remove(added) };
  } catch (err) {
    remove(ours());
    throw err;
  }
}

function seedFamilies(registry: Registry, opts: SeedMetricsOptions): SeedMetrics {
  const registers = [registry];
  const spec = <K extends keyof typeof F>(k: K) => ({ name: F[k].name, help: F[k].help, registers });
  return {
    activeUsers: new Gauge({
      ...spec('activeUsers'),
      labelNames: ['service'],
      collect() {
        this.set({ service: opts.service }, opts.activeUsers());
      },
    }),
    generationSuccess: new Counter({ ...spec('generationSuccess'), labelNames: ['service', 'type'] }),
    generationFailure: new Counter({ ...spec('generationFailure'), labelNames: ['service', 'type', 'error_type'] }),
    tokenSpend: new Counter({ ...spec('tokenSpend'), labelNames: ['service', 'model', 'type'] }),
    paymentConversions: new Counter({ ...spec('paymentConversions'), labelNames: ['service', 'payment_method', 'plan'] }),
    paymentFailures: new Counter({ ...spec('paymentFailures'), labelNames: ['service', 'payment_method', 'plan', 'error_type'] }),
    queueFailures: new Counter({ ...spec('queueFailures'), labelNames: ['service', 'queue_name'] }),
    queueJobDuration: new Histogram({ ...spec('queueJobDuration'), labelNames: ['service', 'queue_name'], buckets: [...F.queueJobDuration.buckets] }),
    activeJobs: new Gauge({ ...spec('activeJobs'), labelNames: ['service', 'queue_name'] }),
    httpRequests: new Counter({ ...spec('httpRequests'), labelNames: ['service', 'route', 'method', 'status_code'] }),
    httpRequestDuration: new Histogram({ ...spec('httpRequestDuration'), labelNames: ['service', 'route', 'method', 'status_code'], buckets: [...F.httpRequestDuration.buckets] }),
    errors: new Counter({ ...spec('errors'), labelNames: ['service', 'error_type', 'severity'] }),
  };
}
