import type { EventStore, ExportSource } from '../store/types.js';
import { compileQuery, compileSelection, type RowSelection } from './compiler.js';
import { dialectFor } from './dialects/index.js';
import type { MeasureName } from './measures.js';
import type { DimensionName } from './types.js';

/**
 * What a `summary` export holds: per UTC day, type, model and persona, the figures the dashboard shows — read from the
 * daily rollups (rollups/), so a summary reaches back as far as they are kept (PULSE_DAILY_RETENTION_DAYS), long
 * after the raw events have expired; the day not rolled yet and unaligned edges come from raw events as in any
 * query. Percentiles are the sketches' estimates (within 1 %). Daily, not hourly: the hourly sketches are kept by
 * model only, and merging a sketch per hour and key over a month cost more than reading the raw events (measured).
 */
export const SUMMARY_MEASURES: readonly MeasureName[] = [
  'count', 'errors', 'input_tokens', 'output_tokens', 'cost_usd', 'avg_duration_ms', 'p50_duration_ms', 'p95_duration_ms',
  'p99_duration_ms', 'error_rate',
];
export const SUMMARY_DIMENSIONS: readonly DimensionName[] = ['type', 'model', 'persona'];
export const SUMMARY_INTERVAL = 'day';

/**
 * Exports go through the query layer like every other read: `full` selects raw events with the query's range and
 * filters; `summary` is an hourly query object compiled without a LIMIT. Invalid input throws InvalidQueryError.
 */
export function compileExportSource(content: 'full' | 'summary', selection: RowSelection, store: Pick<EventStore, 'dialect' | 'rollups'>): ExportSource {
  const dialect = dialectFor(store.dialect);
  if (content === 'full') {
    const { where, params } = compileSelection(selection, dialect);
    return { kind: 'events', where, params };
  }
  const compiled = compileQuery(
    {
      ...selection,
      measures: SUMMARY_MEASURES,
      dimensions: SUMMARY_DIMENSIONS,
      interval: SUMMARY_INTERVAL,
      order: [{ name: 'bucket', direction: 'asc' }],
    },
    dialect,
    {
      unlimited: true,
      rollups: store.rollups !== undefined,
      // A long range must read the rollups however short the raw range setting, or days past raw retention are empty.
      rawRangeMs: 0,
      daysUntilMs: store.rollups?.daysUntil() ?? null,
      caughtUp: store.rollups?.caughtUp() ?? false,
    },
  );
  return { kind: 'aggregate', sql: compiled.sql, params: compiled.params, columns: compiled.columns };
}
