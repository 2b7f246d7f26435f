/**
 * The `events` table's columns in DDL order, each with how a StoredEvent fills it. The store checks
 * this list against the live table at init, so a migration that reorders columns fails loudly
 * instead of writing values into the wrong column.
 */
import type { StoredEvent } from '@pulse/protocol';
import { DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { writeFloat32, writeFloat64, writeInt32, writeInt64, writeMap, writeVarchar } from './vector-writer.js';

type Kind = 'varchar' | 'int32' | 'float' | 'double' | 'seq' | 'ts' | 'phases' | 'attributes';

export const EVENT_COLUMNS = [
  ['project', 'varchar'], ['ts', 'ts'], ['seq', 'seq'], ['id', 'varchar'], ['type', 'varchar'],
  ['name', 'varchar'], ['service', 'varchar'], ['environment', 'varchar'], ['user_id', 'varchar'],
  ['session_id', 'varchar'], ['persona', 'varchar'], ['channel', 'varchar'], ['guild', 'varchar'],
  ['prompt_id', 'varchar'], ['model', 'varchar'], ['provider', 'varchar'], ['input_tokens', 'int32'],
  ['output_tokens', 'int32'], ['cost_usd', 'double'], ['duration_ms', 'float'], ['ttft_ms', 'float'],
  ['status', 'varchar'], ['error_type', 'varchar'], ['error_message', 'varchar'], ['severity', 'varchar'],
  ['value', 'double'], ['target', 'varchar'], ['text', 'varchar'], ['sentiment', 'float'],
  ['phases', 'phases'], ['attributes', 'attributes'],
  // Migration 2: text facts. Optional on StoredEvent, so `pluck` reads an absent one as null.
  ['text_length', 'int32'], ['questions', 'int32'], ['emojis', 'int32'], ['mentions', 'int32'], ['topic', 'varchar'],
] as const satisfies readonly (readonly [string, Kind])[];

export const EVENT_COLUMN_NAMES: readonly string[] = EVENT_COLUMNS.map(([name]) => name);

/** DuckDB's vector size: the most rows one data chunk holds. */
export const CHUNK_ROWS = duckdb.vector_size();

const SEQ_COLUMN = EVENT_COLUMNS.findIndex(([, kind]) => kind === 'seq');

type Field = Exclude<(typeof EVENT_COLUMNS)[number][0], 'seq'>;

const itself = <T>(x: T): T => x;

/**
 * One column of the rows as an array. Validated records do not share one hidden class (their
 * fields arrive in the client's order), so a plain `e.user_id` getter per column was megamorphic
 * and twice as slow as this keyed read into a packed array.
 */
function pluck<T>(events: readonly StoredEvent[], start: number, count: number, field: Field): T[] {
  const out = new Array<T>(count);
  for (let i = 0; i < count; i++) out[i] = ((events[start + i] as unknown as Record<string, T>)[field] ?? null) as T;
  return out;
}

/** The columns `fillEventChunk` read, by field name: the rollups reuse them rather than reading every event again. */
export type PluckedColumns = Record<string, unknown[]>;

/**
 * Fills `chunk` (empty: new or reset) with `events[start, start + count)`, every column but `seq`:
 * chunks are filled before the write lock is taken, and numbered under it with `numberChunk`. Returns the columns
 * as read (values as the events carry them, absent ones null).
 */
export function fillEventChunk(chunk: DuckDBDataChunk, events: readonly StoredEvent[], start: number, count: number): PluckedColumns {
  if (count > CHUNK_ROWS) throw new RangeError(`a chunk holds at most ${CHUNK_ROWS} rows`);
  chunk.rowCount = count;
  const raw = chunk.chunk;
  const plucked: PluckedColumns = {};
  const read = <T>(name: Field): T[] => {
    const column = pluck<T>(events, start, count, name);
    plucked[name] = column;
    return column;
  };
  for (let col = 0; col < EVENT_COLUMNS.length; col++) {
    const [name, kind] = EVENT_COLUMNS[col] as (typeof EVENT_COLUMNS)[number];
    if (name === 'seq') continue;
    const vector = duckdb.data_chunk_get_vector(raw, col);
    switch (kind) {
      case 'varchar':
        writeVarchar(vector, read<string | null>(name), 0, count, itself);
        break;
      case 'ts':
        // TIMESTAMP holds microseconds.
        writeInt64(vector, read<number>(name), 0, count, itself, 1000);
        break;
      case 'int32':
        writeInt32(vector, read<number | null>(name), 0, count, itself);
        break;
      case 'float':
        writeFloat32(vector, read<number | null>(name), 0, count, itself);
        break;
      case 'double':
        writeFloat64(vector, read<number | null>(name), 0, count, itself);
        break;
      case 'phases':
        writeMap(vector, read<Record<string, number> | null>(name), 0, count, itself, writeFloat32);
        break;
      case 'attributes':
        writeMap(vector, read<Record<string, string> | null>(name), 0, count, itself, writeVarchar);
        break;
    }
  }
  return plucked;
}

/** Fills the chunk's `seq` column with firstSeq, firstSeq + 1, … */
export function numberChunk(chunk: DuckDBDataChunk, firstSeq: number): void {
  const count = chunk.rowCount;
  const seqs = new Array<number>(count);
  for (let i = 0; i < count; i++) seqs[i] = firstSeq + i;
  writeInt64(duckdb.data_chunk_get_vector(chunk.chunk, SEQ_COLUMN), seqs, 0, count, itself);
}
