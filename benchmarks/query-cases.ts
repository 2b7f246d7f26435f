import type { PgQueryName, PgRange } from './postgres/queries.js';

/**
 * The queries of the comparison: every preset endpoint over the last 24 h and 30 days, and the
 * dashboard's typical panels through `/v1/query` over 7 and 30 days. Each names the hand-written
 * PostgreSQL equivalent in postgres/queries.ts.
 */
export interface QueryCase {
  id: string;
  label: string;
  days: number;
  /** Path and query string, without the time range (added per run). */
  path: string;
  pg: PgQueryName;
  /** usage overview's bucket for the PostgreSQL statements. */
  groupBy?: string;
}

interface CaseTemplate {
  id: string;
  label: string;
  path: string;
  pg: PgQueryName;
  groupBy?: string;
  days: readonly number[];
}

const TEMPLATES: readonly CaseTemplate[] = [
  { id: 'usage_overview', label: 'preset: usage overview by day', path: '/v1/analytics/usage/overview?group_by=day', pg: 'usage_overview', groupBy: 'day', days: [1, 30] },
  { id: 'performance_metrics', label: 'preset: performance metrics', path: '/v1/analytics/performance/metrics', pg: 'performance_metrics', days: [1, 30] },
  { id: 'api_metrics', label: 'preset: /api/metrics', path: '/api/metrics', pg: 'api_metrics', days: [1, 30] },
  {
    id: 'timeseries_hour',
    label: 'hourly series: count, tokens, cost, avg duration (llm)',
    path: '/v1/query?measures=count,total_tokens,cost_usd,avg_duration_ms&interval=hour&type=llm',
    pg: 'timeseries_hour',
    days: [7, 30],
  },
  {
    id: 'p95_by_model',
    label: 'p95 duration by model (llm)',
    path: '/v1/query?measures=p95_duration_ms,count&dimensions=model&type=llm',
    pg: 'p95_by_model',
    days: [7, 30],
  },
  { id: 'top_users', label: 'top 10 users by events', path: '/v1/query?measures=count&dimensions=user_id&order=-count&limit=10', pg: 'top_users', days: [7, 30] },
  { id: 'heatmap', label: 'hour × weekday heatmap', path: '/v1/query?measures=count&dimensions=weekday,hour_of_day', pg: 'heatmap', days: [7, 30] },
  { id: 'errors_by_type', label: 'errors by error_type', path: '/v1/query?measures=count&dimensions=error_type&status=error', pg: 'errors_by_type', days: [7, 30] },
];

const span = (days: number): string => (days === 1 ? '24h' : `${days}d`);

export const QUERY_CASES: readonly QueryCase[] = TEMPLATES.flatMap((t) =>
  t.days.map((days) => ({
    id: `${t.id}_${span(days)}`,
    label: t.label,
    days,
    path: t.path,
    pg: t.pg,
    ...(t.groupBy !== undefined && { groupBy: t.groupBy }),
  })),
);

/** The case's window, ending at the dataset's end. */
export function caseRange(c: QueryCase, endMs: number): PgRange {
  return { startMs: endMs - c.days * 86_400_000, endMs };
}

/** The Pulse URL of a case: its path plus `start_date`/`end_date`. */
export function pulseUrl(base: URL, c: QueryCase, range: PgRange): URL {
  const url = new URL(c.path, base);
  url.searchParams.set('start_date', new Date(range.startMs).toISOString());
  url.searchParams.set('end_date', new Date(range.endMs).toISOString());
  return url;
}
