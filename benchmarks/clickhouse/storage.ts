/**
 * What a ClickHouse database holds on disk, table by table (active parts), and the merges that lead there. Through
 * the HTTP interface (lib/http.ts: no client timeout shorter than a 10M-event merge).
 */
import http from 'node:http';
import { request } from '../lib/http.js';

const agent = new http.Agent({ keepAlive: false });

export async function clickhouseQuery<T>(url: string, sql: string, database = 'default'): Promise<T[]> {
  const u = new URL('/', url);
  u.searchParams.set('database', database);
  const body = /^\s*(SELECT|SHOW)/i.test(sql) ? `${sql} FORMAT JSONEachRow` : sql;
  const res = await request(agent, u, 'POST', Buffer.from(body), {}, 3_600_000);
  if (res.status !== 200) throw new Error(`ClickHouse ${res.status}: ${res.body.trim().slice(0, 400)}`);
  const text = res.body.trim();
  return text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as T);
}

/** Tables of the store that hold no events or rollups. */
const BOOKKEEPING = new Set(['idempotency', 'pulse_migrations']);

export interface TableBytes {
  table: string;
  rows: number;
  bytes: number;
  parts: number;
}

/** Rows, bytes on disk and parts of every table of `database` with data (active parts only). */
export async function tableBytes(url: string, database: string): Promise<TableBytes[]> {
  const rows = await clickhouseQuery<{ table: string; rows: string; bytes: string; parts: string }>(
    url,
    `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, count() AS parts FROM system.parts ` +
      `WHERE active AND database = '${database}' GROUP BY table ORDER BY bytes DESC`,
  );
  return rows.map((r) => ({ table: r.table, rows: Number(r.rows), bytes: Number(r.bytes), parts: Number(r.parts) }));
}

/** The split the bench reports: the events table, the rollup tables (materialized views' targets), everything. */
export interface StoreBytes {
  events: number;
  rollups: number;
  total: number;
  /** Space inside `total` that holds no data (DuckDB's free blocks, reused by later writes); null where not measured. */
  free: number | null;
  eventRows: number;
}

export function splitBytes(tables: readonly TableBytes[]): StoreBytes {
  const events = tables.find((t) => t.table === 'events');
  return {
    events: events?.bytes ?? 0,
    rollups: tables.filter((t) => t.table !== 'events' && !BOOKKEEPING.has(t.table)).reduce((s, t) => s + t.bytes, 0),
    total: tables.reduce((s, t) => s + t.bytes, 0),
    free: null,
    eventRows: events?.rows ?? 0,
  };
}

/** OPTIMIZE … FINAL on every table with data: each month partition merged into one part, what background merges converge to. */
export async function mergeAll(url: string, database: string): Promise<void> {
  for (const t of await tableBytes(url, database)) {
    await clickhouseQuery(url, `OPTIMIZE TABLE ${database}.${t.table} FINAL`);
  }
}

/** Waits until the server runs no background merge (at most `timeoutMs`); returns the seconds waited. */
export async function mergesSettled(url: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    const [row] = await clickhouseQuery<{ n: string }>(url, 'SELECT count() AS n FROM system.merges');
    if (Number(row?.n ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return (performance.now() - t0) / 1000;
}
