import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { FanOut, Subscription } from '../fanout/fanout.js';
import { ActiveUsers } from './active-users.js';
import { createAlertMetrics, type AlertMetrics } from './alert-metrics.js';
import { render, type Exposition } from './exposition.js';
import { createKpiFamilies, type KpiFamilies } from './kpi-families.js';
import { createKpiSubscriber } from './kpi-subscriber.js';
import { createSelfMetrics, type SelfMetricSources, type SelfMetrics } from './self-metrics.js';

/** prom-client's gauges that end in `_total` (promtool lints them); their by-type twins stay. */
const LINTED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface PulseMetricsOptions extends SelfMetricSources {
  fanout: FanOut & SelfMetricSources['fanout'];
  clock: Clock;
  /** Series per KPI family beyond which new label sets fold into `__other__` (`PULSE_METRICS_MAX_SERIES`). */
  maxSeriesPerFamily: number;
  /** `active_users_total` counts users seen this long ago at most. Default 5 minutes, as the SDK. */
  activeUserWindowMs?: number;
  /** prom-client's process and Node.js metrics. Default true. */
  processMetrics?: boolean;
  /** Subscribe the KPI families to the fan-out. Default true (the benchmark compares without). */
  kpi?: boolean;
}

/** The one registry behind `GET /metrics`: process, pipeline, KPI, LLM and alerting families. */
export interface PulseMetrics {
  registry: Registry;
  self: SelfMetrics;
  alerts: AlertMetrics;
  kpi: KpiFamilies;
  render(accept: string | undefined): Promise<Exposition>;
  close(): void;
}

export function createPulseMetrics(opts: PulseMetricsOptions): PulseMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of LINTED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  const overflow = new Counter({
    name: 'pulse_metrics_series_overflow_total', help: 'Updates folded into a family\'s __other__ series because it reached its series cap',
    labelNames: ['family'], registers: [registry],
  });
  const activeUsers = new ActiveUsers(opts.activeUserWindowMs ?? 5 * 60_000, opts.maxSeriesPerFamily);
  const kpi = createKpiFamilies({
    registry,
    maxSeriesPerFamily: opts.maxSeriesPerFamily,
    onOverflow: (family) => overflow.inc({ family }),
    collectGauge: {
      activeUsers: (gauge) => {
        activeUsers.forEach(opts.clock.now(), (project, service, n) => gauge.set([project, service], n));
      },
    },
  });
  // Present at 0 from the start: a series that first appears already past 0 reads as no increase to Prometheus, so
  // `increase(pulse_metrics_series_overflow_total[1h]) > 0` would miss the first burst.
  for (const f of Object.values(kpi)) overflow.inc({ family: f.name }, 0);
  new Gauge({
    name: 'pulse_metrics_series', help: 'Series per KPI family (at most the cap, plus one __other__)', labelNames: ['family'], registers: [registry],
    collect() {
      for (const f of Object.values(kpi)) this.set({ family: f.name }, f.size);
    },
  });
  const self = createSelfMetrics(registry, opts);
  const alerts = createAlertMetrics(registry);
  let subscription: Subscription | null = null;
  if (opts.kpi ?? true) {
    const onBatch = createKpiSubscriber({ families: kpi, activeUsers, now: () => opts.clock.now() });
    subscription = opts.fanout.subscribe('prometheus-kpi', onBatch, { maxQueuedEvents: 500_000 });
  }
  return {
    registry, self, alerts, kpi,
    render: (accept) => render(registry, accept),
    close: () => {
      subscription?.unsubscribe();
      subscription = null;
    },
  };
}
