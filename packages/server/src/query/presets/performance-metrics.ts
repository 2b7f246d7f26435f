import type { MeasureName } from '../measures.js';
import { executeQuery, type NamedRow } from '../run.js';
import { rfc3339 } from '../time.js';
import { byKey, num, only, period, round, scopeTypes, type PresetInput } from './common.js';
import { databaseInfo, systemInfo, type DatabaseInfo, type SystemInfo } from './system-info.js';

/**
 * `GET /v1/analytics/performance/metrics` (seed 004's "performance monitoring"): response-time
 * analysis over all events that carry a duration (overall, by model, by route = `name` of `http`
 * events), throughput, error rate, host resources and store size.
 */
const LATENCY: MeasureName[] = ['count', 'avg_duration_ms', 'p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'error_rate'];

/**
 * Events per minute: two decimals from 1 up, three significant digits below — a quiet bot's 3 events a day are
 * 0.00208 a minute, which two decimals made 0 beside a peak of 1.
 */
function perMinute(rate: number): number {
  if (!Number.isFinite(rate) || rate <= 0) return 0;
  return rate >= 1 ? Math.round(rate * 100) / 100 : Number(rate.toPrecision(3));
}

export interface LatencyStats {
  events: number;
  avg_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  error_rate: number | null;
}

export interface PerformanceMetrics {
  period: { start: string; end: string };
  response_time: LatencyStats;
  by_model: Record<string, LatencyStats>;
  by_route: Record<string, LatencyStats>;
  /** `peak_events_per_minute` is null when the range has events but none of its minutes is kept (past retention). */
  throughput: { events_per_minute: number; peak_events_per_minute: number | null; peak_minute: string | null };
  total_errors: number;
  error_rate: number | null;
  /** Host and whole-store figures: the every-project admin key only (null for project keys — they span every project). */
  system: SystemInfo | null;
  database: DatabaseInfo | null;
}

const latency = (r: NamedRow): LatencyStats => ({
  events: num(r.count),
  avg_ms: round(r.avg_duration_ms, 1),
  p50_ms: round(r.p50_duration_ms, 1),
  p95_ms: round(r.p95_duration_ms, 1),
  p99_ms: round(r.p99_duration_ms, 1),
  error_rate: round(r.error_rate, 4),
});

/**
 * `host`: the dataDir to report host and store figures for (the every-project admin), or null to leave them out.
 * `now`: the server's clock — the rate is over the minutes of the range gone by, not the part still ahead
 * (`end_date` = today, a date, reaches midnight tonight).
 */
export async function performanceMetrics(
  input: PresetInput,
  host: { dataDir: string } | null,
  now: number,
): Promise<PerformanceMetrics> {
  const { store, project, range, filters } = input;
  const base = { project, range, filters, dimensions: [] };
  const byCount = [{ name: 'count', direction: 'desc' as const }];
  const [overall, models, routes, peak, system, database] = await Promise.all([
    executeQuery(store, { ...base, measures: [...LATENCY, 'errors'] }),
    executeQuery(store, { ...base, measures: LATENCY, dimensions: ['model'], order: byCount, limit: 100 }),
    executeQuery(store, {
      ...base, filters: scopeTypes(filters, ['http']), measures: LATENCY, dimensions: ['name'], order: byCount, limit: 100,
    }),
    executeQuery(store, { ...base, measures: ['count'], interval: 'minute', order: byCount, limit: 1 }),
    host ? systemInfo(host.dataDir) : null,
    host ? databaseInfo(store) : null,
  ]);
  const o = only(overall.rows);
  const top = peak.rows[0];
  const minutes = (Math.min(range.endMs, now) - range.startMs) / 60_000;
  return {
    period: period(range),
    response_time: latency(o),
    by_model: Object.fromEntries(byKey(models.rows, 'model').map(([k, r]) => [k, latency(r)])),
    by_route: Object.fromEntries(byKey(routes.rows, 'name').map(([k, r]) => [k, latency(r)])),
    throughput: {
      events_per_minute: minutes > 0 ? perMinute(num(o.count) / minutes) : 0,
      // Minutes are kept as long as raw events (METRICS_RETENTION_DAYS): past them the busiest minute is unknown, not 0.
      peak_events_per_minute: top !== undefined ? num(top.count) : num(o.count) > 0 ? null : 0,
      peak_minute: top && typeof top.bucket === 'number' ? rfc3339(top.bucket) : null,
    },
    total_errors: num(o.errors),
    error_rate: round(o.error_rate, 4),
    system,
    database,
  };
}
