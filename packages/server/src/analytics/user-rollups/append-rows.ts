/**
 * Appends rows aggregated in memory (accumulator.ts) to a table through DuckDB's appender, filling a data chunk a
 * column at a time from the rows' columns (store/duckdb/vector-writer.ts, as the event store and the hourly rollups write): one native call
 * per column per chunk, the event loop's turn between chunks.
 */
import { DuckDBDataChunk, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { CHUNK_ROWS } from '../../store/duckdb/event-columns.js';
import { writeBoolean, writeFloat64, writeInt64, writeVarchar } from '../../store/duckdb/vector-writer.js';
import type { DayColumns, FirstSeenRow } from './accumulator.js';
import type { DayColumn } from './tables.js';

type Vector = Parameters<typeof writeVarchar>[0];
export type ColumnWriter<R> = (vector: Vector, rows: readonly R[], start: number, count: number) => void;

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Half a chunk per turn of the event loop, as the hourly rollups write theirs. */
const SLICE_ROWS = CHUNK_ROWS / 2;

const micros = 1000;
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * Writers for `rows`' columns in table order — project, day, keys, values — and `compacted` (false: delta rows), over
 * the row indexes 0…size-1.
 */
export function dayColumnWriters(rows: DayColumns): ColumnWriter<number>[] {
  const value = (c: DayColumn, j: number): ColumnWriter<number> => {
    const column = rows.values[j]!;
    if (c.type === 'varchar') {
      const strings = column as ReadonlyArray<string | null>;
      return (v, idx, start, count) => writeVarchar(v, idx, start, count, (i) => strings[i] ?? null);
    }
    const doubles = column as Float64Array;
    if (c.type === 'double') return (v, idx, start, count) => writeFloat64(v, idx, start, count, (i) => orNull(doubles[i]!));
    return (v, idx, start, count) => writeInt64(v, idx, start, count, (i) => orNull(doubles[i]!), c.type === 'timestamp' ? micros : 1);
  };
  return [
    (v, idx, start, count) => writeVarchar(v, idx, start, count, (i) => rows.project[i]!),
    (v, idx, start, count) => writeInt64(v, idx, start, count, (i) => rows.day[i]!, micros),
    ...rows.keys.map((key): ColumnWriter<number> => (v, idx, start, count) => writeVarchar(v, idx, start, count, (i) => key[i] ?? null)),
    ...rows.table.columns.map(value),
    (v, idx, start, count) => writeBoolean(v, idx, start, count, () => false),
  ];
}

/** 0, 1, …, size - 1: the rows of columns, as the writers take them. */
export function rowIndexes(size: number): number[] {
  const out = new Array<number>(size);
  for (let i = 0; i < size; i++) out[i] = i;
  return out;
}

/** Writers for user_first_seen's columns: project, user_id, first_ts, plan, plan_ts. */
export const FIRST_SEEN_WRITERS: ReadonlyArray<ColumnWriter<FirstSeenRow>> = [
  (v, rows, start, count) => writeVarchar(v, rows, start, count, (r) => r.project),
  (v, rows, start, count) => writeVarchar(v, rows, start, count, (r) => r.user),
  (v, rows, start, count) => writeInt64(v, rows, start, count, (r) => r.first, micros),
  (v, rows, start, count) => writeVarchar(v, rows, start, count, (r) => r.plan),
  (v, rows, start, count) => writeInt64(v, rows, start, count, (r) => r.planTs, micros),
];

/** Appends `rows` to `table` (in `catalog`: 'temp' for a temporary table) on `c`, within the caller's transaction. */
export async function appendRows<R>(c: DuckDBConnection, table: string, writers: ReadonlyArray<ColumnWriter<R>>, rows: readonly R[], catalog?: string): Promise<void> {
  if (rows.length === 0) return;
  const appender = await c.createAppender(table, catalog === undefined ? null : 'main', catalog ?? null);
  try {
    const types: DuckDBType[] = [];
    for (let i = 0; i < appender.columnCount; i++) types.push(appender.columnType(i));
    if (types.length !== writers.length) throw new Error(`${table} has ${types.length} columns, ${writers.length} are written`);
    const chunk = DuckDBDataChunk.create(types);
    for (let start = 0; start < rows.length; start += SLICE_ROWS) {
      const count = Math.min(SLICE_ROWS, rows.length - start);
      chunk.reset();
      chunk.rowCount = count;
      writers.forEach((write, col) => write(duckdb.data_chunk_get_vector(chunk.chunk, col), rows, start, count));
      appender.appendDataChunk(chunk);
      appender.flushSync();
      if (start + count < rows.length) await nextTick();
    }
  } finally {
    appender.closeSync();
  }
}
