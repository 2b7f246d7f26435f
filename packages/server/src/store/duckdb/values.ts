/** Conversions between DuckDB values and the plain JS values of `Row` and `QueryParam`. */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBPreparedStatement,
  type DuckDBMaterializedResult,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { QueryParam, Row } from '../types.js';

const DAY_MS = 86_400_000;

export function timestampFromMs(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
}

/** BIGINT/HUGEINT/DECIMAL → number, TIMESTAMP/DATE → epoch ms, nested or exotic values → their text. */
export function plainValue(value: DuckDBValue): string | number | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return Number(value.micros) / 1000;
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return Number(value.millis);
  if (value instanceof DuckDBTimestampSecondsValue) return Number(value.seconds) * 1000;
  if (value instanceof DuckDBTimestampNanosecondsValue) return Number(value.nanos / 1000n) / 1000;
  if (value instanceof DuckDBDateValue) return value.days * DAY_MS;
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  return value.toString();
}

/**
 * The rows of a materialized result (what a prepared statement's `run` returns), its chunks taken synchronously: the
 * reader's `fetch_chunk` costs a trip through libuv's thread pool per chunk, and one more to learn there is none left
 * (SELECT 1 measured 0.38 ms that way, 0.17 ms this way).
 */
export function readRows(result: DuckDBMaterializedResult): Row[] {
  const names = result.columnNames();
  const rows: Row[] = [];
  for (let c = 0, chunks = result.chunkCount; c < chunks; c++) {
    for (const values of result.getChunk(c).getRows()) {
      const row: Row = {};
      for (let i = 0; i < names.length; i++) row[names[i]!] = plainValue(values[i] ?? null);
      rows.push(row);
    }
  }
  return rows;
}

/** Binds `params` to `?` placeholders 1…n: integers as BIGINT, other numbers as DOUBLE, arrays as VARCHAR[]. */
export function bindParams(statement: DuckDBPreparedStatement, params: readonly QueryParam[]): void {
  if (params.length !== statement.parameterCount) {
    throw new RangeError(`the statement has ${statement.parameterCount} parameters, ${params.length} were given`);
  }
  params.forEach((param, i) => {
    const index = i + 1;
    if (param === null) statement.bindNull(index);
    else if (typeof param === 'string') statement.bindVarchar(index, param);
    else if (typeof param === 'boolean') statement.bindBoolean(index, param);
    else if (typeof param === 'number') {
      if (Number.isSafeInteger(param)) statement.bindBigInt(index, BigInt(param));
      else statement.bindDouble(index, param);
    } else statement.bindList(index, listValue(param.slice() as DuckDBValue[]), LIST(VARCHAR));
  });
}
