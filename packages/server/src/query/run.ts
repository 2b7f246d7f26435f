import type { EventStore, Row } from '../store/types.js';
import { finishQuantiles } from '../rollups/quantiles.js';
import { compileQuery, type CompiledQuery, type OutputColumn } from './compiler.js';
import { dialectFor } from './dialects/index.js';
import { rfc3339 } from './time.js';
import { DEFAULT_LIMIT, type Filter, type QuerySpec } from './types.js';

/** A result row keyed by API names; timestamps as epoch ms or RFC 3339 (see TimestampFormat). */
export type NamedRow = Record<string, string | number | null>;

export interface Execution {
  rows: NamedRow[];
  /** Read from rollups (rollups/) rather than raw events only. */
  rollups: boolean;
  /** Percentiles (if asked for) are exact; false when they come from the rollups' sketches (within 1 %). */
  exactPercentiles: boolean;
  /** More rows matched than the limit let through. */
  truncated: boolean;
  columns: OutputColumn[];
}

/** How timestamp columns (`bucket`, `last_seen`) come back: epoch ms for presets, RFC 3339 for `/v1/query`. */
export type TimestampFormat = 'ms' | 'rfc3339';

export interface ExecuteOptions {
  /** Read rollups when the store keeps them and the query allows it (default true); false forces raw events. */
  rollups?: boolean;
  /** Ranges up to this long read raw events (default RAW_RANGE_MS, 6 h; tests pass 0 to exercise rollups on short ranges). */
  rawRangeMs?: number;
  /** Finish sketch quantiles in JavaScript where the compiler allows it (default true; tests compare both ways). */
  quantilesAfter?: boolean;
}

/**
 * Compiles for the store's dialect, runs, and maps aliases back to names with numeric types, in one pass. Reads the
 * store's rollups when it keeps them and the query allows it (same answers; percentiles within 1 %).
 */
export async function executeQuery(store: EventStore, spec: QuerySpec, timestamps: TimestampFormat = 'ms', options: ExecuteOptions = {}): Promise<Execution> {
  const rollups = options.rollups !== false && store.rollups !== undefined;
  const latest = (): number | null => store.rollups?.latestRolled(spec.project) ?? null;
  const compile = (latestRolledMs: number | null): CompiledQuery => compileQuery(spec, dialectFor(store.dialect), {
    extraRow: true,
    rollups,
    quantilesAfter: options.quantilesAfter ?? true,
    daysUntilMs: store.rollups?.daysUntil() ?? null,
    caughtUp: store.rollups?.caughtUp() ?? false,
    latestRolledMs,
    ...(store.rollups === undefined ? {} : { hoursFromMs: store.rollups.hoursFrom() }),
    ...(options.rawRangeMs === undefined ? {} : { rawRangeMs: options.rawRangeMs }),
  });
  let compiled = compile(latest());
  let read = await store.query(compiled.sql, compiled.params);
  // The last bucket was read whole: right only if nothing at or after the end was rolled up before the read.
  const after = latest();
  const openEndBroken = compiled.openEnd === true && (after === null || after >= spec.range.endMs);
  // Hourly rows read in place of daily ones: right only if no retention run started deleting them meanwhile.
  const hoursBroken = compiled.hoursNeededFrom !== undefined && (store.rollups?.hoursFrom() ?? Infinity) > compiled.hoursNeededFrom;
  if (openEndBroken || hoursBroken) {
    compiled = compile(null);
    read = await store.query(compiled.sql, compiled.params);
  }
  const raw = compiled.quantilesAfter === undefined ? read : finishQuantiles(read, compiled.quantilesAfter);
  const limit = spec.limit ?? DEFAULT_LIMIT;
  const truncated = raw.length > limit;
  const rows = (truncated ? raw.slice(0, limit) : raw).map((r) => nameRow(r, compiled.columns, timestamps));
  return { rows, truncated, columns: compiled.columns, rollups: compiled.rollups, exactPercentiles: compiled.exactPercentiles };
}

function nameRow(row: Row, columns: readonly OutputColumn[], timestamps: TimestampFormat): NamedRow {
  const out: NamedRow = {};
  for (const c of columns) {
    const v = row[c.alias] ?? null;
    switch (c.type) {
      case 'string':
        out[c.name] = v === null ? null : String(v);
        break;
      case 'timestamp': {
        const ms = toNumber(v);
        out[c.name] = ms !== null && timestamps === 'rfc3339' ? rfc3339(ms) : ms;
        break;
      }
      default: {
        const n = toNumber(v);
        const digits = c.float32 ? 7 : c.doubleSum ? 15 : null;
        out[c.name] = digits !== null && n !== null && n !== 0 ? Number(n.toPrecision(digits)) : n;
      }
    }
  }
  return out;
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
  /** `approximate` when they come from the rollups' sketches (relative error ≤ 1 %). */
  percentiles: 'exact' | 'approximate';
  /** `rollups` when pre-aggregated rows answered (with raw events at the range's edges), else `raw`. */
  source: 'raw' | 'rollups';
  elapsed_ms: number;
}

export interface QueryResult {
  data: Array<Record<string, string | number | null>>;
  meta: QueryMeta;
}

/** `GET /v1/query`'s answer: rows with `bucket` (RFC 3339), dimensions and measures by name, plus meta. */
export async function runQuery(store: EventStore, spec: QuerySpec, options: ExecuteOptions = {}): Promise<QueryResult> {
  const started = performance.now();
  const { rows: data, truncated, rollups, exactPercentiles } = await executeQuery(store, spec, 'rfc3339', options);
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
      percentiles: exactPercentiles ? 'exact' : 'approximate',
      source: rollups ? 'rollups' : 'raw',
      elapsed_ms: Math.round((performance.now() - started) * 10) / 10,
    },
  };
}

function filtersObject(filters: readonly Filter[]): Record<string, readonly string[]> {
  const out: Record<string, string[]> = {};
  for (const f of filters) (out[f.field] ??= []).push(...f.values);
  return out;
}
