import type { ExportFormat, ExportSource, QueryParam } from '../types.js';
import { EVENT_COLUMNS } from './event-columns.js';
import type { DuckDbHandle } from './open.js';
import { PreparedConnection } from './prepared-connection.js';

/**
 * Exports run as one `COPY (SELECT …) TO $path` inside DuckDB: the engine streams row groups to the file, so memory
 * stays within its buffer-manager limit (PULSE_DUCKDB_MEMORY_LIMIT) whatever the size, and the SELECT reads one MVCC
 * snapshot while appends go on. Each export gets a connection of its own, so a long export never queues the
 * dashboard's reads behind it.
 *
 * Column types: Parquet keeps the engine's types (TIMESTAMP, INTEGER, DOUBLE, FLOAT, MAP); CSV and JSON lines get
 * `ts` as RFC 3339 UTC text and the two maps as JSON objects (text in CSV, nested objects in JSON lines).
 */
const COPY_OPTIONS: Record<ExportFormat, string> = {
  csv: 'FORMAT csv, HEADER true',
  json: 'FORMAT json',
  // Snappy (DuckDB's default): every Parquet reader has it, zstd is optional in some (hyparquet, older Spark).
  parquet: "FORMAT parquet, COMPRESSION 'snappy'",
};

const ISO_TS = (expr: string): string => `strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%gZ')`;

/** The raw event columns an export writes: every stored column but the store's internal `seq`. */
function eventColumns(format: ExportFormat): string[] {
  return EVENT_COLUMNS.filter(([name]) => name !== 'seq').map(([name, kind]) => {
    if (format === 'parquet') return name;
    if (kind === 'ts') return `${ISO_TS(name)} AS ${name}`;
    if (kind === 'phases' || kind === 'attributes') return format === 'csv' ? `CAST(to_json(${name}) AS VARCHAR) AS ${name}` : `to_json(${name}) AS ${name}`;
    return name;
  });
}

/** Output names come from the query layer's allow-listed measure and dimension names; quoted as identifiers. */
const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function exportStatement(source: ExportSource, format: ExportFormat): { sql: string; params: QueryParam[] } {
  const params = [...source.params];
  const path = `$${params.length + 1}`;
  let select: string;
  if (source.kind === 'events') {
    select = `SELECT ${eventColumns(format).join(', ')} FROM events WHERE ${source.where} ORDER BY ts, seq`;
  } else {
    const columns = source.columns.map((c) => {
      if (c.role !== 'bucket') return `${c.alias} AS ${ident(c.name)}`;
      const ts = `epoch_ms(CAST(${c.alias} AS BIGINT))`;
      return `${format === 'parquet' ? ts : ISO_TS(ts)} AS bucket`;
    });
    select = `SELECT ${columns.join(', ')} FROM (${source.sql}) AS q`;
  }
  return { sql: `COPY (${select}) TO ${path} (${COPY_OPTIONS[format]})`, params: [...params] };
}

export async function exportToFile(db: DuckDbHandle, source: ExportSource, path: string, format: ExportFormat): Promise<number> {
  const { sql, params } = exportStatement(source, format);
  const connection = new PreparedConnection(await db.connect(), 1);
  try {
    return await connection.changed(sql, [...params, path]);
  } finally {
    await connection.close();
  }
}
