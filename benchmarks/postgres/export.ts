import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { OWN_HEALTH_EVENTS } from '../lib/own-events.js';
import { DUCKDB_EXPORT_SELECT } from './schema.js';

/** The embedded store's database file in a data directory (the one `*.duckdb` file there). */
export function findDuckDbFile(dataDir: string): string {
  const files = readdirSync(dataDir).filter((f) => f.endsWith('.duckdb'));
  if (files.length !== 1) throw new Error(`expected one *.duckdb file in ${dataDir}, found: ${files.join(', ') || 'none'}`);
  return join(dataDir, files[0]!);
}

/**
 * Writes every stored event as CSV for PostgreSQL's COPY. Runs on a stopped server's file (the
 * embedded store is held by one process at a time), read-only.
 */
export async function exportEventsCsv(dataDir: string, csvPath: string): Promise<{ rows: number; ownHealthEvents: number; seconds: number }> {
  const t0 = performance.now();
  const db = await DuckDBInstance.create(findDuckDbFile(dataDir), { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    // COPY TO takes its file name as a literal, not a parameter. The path is the harness's own
    // scratch file; quotes are doubled all the same.
    const target = csvPath.replace(/'/g, "''");
    await conn.run(`COPY (${DUCKDB_EXPORT_SELECT}) TO '${target}' (FORMAT csv, HEADER false)`);
    const count = await conn.runAndReadAll(`SELECT count(*) AS n, count(*) FILTER (WHERE ${OWN_HEALTH_EVENTS}) AS own FROM events`);
    const row = count.getRowObjects()[0];
    return { rows: Number(row?.n ?? 0), ownHealthEvents: Number(row?.own ?? 0), seconds: (performance.now() - t0) / 1000 };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
