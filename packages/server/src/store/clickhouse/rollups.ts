import { clickhouseDialect } from '../../query/dialects/clickhouse.js';
import {
  GRAIN_MS, GRAINS, partialDef, SKETCHED_COLUMNS, SKETCH_LN_GAMMA, ZERO_BIN,
  type Grain, type GrainName, type RollupDimension,
} from '../../rollups/definition.js';
import type { RollupCutoffs, RollupRun, RollupStatus, Rollups, Row } from '../types.js';
import { literal } from './literal.js';

/**
 * Rollups on ClickHouse (docs/scaling.md, "Rollups on ClickHouse"): the tables of rollups/definition.ts, kept by
 * materialized views on `events` — every INSERT into `events` also inserts its rows, grouped per bucket and key, into
 * each rollup table before it is acknowledged, and SummingMergeTree adds rows of the same key together as parts merge.
 * Queries aggregate the rows again (sum), so unmerged rows answer the same. Hence:
 *
 * - no watermark and no catch-up: every acknowledged event is in the rollups (`caughtUp()` is always true, the planner
 *   reads no raw tail) and every day is in the daily tables (`daysUntil()` is +Infinity), late events included;
 * - only *sum* partials: SummingMergeTree cannot keep minima, maxima or arg-max pairs (that needs AggregatingMergeTree
 *   states read back with -Merge combinators), so `grains` lists the sum partials only, and measures needing the
 *   others (first_seen, last_seen, max_value, first_value, last_value) read raw events;
 * - latency sketches with the same bins (γ = 1.01, ZERO_BIN) by the same dimensions, and phase sums;
 * - ClickHouse refuses Nullable columns in a sorting key, so a nullable dimension is stored as `<dim>_key` with NULL as
 *   the one-byte string '\0' (the sentinel the dialect's NULL-safe comparison also uses), and read back through an
 *   ALIAS column `<dim>` = nullIf(<dim>_key, '\0'): rollups/compile.ts's SQL reads the same column names as on DuckDB;
 * - each value column is stored as `<partial>_v` and read through an ALIAS `<partial>`: ClickHouse aliases are global to
 *   a SELECT, so a view writing `sum(output_tokens) AS output_tokens` would turn the next partial's `output_tokens`
 *   into that aggregate (and 18.16 cannot push inserts through a view whose SELECT has a subquery).
 *
 * Every table name and column comes from rollups/definition.ts, never from input.
 */

/** Dimensions that are never NULL in `events` (String columns there): stored as they are. */
const NOT_NULL: ReadonlySet<RollupDimension> = new Set(['type', 'status']);
const PARTITION = "PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000), 'UTC'))";

/** The grains as ClickHouse keeps them: the sum partials only. */
export const CLICKHOUSE_GRAINS: readonly Grain[] = GRAINS.map((g) => ({ ...g, partials: g.partials.filter((p) => partialDef(p).kind === 'sum') }));

interface Shape {
  table: string;
  grain: GrainName;
  dimensions: readonly RollupDimension[];
  /** Extra key columns (name and type) and how the view computes them. */
  extraKeys: ReadonlyArray<{ name: string; type: string; select: string }>;
  values: ReadonlyArray<{ name: string; type: string; expr: string }>;
  /** FROM events … (ARRAY JOIN / WHERE). */
  from: string;
  view: string;
}

const keyColumn = (d: RollupDimension): string => (NOT_NULL.has(d) ? d : `${d}_key`);

function sumValue(p: string): { name: string; type: string; expr: string } {
  const def = partialDef(p as never);
  const type = def.sqlType === 'DOUBLE' ? 'Float64' : 'Int64';
  return { name: p, type, expr: `to${type}(ifNull(sum(${def.row(clickhouseDialect)}), 0))` };
}

function shapes(): Shape[] {
  const out: Shape[] = [];
  for (const g of CLICKHOUSE_GRAINS) {
    out.push({ table: g.table, grain: g.name, dimensions: g.dimensions, extraKeys: [], values: g.partials.map(sumValue), from: 'FROM events', view: `${g.table}_mv` });
    for (const t of g.sketchTables) {
      for (const metric of SKETCHED_COLUMNS) {
        out.push({
          table: t.table, grain: g.name, dimensions: t.dimensions,
          extraKeys: [
            { name: 'metric', type: 'String', select: `${literal(metric)} AS metric` },
            { name: 'bin', type: 'Int32', select: `toInt32(ifNull(${clickhouseDialect.sketchBin(metric, SKETCH_LN_GAMMA, ZERO_BIN)}, 0)) AS bin` },
          ],
          values: [{ name: 'n', type: 'Int64', expr: 'toInt64(count())' }],
          from: `FROM events WHERE ${metric} IS NOT NULL`,
          view: `${t.table}_${metric}_mv`,
        });
      }
    }
    if (g.phasesTable !== null) {
      out.push({
        table: g.phasesTable, grain: g.name, dimensions: g.dimensions,
        extraKeys: [{ name: 'phase', type: 'String', select: 'phase' }],
        values: [{ name: 'n', type: 'Int64', expr: 'toInt64(count())' }, { name: 'sum_ms', type: 'Float64', expr: 'toFloat64(sum(phase_ms))' }],
        from: 'FROM events ARRAY JOIN phase_names AS phase, phase_values AS phase_ms',
        view: `${g.phasesTable}_mv`,
      });
    }
  }
  return out;
}

