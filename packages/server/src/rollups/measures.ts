import type { Dialect } from '../query/dialect.js';
import type { MeasureName } from '../query/measures.js';
import type { PartialName } from './definition.js';

/**
 * How each measure is answered from partial rows (rollup rows and raw events projected into their shape): an
 * aggregate over the merged partials, or a quantile of a latency sketch. A measure missing here (distinct counts,
 * per=session/cohort measures) is answered from raw events only. Every formula gives what the raw formula in
 * query/measures.ts gives on the same events — exactly for counts, sums, minima and maxima; within the sketch's
 * 1 % relative accuracy for quantiles — which rollup-answers.test.ts checks measure by measure.
 */
export type RollupMeasure =
  | { partials: readonly PartialName[]; sql: (d: Dialect) => string }
  | { sketch: { column: 'duration_ms' | 'ttft_ms'; q: number } }
  | { phase: 'count' | 'avg' };

const sum0 = (c: string): string => `coalesce(sum(${c}), 0)`;
const sumOf = (c: PartialName): RollupMeasure => ({ partials: [c], sql: () => sum0(c) });
const ratio = (num: PartialName, den: PartialName): RollupMeasure => ({ partials: [num, den], sql: (d) => d.safeDiv(`sum(${num})`, `sum(${den})`) });

export const ROLLUP_MEASURES: Partial<Record<MeasureName, RollupMeasure>> = {
  count: sumOf('n'),
  errors: sumOf('n_error'),
  input_tokens: sumOf('input_tokens'),
  output_tokens: sumOf('output_tokens'),
  total_tokens: { partials: ['input_tokens', 'output_tokens'], sql: () => `${sum0('input_tokens')} + ${sum0('output_tokens')}` },
  cost_usd: sumOf('cost_usd'),
  priced_tokens: sumOf('priced_tokens'),
  avg_duration_ms: ratio('duration_sum', 'duration_n'),
  p50_duration_ms: { sketch: { column: 'duration_ms', q: 0.5 } },
  p95_duration_ms: { sketch: { column: 'duration_ms', q: 0.95 } },
  p99_duration_ms: { sketch: { column: 'duration_ms', q: 0.99 } },
  avg_ttft_ms: ratio('ttft_sum', 'ttft_n'),
  p95_ttft_ms: { sketch: { column: 'ttft_ms', q: 0.95 } },
  error_rate: ratio('n_error', 'n'),
  success_rate: ratio('n_ok', 'n'),
  tokens_per_second: {
    partials: ['timed_output_tokens', 'timed_duration'],
    sql: (d) => d.safeDiv('sum(timed_output_tokens) * 1000', 'sum(timed_duration)'),
  },
  duration_samples: sumOf('duration_n'),
  ttft_samples: sumOf('ttft_n'),
  sentiment_samples: sumOf('sentiment_n'),
  avg_sentiment: ratio('sentiment_sum', 'sentiment_n'),
  sum_value: sumOf('value_sum'),
  avg_value: ratio('value_sum', 'value_n'),
  last_seen: { partials: ['ts_max'], sql: (d) => d.epochMs('max(ts_max)') },
  first_seen: { partials: ['ts_min'], sql: (d) => d.epochMs('min(ts_min)') },
  max_value: { partials: ['value_max'], sql: () => 'max(value_max)' },
  last_value: { partials: ['value_last', 'value_last_ts'], sql: (d) => d.argMax('value_last', 'value_last_ts') },
  first_value: { partials: ['value_first', 'value_first_ts'], sql: (d) => d.argMin('value_first', 'value_first_ts') },
  positive_count: sumOf('positive_n'),
  neutral_count: sumOf('neutral_n'),
  negative_count: sumOf('negative_n'),
  session_events: sumOf('session_n'),
  meaningful_texts: sumOf('meaningful_n'),
  text_samples: sumOf('text_n'),
  avg_text_length: ratio('text_length_sum', 'text_n'),
  questions: sumOf('questions'),
  emojis: sumOf('emojis'),
  mentions: sumOf('mentions'),
  avg_phase_ms: { phase: 'avg' },
};

export function rollupMeasure(name: MeasureName): RollupMeasure | undefined {
  return ROLLUP_MEASURES[name];
}
