import type { EventStore, Row } from '../store/types.js';
import { compileQuery, type OutputColumn } from './compiler.js';
import { dialectFor } from './dialects/index.js';
import { rfc3339 } from './time.js';
import { DEFAULT_LIMIT, type Filter, type QuerySpec } from './types.js';

/** A result row keyed by API names; `bucket` and timestamp measures still epoch ms. */
export type NamedRow = Record<string, string | number | null>;

export interface Execution {
  rows: NamedRow[];
  /** More rows matched than the limit let through. */
  truncated: boolean;
  columns: OutputColumn[];
}

/** Compiles for the store's dialect, runs, and maps aliases back to names with numeric types. */
export async function executeQuery(store: EventStore, spec: QuerySpec): Promise<Execution> {
  const compiled = compileQuery(spec, dialectFor(store.dialect), { extraRow: true });
  const raw = await store.query(compiled.sql, compiled.params);
  const limit = spec.limit ?? DEFAULT_LIMIT;
  const truncated = raw.length > limit;
  const rows = (truncated ? raw.slice(0, limit) : raw).map((r) => nameRow(r, compiled.columns));
  return { rows, truncated, columns: compiled.columns };
}

function nameRow(row: Row, columns: readonly OutputColumn[]): NamedRow {
  const out: NamedRow = {};
  for (const c of columns) {
    const v = row[c.alias] ?? null;
    out[c.name] = c.type === 'string' ? (v === null ? null : String(v)) : c.type === 'float' ? roundFloat(toNumber(v)) : toNumber(v);
  }
  return out;
}

/**
 * Durations and sentiment are stored as 32-bit floats (~7 significant digits), so more digits in an
 * answer are noise (`6017.60009765625`); sums of costs are DOUBLE but gain nothing past 7 either.
 */
function roundFloat(n: number | null): number | null {
  return n === null || n === 0 ? n : Number(n.toPrecision(7));
}

function toNumber(v: string | number | boolean | null): number | null {
  if (v === null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export interface QueryMeta {
  measures: readonly string[];
  dimensions: readonly string[];
  interval: string | null;
  start: string;
  end: string;
  filters: Record<string, readonly string[]>;
  order: string[];
  limit: number;
  rows: number;
  truncated: boolean;
  percentiles: 'exact';
  elapsed_ms: number;
}

export interface QueryResult {
  data: Array<Record<string, string | number | null>>;
  meta: QueryMeta;
}

/** `GET /v1/query`'s answer: rows with `bucket` (RFC 3339), dimensions and measures by name, plus meta. */
export async function runQuery(store: EventStore, spec: QuerySpec): Promise<QueryResult> {
  const started = performance.now();
  const { rows, truncated, columns } = await executeQuery(store, spec);
  const timestamps = new Set(columns.filter((c) => c.type === 'timestamp').map((c) => c.name));
  const data = rows.map((row) => {
    const out: Record<string, string | number | null> = {};
    for (const [name, value] of Object.entries(row)) {
      out[name] = timestamps.has(name) && typeof value === 'number' ? rfc3339(value) : value;
    }
    return out;
  });
  return {
    data,
    meta: {
      measures: [...new Set(spec.measures)],
      dimensions: [...new Set(spec.dimensions)],
      interval: spec.interval ?? null,
      start: rfc3339(spec.range.startMs),
      end: rfc3339(spec.range.endMs),
      filters: filtersObject(spec.filters),
      order: (spec.order ?? []).map((o) => (o.direction === 'desc' ? `-${o.name}` : o.name)),
      limit: spec.limit ?? DEFAULT_LIMIT,
      rows: data.length,
      truncated,
      percentiles: 'exact',
      elapsed_ms: Math.round((performance.now() - started) * 10) / 10,
    },
  };
}

function filtersObject(filters: readonly Filter[]): Record<string, readonly string[]> {
  const out: Record<string, string[]> = {};
  for (const f of filters) (out[f.field] ??= []).push(...f.values);
  return out;
}
