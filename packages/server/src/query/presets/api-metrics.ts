import type { MeasureName } from '../measures.js';
import { executeQuery, type NamedRow } from '../run.js';
import { rfc3339 } from '../time.js';
import { byKey, num, only, period, round, type PresetInput } from './common.js';

/**
 * `GET /api/metrics` — seed 001's current picture over the range (default the last 24 h), all event
 * types unless filtered: response time with phase breakdown, token usage, error analysis with a trend
 * against the previous period of equal length, and a model comparison. Response times are ms, except
 * the per-model `avg_response_time`, which is seconds as in the seed.
 */
export type Trend = 'increasing' | 'decreasing' | 'stable';

/** The error rate must move by more than this fraction of the previous rate to count as a trend. */
export const TREND_THRESHOLD = 0.1;

export interface Counts {
  count: number;
  errors: number;
}

/**
 * `increasing`/`decreasing` when the error rate moved by more than ±10 % of the previous period's
 * rate; `stable` otherwise, and when either period has no events to compare. From a zero rate, any
 * error is `increasing`.
 */
export function errorTrend(current: Counts, previous: Counts): Trend {
  if (current.count === 0 || previous.count === 0) return 'stable';
  if (previous.errors === 0) return current.errors > 0 ? 'increasing' : 'stable';
  // Cross-multiplied, so a change of exactly 10 % is not tipped over the threshold by rounding.
  const before = previous.errors * current.count;
  const change = (current.errors * previous.count - before) / before;
  if (change > TREND_THRESHOLD) return 'increasing';
  if (change < -TREND_THRESHOLD) return 'decreasing';
  return 'stable';
}

const OVERALL: MeasureName[] = [
  'count', 'errors', 'error_rate', 'avg_duration_ms', 'p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms',
  'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'priced_tokens',
];
const MODEL: MeasureName[] = ['count', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'priced_tokens', 'avg_duration_ms', 'tokens_per_second'];

/** Tokens whose cost is unknown (events without a cost: a model the pricing table does not know), so not in `cost_usd`. */
const unpriced = (r: NamedRow): number => Math.max(0, num(r.total_tokens) - num(r.priced_tokens));

const seconds = (ms: number | string | null | undefined): number | null =>
  typeof ms === 'number' ? round(ms / 1000, 3) : null;

export async function apiMetrics(input: PresetInput) {
  const { store, project, range, filters } = input;
  const base = { project, range, filters, dimensions: [] };
  const span = range.endMs - range.startMs;
  const [overall, phases, models, errors, previous] = await Promise.all([
    executeQuery(store, { ...base, measures: OVERALL }),
    executeQuery(store, { ...base, measures: ['avg_phase_ms'], dimensions: ['phase'], order: [{ name: 'phase', direction: 'asc' }], limit: 100 }),
    executeQuery(store, { ...base, measures: MODEL, dimensions: ['model'], limit: 100 }),
    executeQuery(store, {
      ...base,
      filters: [...filters, { field: 'status', values: ['error'] }],
      measures: ['count', 'last_seen'],
      dimensions: ['error_type'],
      limit: 10,
    }),
    executeQuery(store, { ...base, range: { startMs: range.startMs - span, endMs: range.startMs }, measures: ['count', 'errors'] }),
  ]);
  const o = only(overall.rows);
  const p = only(previous.rows);
  const totalErrors = num(o.errors);
  const modelRows = byKey(models.rows, 'model');
  const modelEvents = modelRows.reduce((sum, [, r]) => sum + num(r.count), 0);
  const cost = num(o.cost_usd);
  return {
    period: period(range),
    response_time: {
      avg: round(o.avg_duration_ms, 1),
      percentiles: { p50: round(o.p50_duration_ms, 1), p95: round(o.p95_duration_ms, 1), p99: round(o.p99_duration_ms, 1) },
      components: Object.fromEntries(byKey(phases.rows, 'phase').map(([k, r]) => [k, round(r.avg_phase_ms, 1)])),
    },
    token_usage: {
      daily: {
        prompt_tokens: num(o.input_tokens),
        completion_tokens: num(o.output_tokens),
        total_tokens: num(o.total_tokens),
        estimated_cost: `$${cost.toFixed(2)}`,
        cost_usd: round(cost, 6) ?? 0,
        unpriced_tokens: unpriced(o),
      },
      by_model: Object.fromEntries(modelRows.map(([k, r]) => [k, {
        prompt_tokens: num(r.input_tokens),
        completion_tokens: num(r.output_tokens),
        avg_response_time: seconds(r.avg_duration_ms),
        unpriced_tokens: unpriced(r),
      }])),
    },
    error_analysis: {
      total_errors_24h: totalErrors,
      error_rate: round(o.error_rate, 4),
      top_errors: errors.rows.map((r: NamedRow) => ({
        type: typeof r.error_type === 'string' ? r.error_type : 'unknown',
        count: num(r.count),
        percentage: totalErrors > 0 ? round((num(r.count) / totalErrors) * 100, 1) : 0,
        last_occurrence: typeof r.last_seen === 'number' ? rfc3339(r.last_seen) : null,
      })),
      trend: errorTrend({ count: num(o.count), errors: totalErrors }, { count: num(p.count), errors: num(p.errors) }),
    },
    llm_performance: {
      models: Object.fromEntries(modelRows.map(([k, r]) => {
        // Over the tokens of priced events only: null (unknown, not $0) for a model none of whose events is priced.
        const priced = num(r.priced_tokens);
        return [k, {
          avg_response_time: seconds(r.avg_duration_ms),
          tokens_per_second: round(r.tokens_per_second, 1),
          cost_per_1k_tokens: priced > 0 ? round((num(r.cost_usd) / priced) * 1000, 6) : null,
          usage_percentage: modelEvents > 0 ? round((num(r.count) / modelEvents) * 100, 1) : 0,
        }];
      })),
    },
  };
}

export type ApiMetrics = Awaited<ReturnType<typeof apiMetrics>>;
