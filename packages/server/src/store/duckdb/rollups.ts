import { DuckDBDataChunk, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { RollupAccumulator, type Drained, type TableRows } from '../../rollups/accumulator.js';
import { fromPlucked } from '../../rollups/columns.js';
import { CHUNK_ROWS, type PluckedColumns } from './event-columns.js';
import { writeBoolean, writeFloat64, writeInt32, writeInt64, writeVarchar } from './vector-writer.js';
import { duckdbDialect } from '../../query/dialects/duckdb.js';
import {
  GRAIN_MS, GRAINS, mergeSql, partialDef, SKETCH_LN_GAMMA, SKETCHED_COLUMNS, STATE_TABLE, ZERO_BIN, type Grain,
} from '../../rollups/definition.js';
import type { RollupCutoffs, RollupRun, RollupStatus, Rollups } from '../types.js';
import { Mutex } from './mutex.js';
import { rollUpInSlices } from './slices.js';
import type { DuckDbHandle } from './open.js';

/**
 * Keeps the rollup tables (rollups/definition.ts) of the embedded file, incrementally: each run reads only the events
 * committed after the watermark (`seq > watermark`, which DuckDB prunes to the newest row groups), aggregates them
 * into *delta rows* on a connection of its own while ingest goes on, then — under the write lock, for the few
 * milliseconds of copying them — appends the deltas and moves the watermark in one transaction. A late event (old
 * `ts`) is simply part of a later run: its delta row lands in its old bucket, and queries merge rows by key anyway.
 *
 * Delta rows of one bucket are merged (compacted) into one row per key once enough have accumulated, so reading a
 * bucket stays one row per key. Rollups are fed from the table, not from the fan-out: a subscriber may drop work
 * under overload, and a rollup must never miss an event.
 */
export interface DuckDbRollupsOptions {
  /** Events per run slice (bounded memory when catching up on millions). */
  sliceEvents?: number;
  /** Compact every bucket (open ones too) once this many delta rows wait, across the tables. */
  compactAfterRows?: number;
  /**
   * Merge the delta rows of ended buckets at most this often (default 10 minutes), or sooner once a tenth of
   * `compactAfterRows` wait. 0: every run (tests).
   */
  compactEveryMs?: number;
  /** Rows the in-memory accumulators may hold in all before they are dropped (their events are then rolled up from the table). */
  maxAccumulatedRows?: number;
  /**
   * Rows at which an accumulator is full: a write starts at once, before the task's next run, and later batches go to a
   * new accumulator, so no drain handles more (default 10,000; at most half the bound).
   */
  writeAtRows?: number;
  /** Whether a bucket has closed (its delta rows are then merged); default: the wall clock. */
  now?: () => number;
}

type Table = { name: string; grain: Grain; kind: 'partials' | 'latency' | 'phases'; dimensions: readonly string[] };

/** Every table, the ones a delta is derived from before the ones derived from it: finest grain, widest table first. */
const TABLES: readonly Table[] = [...GRAINS].reverse().flatMap((grain) => [
  { name: grain.table, grain, kind: 'partials' as const, dimensions: grain.dimensions },
  ...[...grain.sketchTables].reverse().map((t) => ({ name: t.table, grain, kind: 'latency' as const, dimensions: t.dimensions })),
  ...(grain.phasesTable ? [{ name: grain.phasesTable, grain, kind: 'phases' as const, dimensions: grain.dimensions }] : []),
]);

/**
 * The delta a table's delta is derived from (smaller than the events): a narrower sketch table from the widest of
 * its grain, a daily table from the hourly table of the same kind and dimensions. Undefined: from the events (the
 * daily sketch by all ten dimensions, which has no hourly twin, among them).
 */
function derivedFrom(t: Table): Table | undefined {
  const covers = (s: Table): boolean => s.kind === t.kind && t.dimensions.every((dim) => s.dimensions.includes(dim));
  if (t.grain.name === 'hour') return TABLES.find((s) => s !== t && s.grain === t.grain && covers(s) && s.dimensions.length > t.dimensions.length);
  if (t.grain.name === 'day') return TABLES.find((s) => s.grain.name === 'hour' && covers(s) && s.dimensions.length === t.dimensions.length);
  return undefined;
}

const d = duckdbDialect;
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const SEQ_RANGE = 'seq > $1::BIGINT AND seq <= $2::BIGINT';
const DAY = GRAIN_MS.day;
const HOUR = GRAINS.find((g) => g.name === 'hour')!;
const DAY_GRAIN = GRAINS.find((g) => g.name === 'day')!;
/** Value columns of a table, in table order. */
function valueColumns(t: Table): string[] {
  if (t.kind === 'latency') return ['n'];
  if (t.kind === 'phases') return ['n', 'sum_ms'];
  return t.grain.partials.map((name) => partialDef(name).column);
}

/** Key columns of a table (after `project, ts`): its grain's dimensions, plus `metric, bin` or `phase`. */
function keyColumns(t: Table): string[] {
  const dims = [...t.dimensions];
  if (t.kind === 'latency') return [...dims, 'metric', 'bin'];
  if (t.kind === 'phases') return [...dims, 'phase'];
  return dims;
}

/** The aggregates of a table's value columns, over raw events (`fromEvents`) or over its own rows. */
function valueAggregates(t: Table, fromEvents: boolean): string[] {
  if (t.kind === 'latency') return [`${fromEvents ? 'count(*)' : 'sum(n)'} AS n`];
  if (t.kind === 'phases') return fromEvents ? ['count(*) AS n', 'sum(phase_ms) AS sum_ms'] : ['sum(n) AS n', 'sum(sum_ms) AS sum_ms'];
  return t.grain.partials.map((name) => {
    const p = partialDef(name);
    return `${mergeSql(d, p, fromEvents ? p.row(d) : p.column)} AS ${p.column}`;
  });
}

/** Delta rows of table `t` from the events of a seq range ($1, $2] (and `and`, a further condition on them). */
function fromEventsSql(t: Table, and = '', compacted = false): string {
  const keys = keyColumns(t);
  const select = (keyExprs: string[]): string =>
    `SELECT project, date_trunc('${t.grain.name}', ts) AS bucket, ${keyExprs.join(', ')}, ${valueAggregates(t, true).join(', ')}, ${compacted} AS compacted`;
  const SEQ_RANGE_AND = `${SEQ_RANGE}${and}`;
  const groupBy = `GROUP BY project, bucket, ${keys.join(', ')}`;
  if (t.kind === 'partials') return `${select(keys)} FROM events WHERE ${SEQ_RANGE_AND} ${groupBy}`;
  if (t.kind === 'phases') {
    return `${select(keys)} FROM (SELECT *, unnest(map_keys(phases)) AS phase, unnest(map_values(phases)) AS phase_ms ` +
      `FROM events WHERE ${SEQ_RANGE_AND} AND phases IS NOT NULL) AS e ${groupBy}`;
  }
  const dims = [...t.dimensions];
  return SKETCHED_COLUMNS.map((column) =>
    `${select([...dims, `'${column}' AS metric`, `${d.sketchBin(column, SKETCH_LN_GAMMA, ZERO_BIN)} AS bin`])} ` +
    `FROM events WHERE ${SEQ_RANGE_AND} AND ${column} IS NOT NULL ${groupBy}`,
  ).join(' UNION ALL ');
}

/**
 * Delta rows of table `t` from another table's delta rows of the same slice (already reduced): the same merge as
 * compaction, with the bucket truncated to `t`'s grain and only `t`'s dimensions kept.
 */
function derivedDeltaSql(t: Table, source: string, where = '', compacted = false): string {
  const keys = keyColumns(t);
  const bucket = `date_trunc('${t.grain.name}', bucket)`;
  return `SELECT project, ${bucket} AS bucket, ${keys.join(', ')}, ${valueAggregates(t, false).join(', ')}, ${compacted} AS compacted ` +
    `FROM ${source}${where} GROUP BY project, ${bucket}, ${keys.join(', ')}`;
}

/**
 * The rows of daily table `t` for the day [$1, $2) (epoch ms), one per key: merged from its hourly twin's rows, or
 * — the daily sketch by all ten dimensions, which has none — from the events of the day up to the watermark ($3).
 */
function rollDaySql(t: Table): { sql: string; params: (from: number, to: number, watermark: number) => number[] } {
  const source = derivedFrom(t);
  if (source === undefined) {
    return {
      sql: fromEventsSql(t, ' AND ts >= epoch_ms($3::BIGINT) AND ts < epoch_ms($4::BIGINT)', true),
      params: (from, to, watermark) => [-1, watermark, from, to],
    };
  }
  const rows = `(SELECT project, ts AS bucket, ${[...keyColumns(source), ...valueColumns(source)].join(', ')} FROM ${source.name} ` +
    'WHERE ts >= epoch_ms($1::BIGINT) AND ts < epoch_ms($2::BIGINT)) AS h';
  return { sql: derivedDeltaSql(t, rows, '', true), params: (from, to) => [from, to] };
}

/** One row per key of `t`'s rows with buckets in [$1, $2]: what compaction writes back for those buckets. */
function compactSql(t: Table): string {
  const keys = keyColumns(t);
  return `SELECT project, ts, ${keys.join(', ')}, ${valueAggregates(t, false).join(', ')}, true AS compacted FROM ${t.name} ` +
    `WHERE ts >= $1::TIMESTAMP AND ts <= $2::TIMESTAMP GROUP BY project, ts, ${keys.join(', ')}`;
}

/**
 * The in-memory accumulators' bounds. A drain derives every table's rows in steps of 2,000 hourly rows with the event
 * loop's turn between them (rollups/accumulator.ts), so its size does not hold up requests; once 100,000 rows are held
 * a write starts before the task's next run, and later batches go to another accumulator. Memory is bounded by an
 * estimate of the held rows' bytes: a distinct hourly key holds ~2.3 KB (under the abuse load, a distinct metric
 * name per event, that is a row per event), a sketch bin ~60 B. Past 64 MB held in all, or 300,000 rows, they are
 * dropped and the next run rolls those events up from the table in SQL, on DuckDB's threads. (Early writes at 10,000
 * rows kept the abuse load's heap small, but wrote every few seconds under ordinary heavy ingest, and the rollups'
 * per-run work then cost more CPU per event than the rows themselves: +36–42 % in the rollups bench.)
 */
const WRITE_AT_ROWS = 100_000;
const MAX_ACCUMULATED_ROWS = 300_000;
const MAX_ACCUMULATED_BYTES = 64 * 1024 * 1024;

/**
 * Rows appended and flushed per turn of the event loop when writing drained rows: flushing a full 2,048-row chunk of
 * the hourly table (42 columns) took ~35 ms of the event loop under the abuse load; half a chunk, half that.
 */
const WRITE_SLICE_ROWS = CHUNK_ROWS / 2;

/**
 * How often the delta rows of ended buckets are merged. Each merge deletes and rewrites rows, and the next checkpoint
 * rewrites the row groups that held them: merging every run (30 s) made the rollups' checkpoint work as large as the
 * events' own (measured in-process: a row group's CHECKPOINT 381 ms of CPU with per-run merges, 190–221 without).
 * Queries read unmerged delta rows correctly (they aggregate rows anyway), only a few more of them.
 */
const COMPACT_EVERY_MS = 10 * 60_000;

/** Buckets merged per statement: bounds the memory of a compaction whatever the backlog. */
const COMPACT_BUCKETS = 48;

export class DuckDbRollups implements Rollups {
  private connection: DuckDBConnection | null = null;
  private readonly runs = new Mutex();
  private readonly sliceEvents: number;
  private readonly compactAfterRows: number;
  private readonly compactEveryMs: number;
  /** When ended buckets were last merged (0: not yet in this process). */
  private compactedAt = 0;
  private readonly maxAccumulatedRows: number;
  private readonly now: () => number;
  /** Rows held in memory at which a write starts before the task's next run (bounds memory under heavy ingest). */
  private readonly writeAtRows: number;
  private early: Promise<unknown> | null = null;
  /** Committed batches since the last drain, rolled up in memory (null until the first batch, or after a drop). */
  private accumulator: RollupAccumulator | null = null;
  /** Full accumulators waiting for a run to write them, oldest first: consecutive seq ranges, before `accumulator`'s. */
  private full: RollupAccumulator[] = [];
  /** STATE_TABLE's day_until as of the last run: days before it are in the daily tables. */
  private days: number | null = null;
  /** The watermark as last committed by this process (or read at init). */
  private mark = -1;
  /** Per project, the latest `ts` of the events rolled up (Rollups.latestRolled): raised before each write commits. */
  private readonly latest = new Map<string, number>();
  /** Rollups.hoursFrom: unknown until init, then the earliest hourly row's hour, raised by each deletion. */
  private hours = Number.POSITIVE_INFINITY;

  constructor(
    private readonly db: DuckDbHandle,
    /** The last event seq the event store has committed. */
    private readonly committedSeq: () => number,
    options: DuckDbRollupsOptions = {},
  ) {
    this.sliceEvents = options.sliceEvents ?? 500_000;
    this.compactAfterRows = options.compactAfterRows ?? 1_000_000;
    this.compactEveryMs = options.compactEveryMs ?? COMPACT_EVERY_MS;
    this.maxAccumulatedRows = options.maxAccumulatedRows ?? MAX_ACCUMULATED_ROWS;
    this.writeAtRows = Math.min(options.writeAtRows ?? WRITE_AT_ROWS, Math.floor(this.maxAccumulatedRows / 2));
    this.now = options.now ?? Date.now;
  }

  /**
   * A batch the event store has just committed, numbered from `firstSeq` — called in commit order. Rolled up in
   * memory; the next run writes it. If the accumulator grows past its bound (runs falling behind), it is dropped and
   * the next run rolls those events up from the table instead: nothing is lost either way.
   */
  accumulate(chunks: ReadonlyArray<{ columns: PluckedColumns; count: number }>, firstSeq: number): void {
    let seq = firstSeq;
    for (const { columns, count } of chunks) {
      if (count === 0) continue;
      if (this.accumulator !== null && (this.accumulator.toSeq + 1 !== seq || this.heldRows() > this.maxAccumulatedRows || this.heldBytes() > MAX_ACCUMULATED_BYTES)) {
        this.dropHeld();
      }
      if (this.accumulator !== null && this.accumulator.size >= this.writeAtRows) {
        this.full.push(this.accumulator);
        this.accumulator = null;
      }
      this.accumulator ??= new RollupAccumulator(seq);
      this.accumulator.addColumns(fromPlucked(columns), count, seq);
      seq += count;
    }
    if ((this.heldRows() >= this.writeAtRows || this.heldBytes() >= MAX_ACCUMULATED_BYTES / 4) && this.early === null && this.connection !== null) {
      // Failures are the next run's to retry (the events stay past the watermark, read raw meanwhile).
      this.early = this.catchUp().catch(() => undefined).finally(() => {
        this.early = null;
      });
    }
  }

  /** Rows held in memory, in all accumulators. */
  private heldRows(): number {
    let rows = this.accumulator?.size ?? 0;
    for (const acc of this.full) rows += acc.size;
    return rows;
  }

  /** Estimated bytes held in memory, in all accumulators. */
  private heldBytes(): number {
    let bytes = this.accumulator?.bytes ?? 0;
    for (const acc of this.full) bytes += acc.bytes;
    return bytes;
  }

  /** Forgets every row held: the next run rolls those events up from the table. */
  private dropHeld(): void {
    this.accumulator = null;
    this.full = [];
  }

  /** The accumulator holding the earliest events (the next to write), if any. */
  private oldest(): RollupAccumulator | null {
    return this.full[0] ?? this.accumulator;
  }

  async init(): Promise<void> {
    if (this.connection !== null) return;
    this.db.retain();
    this.connection = await this.db.connect();
    this.days = await this.readDaysUntil();
    this.mark = await this.readWatermark();
    // Deletions take whole hours before a cutoff: every hour from the earliest left is whole. With none left, hours
    // before the days rolled may have been deleted, and later ones will be written.
    const [[earliest]] = (await this.connection.runAndReadAll(`SELECT epoch_ms(min(ts)) FROM ${HOUR.table}`)).getRows() as [[unknown]];
    this.hours = earliest === null ? (this.days ?? Number.NEGATIVE_INFINITY) : Number(earliest);
    // Every rolled-up event is in an hourly row, or — past the hourly tables' retention — a daily one.
    this.raiseLatest(await this.connection.runAndReadAll(
      `SELECT project, epoch_ms(max(ts_max)) FROM (SELECT project, ts_max FROM ${HOUR.table} UNION ALL SELECT project, ts_max FROM ${DAY_GRAIN.table}) GROUP BY project`,
    ));
  }

  caughtUp(): boolean {
    return this.mark >= this.committedSeq();
  }

  latestRolled(project: string): number | null {
    return this.latest.get(project) ?? null;
  }

  /** Raises `latest` from `(project, epoch ms)` rows. */
  private raiseLatest(result: { getRows(): unknown[][] }): void {
    for (const [project, ms] of result.getRows()) this.raise(String(project), Number(ms));
  }

  private raise(project: string, ms: number): void {
    if (Number.isFinite(ms) && ms > (this.latest.get(project) ?? -Infinity)) this.latest.set(project, ms);
  }

  daysUntil(): number | null {
    return this.days;
  }

  hoursFrom(): number {
    return this.hours;
  }

  async close(): Promise<void> {
    await this.runs.run(async () => {
      const c = this.connection;
      this.connection = null;
      if (c === null) return;
      c.closeSync();
      await this.db.release();
    });
  }

  catchUp(): Promise<RollupRun> {
    return this.runs.run(async () => {
      let events = 0;
      let watermark = await this.readWatermark();
      let compacted = 0;
      // From the table: what the accumulator does not hold (a backlog from before this process, or a dropped range).
      const start = watermark;
      watermark = await rollUpInSlices({
        watermark,
        until: (reached) => {
          const acc = this.oldest();
          return acc !== null && acc.fromSeq > reached ? acc.fromSeq - 1 : this.committedSeq();
        },
        sliceEvents: this.sliceEvents,
        slice: async (from, to) => {
          await this.rollSlice(from, to, this.days);
          this.mark = to;
          // Per slice, so a long catch-up never leaves more than one slice's deltas to merge at once.
          if (await this.uncompactedRows() >= this.compactAfterRows) compacted += await this.compact(false);
        },
      });
      events += watermark - start;
      // From memory: the batches committed since — the full accumulators in order, then the one being filled.
      for (;;) {
        const acc = this.oldest();
        if (acc !== null && acc.fromSeq === watermark + 1 && acc.toSeq >= acc.fromSeq) {
          const current = acc === this.accumulator;
          if (!current) this.full.shift();
          const drained = await acc.drain(nextTick, this.days);
          try {
            await this.write(drained);
          } catch (error) {
            // Those events stay past the watermark, read raw; the next run rolls them up from the table.
            this.dropHeld();
            throw error;
          }
          events += drained.toSeq - drained.fromSeq + 1;
          watermark = drained.toSeq;
          this.mark = watermark;
          // Batches committed while the one being filled was written wait for the next run.
          if (current) break;
        } else {
          // Already covered from the table (started during a catch-up): start afresh after the watermark.
          if (acc !== null && acc.fromSeq <= watermark) this.dropHeld();
          break;
        }
      }
      const days = await this.rollDays(watermark);
      const waiting = await this.uncompactedRows();
      if (waiting >= this.compactAfterRows / 10 || this.now() - this.compactedAt >= this.compactEveryMs) {
        compacted += await this.compact(waiting < this.compactAfterRows);
        this.compactedAt = this.now();
      }
      return { events, watermark, compacted, days };
    });
  }

  /** Merges every table's delta rows into one row per key now, whatever their number. */
  compactNow(): Promise<number> {
    return this.runs.run(() => this.compact(false));
  }

  deleteBefore(cutoffs: RollupCutoffs): Promise<number> {
    // Before the rows go: a query planned from now on does not count on them.
    this.hours = Math.max(this.hours, cutoffs.hour);
    return this.runs.run(async () => {
      const c = this.open();
      return this.db.sideTransaction(c, async () => {
        let deleted = 0;
        for (const t of TABLES) {
          const result = await c.run(`DELETE FROM ${t.name} WHERE ts < epoch_ms($1::BIGINT)`, [cutoffs[t.grain.name]]);
          deleted += result.rowsChanged;
        }
        return deleted;
      });
    });
  }

  status(): Promise<RollupStatus> {
    return this.runs.run(async () => {
      const c = this.open();
      const watermark = await this.readWatermark();
      const counts = (await c.runAndReadAll(TABLES.map((t) => `SELECT '${t.name}' AS t, count(*) AS n FROM ${t.name}`).join(' UNION ALL '))).getRows();
      return {
        watermark,
        daysUntil: this.days,
        behind: Math.max(0, this.committedSeq() - watermark),
        rows: Object.fromEntries(counts.map((r) => [String(r[0]), Number(r[1])])),
      };
    });
  }

  private open(): DuckDBConnection {
    if (this.connection === null) throw new Error('the rollups are closed');
    return this.connection;
  }

  private async readWatermark(): Promise<number> {
    const rows = (await this.open().runAndReadAll(`SELECT watermark FROM ${STATE_TABLE} WHERE id = 1`)).getRows();
    return Number(rows[0]?.[0] ?? 0);
  }

  private async readDaysUntil(): Promise<number | null> {
    const rows = (await this.open().runAndReadAll(`SELECT day_until FROM ${STATE_TABLE} WHERE id = 1`)).getRows();
    const v = rows[0]?.[0];
    return v === null || v === undefined ? null : Number(v);
  }

  /**
   * Rolls every day that has ended since the last roll into the daily tables — one transaction per day, moving
   * `day_until` with it — from the hourly rows (complete up to `watermark`, which this run has just written) and,
   * for the daily sketch by all ten dimensions, from the day's events up to the watermark. Events of rolled days
   * that come later (late events, or events past the watermark now) reach the daily tables as deltas, with their
   * hourly rows. The first roll starts at the earliest hourly row's day (or today, when there is none). Days without
   * hourly rows have nothing to roll: `day_until` moves past them with the next day that has some (a store holding a
   * few events of long ago rolled ~640 empty days, a transaction each, for 14 s on its first run).
   */
  private async rollDays(watermark: number): Promise<number> {
    const c = this.open();
    const today = Math.floor(this.now() / DAY) * DAY;
    const hourly = GRAINS.find((g) => g.name === 'hour')!.table;
    let from = this.days;
    if (from === null) {
      const first = (await c.runAndReadAll(`SELECT epoch_ms(min(ts)) FROM ${hourly}`)).getRows()[0]?.[0];
      from = first === null || first === undefined ? today : Math.floor(Number(first) / DAY) * DAY;
    }
    const busy = from >= today ? [] : (await c.runAndReadAll(
      `SELECT DISTINCT epoch_ms(date_trunc('day', ts)) AS day FROM ${hourly} WHERE ts >= epoch_ms($1::BIGINT) AND ts < epoch_ms($2::BIGINT) ORDER BY day`,
      [from, today],
    )).getRows().map(([day]) => Number(day));
    // Each step rolls [day, end) and moves day_until to `end`; a last empty step moves it to today (an empty store's
    // first run included).
    const steps = busy.map((day) => ({ day, end: day + DAY }));
    if (this.days === null || (steps.at(-1)?.end ?? this.days) < today) steps.push({ day: today, end: today });
    let rolled = 0;
    for (const { day, end } of steps) {
      await this.db.sideTransaction(c, async () => {
        for (const t of end > day ? TABLES : []) {
          if (t.grain.name !== 'day') continue;
          const roll = rollDaySql(t);
          await c.run(`INSERT INTO ${t.name} ${roll.sql}`, roll.params(day, end, watermark));
        }
        const moved = await c.run(`UPDATE ${STATE_TABLE} SET day_until = $1::BIGINT WHERE id = 1 AND day_until IS NOT DISTINCT FROM $2::BIGINT`, [end, this.days]);
        if (moved.rowsChanged !== 1) throw new Error('the rollups\' day_until moved under this run');
      });
      this.days = end;
      if (end > day) rolled++;
      await nextTick();
    }
    return rolled;
  }

  private async uncompactedRows(): Promise<number> {
    const sql = TABLES.map((t) => `SELECT count(*) AS n FROM ${t.name} WHERE NOT compacted`).join(' UNION ALL ');
    const rows = (await this.open().runAndReadAll(`SELECT sum(n) FROM (${sql})`)).getRows();
    return Number(rows[0]?.[0] ?? 0);
  }

  /**
   * Aggregates events (from, to] into temporary delta tables, then appends them and moves the watermark in one
   * transaction, so a query sees both or neither. None of it takes the event store's write lock: this connection
   * writes only rollup tables, which nothing else writes, so DuckDB runs it beside ingest's commits.
   */
  private async rollSlice(from: number, to: number, daysUntil: number | null): Promise<void> {
    const c = this.open();
    // Daily deltas only for days already rolled (late events): later days are rolled from the hourly rows.
    const tables = TABLES.filter((t) => t.grain.name !== 'day' || daysUntil !== null);
    const temps = tables.map((t) => ({ table: t.name, temp: `delta_${t.name}` }));
    try {
      // In TABLES order: a table's deltas may come from an earlier table's deltas (derivedFrom).
      for (const t of tables) {
        const source = derivedFrom(t);
        const day = t.grain.name === 'day';
        if (source !== undefined) {
          const sql = derivedDeltaSql(t, `delta_${source.name}`, day ? ' WHERE bucket < epoch_ms($1::BIGINT)' : '');
          await c.run(`CREATE OR REPLACE TEMP TABLE delta_${t.name} AS ${sql}`, day ? [daysUntil] : []);
        } else if (day) {
          await c.run(`CREATE OR REPLACE TEMP TABLE delta_${t.name} AS ${fromEventsSql(t, ' AND ts < epoch_ms($3::BIGINT)')}`, [from, to, daysUntil]);
        } else await c.run(`CREATE OR REPLACE TEMP TABLE delta_${t.name} AS ${fromEventsSql(t)}`, [from, to]);
      }
      await this.db.sideTransaction(c, async () => {
        for (const { table, temp } of temps) await c.run(`INSERT INTO ${table} SELECT * FROM ${temp}`);
        this.raiseLatest(await c.runAndReadAll(`SELECT project, epoch_ms(max(ts_max)) FROM delta_${HOUR.table} GROUP BY project`));
        const moved = await c.run(`UPDATE ${STATE_TABLE} SET watermark = $2::BIGINT WHERE id = 1 AND watermark = $1::BIGINT`, [from, to]);
        if (moved.rowsChanged !== 1) throw new Error(`the rollup watermark moved from ${from} under this run`);
      });
    } finally {
      for (const { temp } of temps) await c.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
    }
  }

  /**
   * Rewrites the rows of buckets that have delta rows as one row per key; returns the delta rows merged. With
   * `closedOnly`, only buckets that have ended: an open bucket keeps collecting deltas (queries read a bucket's rows
   * only once it has ended, except a range reaching into the future), so it is rewritten once, not every run.
   */
  private async compact(closedOnly: boolean): Promise<number> {
    const c = this.open();
    let merged = 0;
    for (const t of TABLES) {
      const closed = closedOnly ? ` AND ts < epoch_ms(${Math.floor(this.now() - GRAIN_MS[t.grain.name])}::BIGINT)` : '';
      const dirty = (await c.runAndReadAll(`SELECT DISTINCT CAST(ts AS VARCHAR) FROM ${t.name} WHERE NOT compacted${closed} ORDER BY 1`)).getRows().map((r) => String(r[0]));
      for (let i = 0; i < dirty.length; i += COMPACT_BUCKETS) {
        const chunk = dirty.slice(i, i + COMPACT_BUCKETS);
        merged += await this.compactBuckets(c, t, chunk[0]!, chunk[chunk.length - 1]!);
      }
    }
    return merged;
  }

  /** Appends drained rows and moves the watermark to their last seq, in one transaction. */
  private async write(drained: Drained): Promise<void> {
    const c = this.open();
    await this.db.sideTransaction(c, async () => {
      for (const t of drained.tables) {
        if (t.rows.length === 0) continue;
        // The appender's calls are synchronous and block the event loop for as long as DuckDB makes them wait — behind
        // the event store's commit or checkpoint on the writer connection (measured: 50 ms in createAppender under
        // ingest). Each runs under the writer's lock, so it waits for those asynchronously instead.
        const appender = await this.db.writeLock.run(() => c.createAppender(t.table));
        try {
          const types: DuckDBType[] = [];
          for (let i = 0; i < appender.columnCount; i++) types.push(appender.columnType(i));
          const writers = columnWriters(t);
          const chunk = DuckDBDataChunk.create(types);
          for (let start = 0; start < t.rows.length; start += WRITE_SLICE_ROWS) {
            const count = Math.min(WRITE_SLICE_ROWS, t.rows.length - start);
            chunk.reset();
            chunk.rowCount = count;
            writers.forEach((write, col) => write(duckdb.data_chunk_get_vector(chunk.chunk, col), t.rows, start, count));
            // A chunk at a time, then the event loop's turn: a long write never holds up requests.
            await this.db.writeLock.run(async () => {
              appender.appendDataChunk(chunk);
              appender.flushSync();
            });
            await nextTick();
          }
        } finally {
          await this.db.writeLock.run(async () => appender.closeSync());
        }
      }
      // Every event has an hourly row; a row without its latest time counts as reaching its bucket's end.
      const hourly = drained.tables.find((t) => t.table === HOUR.table);
      const at = hourly?.valueColumns.indexOf('ts_max') ?? -1;
      if (at < 0 && drained.toSeq >= drained.fromSeq) throw new Error('the drained rollups have no hourly ts_max');
      for (const row of hourly?.rows ?? []) this.raise(row.project, row.values[at] ?? row.ts + GRAIN_MS.hour);
      const moved = await c.run(`UPDATE ${STATE_TABLE} SET watermark = $2::BIGINT WHERE id = 1 AND watermark = $1::BIGINT`, [drained.fromSeq - 1, drained.toSeq]);
      if (moved.rowsChanged !== 1) throw new Error(`the rollup watermark is not at ${drained.fromSeq - 1}`);
    });
  }

  /** Merges the rows of `t` with buckets in [first, last] in one transaction. */
  private async compactBuckets(c: DuckDBConnection, t: Table, first: string, last: string): Promise<number> {
    const temp = `compact_${t.name}`;
    try {
      await c.run(`CREATE OR REPLACE TEMP TABLE ${temp} AS ${compactSql(t)}`, [first, last]);
      return await this.db.sideTransaction(c, async () => {
        const deleted = await c.run(`DELETE FROM ${t.name} WHERE ts >= $1::TIMESTAMP AND ts <= $2::TIMESTAMP`, [first, last]);
        const inserted = await c.run(`INSERT INTO ${t.name} SELECT * FROM ${temp}`);
        return deleted.rowsChanged - inserted.rowsChanged;
      });
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
    }
  }
}

type ValueKind = 'bigint' | 'double' | 'timestamp';

/** The DDL type of a value column: partials by their definition, sketch and phase counts BIGINT, `sum_ms` DOUBLE. */
function columnKind(table: string, column: string): ValueKind {
  if (column === 'n' && !table.startsWith('rollup_')) return 'bigint';
  if (column === 'sum_ms') return 'double';
  const t = partialDef(column as Parameters<typeof partialDef>[0]).sqlType;
  return t === 'BIGINT' ? 'bigint' : t === 'DOUBLE' ? 'double' : 'timestamp';
}

type Row = TableRows['rows'][number];
type ColumnWriter = (vector: Parameters<typeof writeVarchar>[0], rows: readonly Row[], start: number, count: number) => void;

/**
 * One writer per table column, in table order — project, ts, key columns, value columns, compacted — filling DuckDB
 * vectors a chunk at a time (as the event store fills its chunks): one native call per column per 2,048 rows
 * instead of one per value.
 */
function columnWriters(t: TableRows): ColumnWriter[] {
  const whole = (v: number | null): number | null => (v === null ? null : Math.round(v));
  const writers: ColumnWriter[] = [
    (v, rows, start, count) => writeVarchar(v, rows, start, count, (r) => r.project),
    (v, rows, start, count) => writeInt64(v, rows, start, count, (r) => r.ts, 1000),
  ];
  t.keyColumns.forEach((k, j) => {
    writers.push(k === 'bin'
      ? (v, rows, start, count) => writeInt32(v, rows, start, count, (r) => r.key[j] as number)
      : (v, rows, start, count) => writeVarchar(v, rows, start, count, (r) => r.key[j] as string | null));
  });
  t.valueColumns.forEach((column, j) => {
    const kind = columnKind(t.table, column);
    writers.push(kind === 'double'
      ? (v, rows, start, count) => writeFloat64(v, rows, start, count, (r) => r.values[j] ?? null)
      : kind === 'bigint'
        ? (v, rows, start, count) => writeInt64(v, rows, start, count, (r) => whole(r.values[j] ?? null))
        : (v, rows, start, count) => writeInt64(v, rows, start, count, (r) => whole(r.values[j] ?? null), 1000));
  });
  writers.push((v, rows, start, count) => writeBoolean(v, rows, start, count, () => false));
  return writers;
}
