import type { BenchSection } from '../types.js';

/**
 * The targets of issue 2 §8, each read from one figure a bench reports in its `results`, so the
 * summary table is computed from the same run as the sections below it.
 */
export type Direction = 'at-least' | 'at-most';

export interface TargetSpec {
  label: string;
  /** Section id and result key the measured value comes from. */
  section: string;
  key: string;
  direction: Direction;
  target: number;
  unit: string;
  /** Result key (same section) naming where the figure comes from, e.g. the configuration. */
  contextKey?: string;
}

export interface TargetResult {
  spec: TargetSpec;
  measured: number | null;
  /** null: not measured in this run. */
  met: boolean | null;
  /** measured / target. */
  ratio: number | null;
  verdict: string;
  context: string | null;
}

export const TARGETS: readonly TargetSpec[] = [
  { label: 'Validation on one core', section: 'validation', key: 'validate_events_per_s', direction: 'at-least', target: 1_000_000, unit: 'events/s' },
  { label: 'Ingest through HTTP, durable acks', section: 'ingest', key: 'best_events_per_s', direction: 'at-least', target: 200_000, unit: 'events/s', contextKey: 'best_config' },
  { label: 'Slowest query p95 (largest dataset)', section: 'query', key: 'max_p95_ms', direction: 'at-most', target: 100, unit: 'ms', contextKey: 'max_p95_query' },
  { label: 'Speed-up over PostgreSQL, every query (median)', section: 'query', key: 'min_speedup', direction: 'at-least', target: 10, unit: '×', contextKey: 'min_speedup_query' },
  { label: 'Bytes per event on disk (largest dataset)', section: 'query', key: 'bytes_per_event', direction: 'at-most', target: 20, unit: 'B', contextKey: 'size_label' },
  { label: 'Server peak RSS while loading and querying (largest dataset)', section: 'query', key: 'peak_rss_mb', direction: 'at-most', target: 400, unit: 'MB', contextKey: 'size_label' },
  { label: 'Live: event-to-client latency p99, during full-speed ingest', section: 'live', key: 'latency_p99_ms', direction: 'at-most', target: 1_500, unit: 'ms', contextKey: 'clients_label' },
  { label: 'Live: ingest rate lost to the WebSocket clients', section: 'live', key: 'clients_cost_pct', direction: 'at-most', target: 10, unit: '%', contextKey: 'clients_label' },
  { label: 'Export of every stored event: server peak RSS (largest dataset)', section: 'export', key: 'export_peak_rss_mb', direction: 'at-most', target: 400, unit: 'MB', contextKey: 'size_label' },
  { label: 'Alerting: 1,000 rules every 15 s, share of one core', section: 'alerting', key: 'cpu_pct_one_core', direction: 'at-most', target: 20, unit: '%', contextKey: 'size_label' },
  { label: 'Alerting: offending event → notification, threshold rule, 15 s interval (max)', section: 'alerting', key: 'threshold_latency_max_ms', direction: 'at-most', target: 16_000, unit: 'ms', contextKey: 'size_label' },
  { label: 'Alerting: offending event → notification (event rule, max)', section: 'alerting', key: 'event_latency_max_ms', direction: 'at-most', target: 1_000, unit: 'ms' },
  { label: 'Prometheus KPI families: extra server CPU per ingested event (main thread, median rows)', section: 'metrics', key: 'kpi_cost_pct', direction: 'at-most', target: 5, unit: '%' },
  { label: 'Ingest cost of the rollups: server CPU per event', section: 'rollups', key: 'cpu_cost_pct', direction: 'at-most', target: 10, unit: '%' },
  { label: 'Dashboard first load, all panels with data (Overview p50)', section: 'dashboard', key: 'overview_all_panels_p50_ms', direction: 'at-most', target: 1_000, unit: 'ms', contextKey: 'size_label' },
  { label: 'Dashboard: History at 90 days against Overview at 24 h, all panels p50 (issue 10)', section: 'dashboard', key: 'history_90d_vs_overview', direction: 'at-most', target: 1, unit: '×', contextKey: 'size_label' },
  { label: 'Under abuse (200 clients): /health max latency', section: 'operations', key: 'health_max_ms', direction: 'at-most', target: 100, unit: 'ms' },
  { label: 'Dashboard JavaScript, gzipped (kB = 1,000 B)', section: 'dashboard', key: 'js_gzip_kb', direction: 'at-most', target: 150, unit: 'kB' },
  { label: 'Analytics endpoints: slowest p95, 24 h, 7 d and 30 d (largest dataset)', section: 'analytics', key: 'max_p95_ms', direction: 'at-most', target: 100, unit: 'ms', contextKey: 'max_p95_endpoint' },
];

const pct = (x: number): string => `${Math.round(x * 100)} %`;
const times = (x: number): string => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

export function evaluateTarget(spec: TargetSpec, measured: number | null): TargetResult {
  if (measured === null || !Number.isFinite(measured)) {
    return { spec, measured: null, met: null, ratio: null, verdict: 'not measured', context: null };
  }
  const ratio = spec.target === 0 ? Number.POSITIVE_INFINITY : measured / spec.target;
  if (spec.direction === 'at-least') {
    const met = measured >= spec.target;
    const verdict = met ? `met: ${times(ratio)} the target` : `missed: ${pct(ratio)} of the target (${times(1 / ratio)} short)`;
    return { spec, measured, met, ratio, verdict, context: null };
  }
  const met = measured <= spec.target;
  const verdict = met ? `met: ${pct(ratio)} of the limit` : `missed: ${times(ratio)} the limit`;
  return { spec, measured, met, ratio, verdict, context: null };
}

/** Every target against the sections of this run; a section that did not run gives "not measured". */
export function evaluateTargets(sections: readonly BenchSection[], specs: readonly TargetSpec[] = TARGETS): TargetResult[] {
  return specs.map((spec) => {
    const section = sections.find((s) => s.id === spec.section);
    const raw = section?.results[spec.key];
    const result = evaluateTarget(spec, typeof raw === 'number' ? raw : null);
    const ctx = spec.contextKey !== undefined ? section?.results[spec.contextKey] : undefined;
    return { ...result, context: ctx === undefined || ctx === null ? null : String(ctx) };
  });
}
