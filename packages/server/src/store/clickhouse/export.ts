import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ExportColumn, ExportFormat, ExportSource } from '../types.js';
import { bindParams } from './bind.js';
import { EXPORT_COLUMNS, EXPORT_SELECT, toExportRow } from './rows.js';

/**
 * Exports stream the rows of one SELECT (ClickHouse reads the set of parts present when it starts: one consistent
 * snapshot while inserts go on) through this process into the file, a block at a time, so memory stays bounded
 * whatever the size. Rows come out as the DuckDB store writes them (store/duckdb/export.ts): `ts` and `bucket` as
 * RFC 3339 UTC text with milliseconds in CSV and JSON lines, the maps as JSON objects (text in CSV), NULLs empty in
 * CSV and null in JSON.
 *
 * 18.16 has no Parquet output format (it arrived in 19.x), so Parquet goes through JSON lines in a temporary file
 * that an in-memory DuckDB — already Pulse's embedded engine — copies to Parquet with the DuckDB store's column
 * types (TIMESTAMP, INTEGER, DOUBLE, FLOAT, MAP) and settings.
 */
const EVENT_TYPES: Record<(typeof EXPORT_COLUMNS)[number], string> = {
  project: 'VARCHAR', ts: 'BIGINT', id: 'VARCHAR', type: 'VARCHAR', name: 'VARCHAR', service: 'VARCHAR', environment: 'VARCHAR',
  user_id: 'VARCHAR', session_id: 'VARCHAR', persona: 'VARCHAR', channel: 'VARCHAR', guild: 'VARCHAR', prompt_id: 'VARCHAR',
  model: 'VARCHAR', provider: 'VARCHAR', input_tokens: 'INTEGER', output_tokens: 'INTEGER', cost_usd: 'DOUBLE',
  duration_ms: 'FLOAT', ttft_ms: 'FLOAT', status: 'VARCHAR', error_type: 'VARCHAR', error_message: 'VARCHAR',
  severity: 'VARCHAR', value: 'DOUBLE', target: 'VARCHAR', text: 'VARCHAR', sentiment: 'FLOAT',
  phases: 'MAP(VARCHAR, FLOAT)', attributes: 'MAP(VARCHAR, VARCHAR)', text_length: 'INTEGER', questions: 'INTEGER',
  emojis: 'INTEGER', mentions: 'INTEGER', topic: 'VARCHAR',
};

interface Shape {
  sql: string;
  /** Output column names in order, and which hold epoch ms to write as time. */
  names: string[];
  times: Set<string>;
  toRow: (raw: Record<string, unknown>) => Record<string, unknown>;
}

function shape(source: ExportSource): Shape {
  if (source.kind === 'events') {
    return {
      sql: `SELECT ${EXPORT_SELECT} FROM events WHERE ${bindParams(source.where, source.params)}`,
      names: [...EXPORT_COLUMNS],
      times: new Set(['ts']),
      toRow: toExportRow,
    };
  }
  const columns = source.columns;
  return {
    sql: bindParams(source.sql, source.params),
    names: columns.map((c) => (c.role === 'bucket' ? 'bucket' : c.name)),
    times: new Set(columns.some((c) => c.role === 'bucket') ? ['bucket'] : []),
    toRow: (raw) => Object.fromEntries(columns.map((c) => [c.role === 'bucket' ? 'bucket' : c.name, raw[c.alias] ?? null])),
  };
}

const iso = (ms: unknown): string | null => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve, reject) => {
    // Both listeners go once either fires: a large export waits for 'drain' thousands of times.
    const drained = (): void => {
      out.off('error', failed);
      resolve();
    };
    const failed = (err: Error): void => {
      out.off('drain', drained);
      reject(err);
    };
    out.once('drain', drained);
    out.once('error', failed);
  });
}

async function close(out: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
}

/** Streams `source` into `path` as CSV (with a header) or JSON lines; `timesAsText` writes epoch ms as RFC 3339. */
async function streamText(client: ClickHouseClient, s: Shape, path: string, format: 'csv' | 'json', timesAsText: boolean): Promise<number> {
  const out = createWriteStream(path);
  let rows = 0;
  try {
    if (format === 'csv') await write(out, `${s.names.map(csvField).join(',')}\n`);
    const result = await client.query({ query: s.sql, format: 'JSONEachRow' });
    for await (const block of result.stream()) {
      let text = '';
      for (const r of block) {
        const row = s.toRow(r.json<Record<string, unknown>>());
        if (timesAsText) for (const t of s.times) row[t] = iso(row[t]);
        text += format === 'csv' ? `${s.names.map((n) => csvField(row[n])).join(',')}\n` : `${JSON.stringify(row)}\n`;
        rows++;
      }
      await write(out, text);
    }
  } finally {
    await close(out);
  }
  return rows;
}

export async function exportFromClickHouse(client: ClickHouseClient, source: ExportSource, path: string, format: ExportFormat): Promise<number> {
  const s = shape(source);
  if (format !== 'parquet') return streamText(client, s, path, format, true);
  const dir = await mkdtemp(join(tmpdir(), 'pulse-ch-export-'));
  try {
    const jsonl = join(dir, 'rows.jsonl');
    const rows = await streamText(client, s, jsonl, 'json', false);
    const db = await DuckDBInstance.create(':memory:', { memory_limit: '256MB', threads: '1' });
    const connection = await db.connect();
    try {
      const types = source.kind === 'events'
        ? s.names.map((n) => `'${n}': '${EVENT_TYPES[n as keyof typeof EVENT_TYPES]}'`)
        : s.names.map((n) => `'${n.replaceAll("'", "''")}': '${s.times.has(n) ? 'BIGINT' : aggregateType(source.columns.find((c) => c.name === n))}'`);
      const select = s.names.map((n) => {
        const id = `"${n.replaceAll('"', '""')}"`;
        return s.times.has(n) ? `epoch_ms(${id}) AS ${id}` : id;
      });
      await connection.run(
        `COPY (SELECT ${select.join(', ')} FROM read_json($1, format = 'newline_delimited', columns = {${types.join(', ')}})) ` +
          "TO $2 (FORMAT parquet, COMPRESSION 'snappy', ROW_GROUP_SIZE 20000)",
        [jsonl, path],
      );
    } finally {
      connection.closeSync();
      db.closeSync();
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Parquet type of an aggregate export's column: text for dimensions, 64-bit integers for counts and token sums. */
function aggregateType(column: ExportColumn | undefined): 'VARCHAR' | 'BIGINT' | 'DOUBLE' {
  if (column?.role === 'dimension') return 'VARCHAR';
  return column?.role === 'measure' && column.type === 'int' ? 'BIGINT' : 'DOUBLE';
}
