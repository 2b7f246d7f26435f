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
 * Rows come in no particular order. Column types: Parquet keeps the engine's types (TIMESTAMP, INTEGER, DOUBLE, FLOAT, MAP); CSV and JSON lines get
 * `ts` as RFC 3339 UTC text and the two maps as JSON objects (text in CSV, nested objects in JSON lines).
 */
const COPY_OPTIONS: Record<ExportFormat, string> = {
  csv: 'FORMAT csv, HEADER true',
  json: 'FORMAT json',
  // Snappy (DuckDB's default): every Parquet reader has it, zstd is optional in some (hyparquet, older Spark).
  // 20,000-row groups: the writer buffers a row group per thread; at DuckDB's default 122,880 a 1M-event export ran
  // out of the 128 MB pool, at 20,000 it peaked at ~230 MB RSS and ran faster (measured on this machine).
  parquet: "FORMAT parquet, COMPRESSION 'snappy', ROW_GROUP_SIZE 20000",
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
    // No ORDER BY: DuckDB streams the scan to the file in one pass, in no particular order (open.ts turns insertion
    // order off). Sorting 10M wide rows would spill gigabytes, and with JSON-typed columns a parallel sort ran out of
    // the 128 MB pool at 200k rows (measured); readers that need time order sort on `ts`.
    select = `SELECT ${eventColumns(format).join(', ')} FROM events WHERE ${source.where}`;
  } else {
    const columns = source.columns.map((c) => {
      // Counts and token sums are integers in the file (the engine's sums are wider or floating).
      if (c.role === 'measure' && c.type === 'int') return `CAST(${c.alias} AS BIGINT) AS ${ident(c.name)}`;
      // The rest as doubles whichever rows answered: a percentile of raw FLOAT durations is a FLOAT, one from the
      // rollups' sketch a DOUBLE, and a file's schema must not depend on which (a range without a rolled day reads raw).
      if (c.role === 'measure' && c.type === 'float') return `CAST(${c.alias} AS DOUBLE) AS ${ident(c.name)}`;
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