/**
 * DDL of the rollup tables and their materialized views (idempotent): a SummingMergeTree per table, partitioned by
 * month, ordered by (project, ts, key columns); a view per table (per table and sketched column for sketches).
 */
export function rollupStatements(): string[] {
  const tables = new Map<string, string>();
  const views: string[] = [];
  for (const s of shapes()) {
    const ms = GRAIN_MS[s.grain];
    const dimDdl = s.dimensions.flatMap((d) =>
      NOT_NULL.has(d) ? [`${d} String`] : [`${d}_key String`, `${d} Nullable(String) ALIAS nullIf(${d}_key, '\\0')`]);
    const keys = [...s.dimensions.map(keyColumn), ...s.extraKeys.map((k) => k.name)];
    tables.set(s.table,
      `CREATE TABLE IF NOT EXISTS ${s.table} (project String, ts Int64, ${[...dimDdl, ...s.extraKeys.map((k) => `${k.name} ${k.type}`), ...s.values.flatMap((v) => [`${v.name}_v ${v.type}`, `${v.name} ${v.type} ALIAS ${v.name}_v`])].join(', ')}) ` +
      `ENGINE = SummingMergeTree ${PARTITION} ORDER BY (project, ts, ${keys.join(', ')})`);
    const dimSelect = s.dimensions.map((d) => (NOT_NULL.has(d) ? d : `ifNull(${d}, '\\0') AS ${d}_key`));
    // `ts` in the view's output is the bucket; no partial kept here reads the event's own `ts`.
    views.push(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${s.view} TO ${s.table} AS SELECT project, intDiv(ts, ${ms}) * ${ms} AS ts, ` +
      `${[...dimSelect, ...s.extraKeys.map((k) => k.select), ...s.values.map((v) => `${v.expr} AS ${v.name}_v`)].join(', ')} ${s.from} ` +
      `GROUP BY project, ts, ${keys.join(', ')}`);
  }
  return [...tables.values(), ...views];
}

/** Rollup tables per grain (the retention cutoff that applies to them). */
function tablesByGrain(): Record<GrainName, string[]> {
  const out: Record<GrainName, string[]> = { minute: [], hour: [], day: [] };
  for (const s of shapes()) if (!out[s.grain].includes(s.table)) out[s.grain].push(s.table);
  return out;
}

export interface ClickHouseRollupsDeps {
  rows(sql: string): Promise<Row[]>;
  /** Runs an ALTER … DELETE and waits until it is applied. */
  mutate(sql: string): Promise<void>;
}

export class ClickHouseRollups implements Rollups {
  readonly grains = CLICKHOUSE_GRAINS;
  private readonly tables = tablesByGrain();

  constructor(private readonly deps: ClickHouseRollupsDeps) {}

  /** Nothing to do: the materialized views roll every event up as it is inserted. */
  async catchUp(): Promise<RollupRun> {
    return { events: 0, watermark: 0, compacted: 0, days: 0 };
  }

  /** Every day is in the daily tables, whatever its events' arrival. */
  daysUntil(): number {
    return Number.POSITIVE_INFINITY;
  }

  caughtUp(): boolean {
    return true;
  }

  async deleteBefore(cutoffs: RollupCutoffs): Promise<number> {
    let deleted = 0;
    for (const grain of ['minute', 'hour', 'day'] as const) {
      const cutoff = cutoffs[grain];
      if (!Number.isSafeInteger(cutoff)) throw new RangeError(`${grain} cutoff must be an integer (epoch ms)`);
      for (const table of this.tables[grain]) {
        const [row] = await this.deps.rows(`SELECT count() AS n FROM ${table} WHERE ts < ${literal(cutoff)}`);
        const n = Number(row?.n ?? 0);
        if (n === 0) continue;
        await this.deps.mutate(`ALTER TABLE ${table} DELETE WHERE ts < ${literal(cutoff)}`);
        deleted += n;
      }
    }
    return deleted;
  }

  async status(): Promise<RollupStatus> {
    const rows: Record<string, number> = {};
    for (const table of Object.values(this.tables).flat()) {
      const [row] = await this.deps.rows(`SELECT count() AS n FROM ${table}`);
      rows[table] = Number(row?.n ?? 0);
    }
    return { watermark: 0, daysUntil: this.daysUntil(), behind: 0, rows };
  }
}
