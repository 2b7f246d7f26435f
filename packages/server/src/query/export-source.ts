import type { ExportSource } from '../store/types.js';
import { compileQuery, compileSelection, type RowSelection } from './compiler.js';
import type { Dialect } from './dialect.js';
import type { MeasureName } from './measures.js';
import type { DimensionName } from './types.js';

/**
 * What a `summary` export holds: per UTC hour, type, model and persona, the figures the dashboard shows. Read from raw
 * events, in bounded memory: the same query over the hourly rollups merges a latency sketch per hour and key, which
 * at 10M events over 30 days ran out of the 128 MB buffer pool (docs/benchmarks.md, exports).
 */
export const SUMMARY_MEASURES: readonly MeasureName[] = [
  'count', 'errors', 'input_tokens', 'output_tokens', 'cost_usd', 'avg_duration_ms', 'p50_duration_ms', 'p95_duration_ms',
  'p99_duration_ms', 'error_rate',
];
export const SUMMARY_DIMENSIONS: readonly DimensionName[] = ['type', 'model', 'persona'];

/**
 * Exports go through the query layer like every other read: `full` selects raw events with the query's range and
 * filters; `summary` is an hourly query object compiled without a LIMIT. Invalid input throws InvalidQueryError.
 */
export function compileExportSource(content: 'full' | 'summary', selection: RowSelection, dialect: Dialect): ExportSource {
  if (content === 'full') {
    const { where, params } = compileSelection(selection, dialect);
    return { kind: 'events', where, params };
  }
  const compiled = compileQuery(
    {
      ...selection,
      measures: SUMMARY_MEASURES,
      dimensions: SUMMARY_DIMENSIONS,
      interval: 'hour',
      order: [{ name: 'bucket', direction: 'asc' }],
    },
    dialect,
    { unlimited: true },
  );
  return { kind: 'aggregate', sql: compiled.sql, params: compiled.params, columns: compiled.columns };
}
