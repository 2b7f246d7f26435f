import { clickhouseDialect } from '../../query/dialects/clickhouse.js';
import {
  GRAIN_MS, GRAINS, partialDef, SKETCHED_COLUMNS, SKETCH_LN_GAMMA, ZERO_BIN,
  type GrainName, type PartialDef, type PartialName, type RollupDimension,
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
 * - every partial: sums as numbers SummingMergeTree adds; minima, maxima and arg pairs as aggregate-function states
 *   (`minState`, `argMaxState`, …) it merges with their own function, each read back per row by finalizeAggregation;
 *   a query merges rows with the partial's own aggregate as on DuckDB (value()).
 * - latency sketches with the same bins (γ = 1.01, ZERO_BIN) by the same dimensions, and phase sums;
 * - ClickHouse refuses Nullable columns in a sorting key, so a nullable dimension is stored as `<dim>_key` with NULL as
 *   the one-byte string '\0' (the sentinel the dialect's NULL-safe comparison also uses), and read back through an
 *   ALIAS column `<dim>` = nullIf(<dim>_key, '\0'): rollups/compile.ts's SQL reads the same column names as on DuckDB;
 * - each value column is stored as `<partial>_v` and read through an ALIAS `<partial>`, and the bucket as `bucket`
 *   read through the ALIAS `ts`: ClickHouse aliases are global to a SELECT, so a view writing `sum(output_tokens) AS
 *   output_tokens` or `intDiv(ts, …) AS ts` would change what the next partial's `output_tokens` or `ts` means (and
 *   18.16 cannot push inserts through a view whose SELECT has a subquery). The primary index applies through the
 *   alias (`ts` ranges are `bucket` ranges).
 *
 * Every table name and column comes from rollups/definition.ts, never from input.
 */

/** Dimensions that are never NULL in `events` (String columns there): stored as they are. */
const NOT_NULL: ReadonlySet<RollupDimension> = new Set(['type', 'status']);
const PARTITION = "PARTITION BY toYYYYMM(toDateTime(intDiv(bucket, 1000), 'UTC'))";


interface Shape {
  table: string;
  grain: GrainName;
  dimensions: readonly RollupDimension[];
  /** Extra key columns (name and type) and how the view computes them. */
  extraKeys: ReadonlyArray<{ name: string; type: string; select: string }>;
  values: readonly Value[];
  /** FROM events … (ARRAY JOIN / WHERE). */
  from: string;
  view: string;
}

const keyColumn = (d: RollupDimension): string => (NOT_NULL.has(d) ? d : `${d}_key`);

/**
 * A value column: stored as `<name>_v` of `stored` type, computed by the view as `expr`, read through
 * `<name> <type> ALIAS <read>`.
 */
interface Value {
  name: string;
  stored: string;
  type: string;
  expr: string;
  read: string;
}

const TYPES: Record<PartialDef['sqlType'], string> = { BIGINT: 'Int64', DOUBLE: 'Float64', TIMESTAMP: 'Int64' };

/**
 * A partial as a value column. Sums are plain numbers SummingMergeTree adds. Minima, maxima and arg pairs are
 * aggregate-function states (`minState(ts)`, `argMaxState(value, …)`), which SummingMergeTree merges with their own
 * function, read back per row with finalizeAggregation: a query then merges the rows' values with the partial's own
 * aggregate, as on DuckDB. A state over a Nullable argument skips NULLs but finalizes to 0 when it saw none, so the
 * `value_*` partials read NULL where the row has no value (`value_n` = 0), as DuckDB's aggregate gives.
 */
function value(p: PartialName): Value {
  const def: PartialDef = partialDef(p);
  const row = def.row(clickhouseDialect);
  const type = TYPES[def.sqlType];
  const k = def.kind;
  if (k === 'sum') return { name: p, stored: type, type, expr: `to${type}(ifNull(sum(${row}), 0))`, read: `${p}_v` };
  const fn = typeof k === 'string' ? k : 'argMax' in k ? 'argMax' : 'argMin';
  const by = typeof k === 'string' ? null : partialDef(('argMax' in k ? k.argMax : k.argMin) as PartialName);
  const args = by === null ? [row] : [row, by.row(clickhouseDialect)];
  const argTypes = by === null ? [type] : [type, TYPES[by.sqlType]];
  const finalized = `finalizeAggregation(${p}_v)`;
  const nullable = p.startsWith('value_');
  return {
    name: p, stored: `AggregateFunction(${fn}, ${argTypes.join(', ')})`, type: nullable ? `Nullable(${type})` : type,
    expr: `${fn}State(${args.join(', ')})`, read: nullable ? `if(value_n_v = 0, NULL, ${finalized})` : finalized,
  };
}

const count = (name: string, expr: string, type = 'Int64'): Value => ({ name, stored: type, type, expr: `to${type}(${expr})`, read: `${name}_v` });

function shapes(omit: readonly PartialName[] = []): Shape[] {
  const out: Shape[] = [];
  for (const g of GRAINS) {
    const values = g.partials.filter((p) => !omit.includes(p)).map(value);
    out.push({ table: g.table, grain: g.name, dimensions: g.dimensions, extraKeys: [], values, from: 'FROM events', view: `${g.table}_mv` });
    for (const t of g.sketchTables) {
      for (const metric of SKETCHED_COLUMNS) {
        out.push({
          table: t.table, grain: g.name, dimensions: t.dimensions,
          extraKeys: [
            { name: 'metric', type: 'String', select: `${literal(metric)} AS metric` },
            { name: 'bin', type: 'Int32', select: `toInt32(ifNull(${clickhouseDialect.sketchBin(metric, SKETCH_LN_GAMMA, ZERO_BIN)}, 0)) AS bin` },
          ],
          values: [count('n', 'count()')],
          from: `FROM events WHERE ${metric} IS NOT NULL`,
          view: `${t.table}_${metric}_mv`,
        });
      }
    }
    if (g.phasesTable !== null) {
      out.push({
        table: g.phasesTable, grain: g.name, dimensions: g.dimensions,
        extraKeys: [{ name: 'phase', type: 'String', select: 'phase' }],
        values: [count('n', 'count()'), count('sum_ms', 'sum(phase_ms)', 'Float64')],
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
 * `omit`: partials a later migration adds (schema.ts), left out of the DDL an earlier migration runs.
 */
export function rollupStatements(omit: readonly PartialName[] = []): string[] {
  const tables = new Map<string, string>();
  const views: string[] = [];
  for (const s of shapes(omit)) {
    const ms = GRAIN_MS[s.grain];
    const dimDdl = s.dimensions.flatMap((d) =>
      NOT_NULL.has(d) ? [`${d} String`] : [`${d}_key String`, `${d} Nullable(String) ALIAS nullIf(${d}_key, '\\0')`]);
    const keys = [...s.dimensions.map(keyColumn), ...s.extraKeys.map((k) => k.name)];
    tables.set(s.table,
      `CREATE TABLE IF NOT EXISTS ${s.table} (project String, bucket Int64, ts Int64 ALIAS bucket, ` +
      `${[...dimDdl, ...s.extraKeys.map((k) => `${k.name} ${k.type}`), ...s.values.flatMap((v) => [`${v.name}_v ${v.stored}`, `${v.name} ${v.type} ALIAS ${v.read}`])].join(', ')}) ` +
      `ENGINE = SummingMergeTree ${PARTITION} ORDER BY (project, bucket, ${keys.join(', ')})`);
    const dimSelect = s.dimensions.map((d) => (NOT_NULL.has(d) ? d : `ifNull(${d}, '\\0') AS ${d}_key`));
    views.push(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${s.view} TO ${s.table} AS SELECT project, intDiv(ts, ${ms}) * ${ms} AS bucket, ` +
      `${[...dimSelect, ...s.extraKeys.map((k) => k.select), ...s.values.map((v) => `${v.expr} AS ${v.name}_v`)].join(', ')} ${s.from} ` +
      `GROUP BY project, bucket, ${keys.join(', ')}`);
  }
  return [...tables.values(), ...views];
}

/** The materialized view keeping partials table `table` (rollup_hour, rollup_day), with every partial. */
export function partialsViewStatement(table: string): string {
  const view = rollupStatements().find((sql) => sql.startsWith(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} `));
  if (view === undefined) throw new Error(`no materialized view keeps ${table}`);
  return view;
}

/** Every rollup table (a Distributed table over each, on a sharded store). */
export function rollupTableNames(): string[] {
  return [...new Set(Object.values(tablesByGrain()).flat())];
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

  /** Not tracked (rows come from materialized views, in no order Pulse sees): queries read the range's end raw. */
  latestRolled(): null {
    return null;
  }

  /** Not tracked: queries read daily rows wherever they fit. */
  hoursFrom(): number {
    return Number.POSITIVE_INFINITY;
  }

  async deleteBefore(cutoffs: RollupCutoffs): Promise<number> {
    let deleted = 0;
    for (const grain of ['minute', 'hour', 'day'] as const) {
      const cutoff = cutoffs[grain];
      if (!Number.isSafeInteger(cutoff)) throw new RangeError(`${grain} cutoff must be an integer (epoch ms)`);
      for (const table of this.tables[grain]) {
        const [row] = await this.deps.rows(`SELECT count() AS n FROM ${table} WHERE bucket < ${literal(cutoff)}`);
        const n = Number(row?.n ?? 0);
        if (n === 0) continue;
        await this.deps.mutate(`ALTER TABLE ${table} DELETE WHERE bucket < ${literal(cutoff)}`);
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
