import { expect } from 'vitest';
import type { EventStore } from '../../store/types.js';
import { measureDef, type MeasureName } from '../../query/measures.js';
import { executeQuery, type Execution, type NamedRow } from '../../query/run.js';
import type { QuerySpec } from '../../query/types.js';

/**
 * Rollup answers against raw answers on one store (rollups/rollup-answers.test.ts for DuckDB,
 * store/clickhouse/rollups.test.ts for ClickHouse): the same groups, counts and sums equal (floating sums to 1e-6
 * relative), percentiles within the sketch's stated 1 %.
 */
const SKETCH_MEASURES = new Set<MeasureName>(['p50_duration_ms', 'p95_duration_ms', 'p99_duration_ms', 'p95_ttft_ms']);
const key = (row: NamedRow, names: readonly string[]): string => JSON.stringify(names.map((n) => row[n]));

export function expectSameAnswers(a: Execution, b: Execution, spec: QuerySpec): void {
  const keys = [...(spec.interval ? ['bucket'] : []), ...spec.dimensions];
  expect(a.rows.length).toBe(b.rows.length);
  const byKey = new Map(b.rows.map((r) => [key(r, keys), r]));
  for (const row of a.rows) {
    const other = byKey.get(key(row, keys));
    expect(other, `group ${key(row, keys)}`).toBeDefined();
    for (const m of spec.measures) {
      const x = row[m] ?? null;
      const y = other![m] ?? null;
      const where = `${m} of ${key(row, keys)}`;
      if (x === null || y === null) {
        expect(x, where).toBe(y);
      } else if (SKETCH_MEASURES.has(m)) {
        expect(Math.abs(Number(x) - Number(y)), where).toBeLessThanOrEqual(Math.abs(Number(y)) * 0.01 + 1e-9);
      } else if (measureDef(m).type === 'float') {
        expect(Math.abs(Number(x) - Number(y)), where).toBeLessThanOrEqual(Math.abs(Number(y)) * 1e-6 + 1e-9);
      } else {
        expect(x, where).toBe(y);
      }
    }
  }
}

/** Runs `spec` from the rollups and from raw events on `store`, checks both sources and the answers; returns the rollup one. */
export async function compareWithRaw(store: EventStore, spec: QuerySpec): Promise<Execution> {
  const [a, b] = await Promise.all([executeQuery(store, spec, 'ms'), executeQuery(store, spec, 'ms', { rollups: false })]);
  expect(a.rollups, 'answered from rollups').toBe(true);
  expect(b.rollups).toBe(false);
  expectSameAnswers(a, b, spec);
  return a;
}
