import type { MeasureName } from '../measures.js';
import { executeQuery, type NamedRow } from '../run.js';
import { bucketStarts, rfc3339 } from '../time.js';
import { MAX_LIMIT, type Interval, type TimeRange } from '../types.js';
import { byKey, num, only, period, round, scopeTypes, type PresetInput } from './common.js';

/**
 * `GET /v1/analytics/usage/overview` (seed 004). Scope: `llm` events unless `type` is filtered.
 * `total_tokens_requested` is prompt (input) tokens, `total_tokens_used` input + output; the cost is a
 * decimal string, as in the seed. The time series has every bucket of the range, empty ones as zeros.
 */
export const GROUP_BY = ['hour', 'day', 'week', 'month'] as const satisfies readonly Interval[];
export type GroupBy = (typeof GROUP_BY)[number];

const DAY = 86_400_000;

/** Without `group_by`: hour up to 2 days, day up to 90 days, week up to 2 years, else month. */
export function defaultGroupBy(range: TimeRange): GroupBy {
  const span = range.endMs - range.startMs;
  if (span <= 2 * DAY) return 'hour';
  if (span <= 90 * DAY) return 'day';
  if (span <= 731 * DAY) return 'week';
  return 'month';
}

const SERIES: MeasureName[] = ['count', 'input_tokens', 'total_tokens', 'cost_usd', 'avg_duration_ms', 'success_rate'];

export interface UsageOverview {
  summary: {
    total_requests: number;
    total_tokens_requested: number;
    total_tokens_used: number;
    total_cost_usd: string;
    average_response_time_ms: number | null;
    success_rate: number | null;
    period: { start: string; end: string; group_by: GroupBy };
  };
  /** The range held more than 10,000 buckets: `time_series` has the latest 10,000 (its start was cut). */
  time_series_truncated: boolean;
  time_series: Array<{
    timestamp: string;
    requests: number;
    tokens: number;
    cost_usd: number;
    avg_response_time_ms: number | null;
    success_rate: number | null;
  }>;
  top_prompts: Array<{ prompt_id: string; requests: number; tokens: number; cost_usd: number }>;
}

/** Up to 6 decimals, no trailing zeros: 142.816 → "142.816". */
export const costString = (usd: number): string => String(round(usd, 6) ?? 0);

export async function usageOverview(input: PresetInput, groupBy: GroupBy): Promise<UsageOverview> {
  const { store, project, range } = input;
  const base = { project, range, filters: scopeTypes(input.filters, ['llm']), dimensions: [] };
  const buckets = bucketStarts(range, groupBy, MAX_LIMIT);
  // The series reads only the buckets it shows.
  const seriesRange = { startMs: Math.max(range.startMs, buckets.starts[0] ?? range.startMs), endMs: range.endMs };
  const [totals, series, prompts] = await Promise.all([
    executeQuery(store, { ...base, measures: SERIES }),
    executeQuery(store, { ...base, range: seriesRange, measures: SERIES, interval: groupBy, limit: MAX_LIMIT }),
    executeQuery(store, {
      ...base,
      measures: ['count', 'total_tokens', 'cost_usd'],
      dimensions: ['prompt_id'],
      order: [{ name: 'count', direction: 'desc' }],
      // One more than shown: the events without a prompt_id may be one of the groups.
      limit: 11,
    }),
  ]);
  const t = only(totals.rows);
  const byBucket = new Map(series.rows.map((r): [number, NamedRow] => [num(r.bucket), r]));
  return {
    summary: {
      total_requests: num(t.count),
      total_tokens_requested: num(t.input_tokens),
      total_tokens_used: num(t.total_tokens),
      total_cost_usd: costString(num(t.cost_usd)),
      average_response_time_ms: round(t.avg_duration_ms, 1),
      success_rate: round(t.success_rate, 4),
      period: { ...period(range), group_by: groupBy },
    },
    time_series_truncated: buckets.truncated,
    time_series: buckets.starts.map((b) => {
      const r = byBucket.get(b) ?? {};
      return {
        timestamp: rfc3339(b),
        requests: num(r.count),
        tokens: num(r.total_tokens),
        cost_usd: round(num(r.cost_usd), 6) ?? 0,
        avg_response_time_ms: round(r.avg_duration_ms, 1),
        success_rate: round(r.success_rate, 4),
      };
    }),
    top_prompts: byKey(prompts.rows, 'prompt_id').slice(0, 10).map(([id, r]) => ({
      prompt_id: id,
      requests: num(r.count),
      tokens: num(r.total_tokens),
      cost_usd: round(num(r.cost_usd), 6) ?? 0,
    })),
  };
}
