/**
 * The user rollups (docs/retention.md "User rollups"): the day tables of tables.ts and `user_first_seen` (each
 * user's first event and latest plan), kept up to their own watermark (`user_rollup_state`). Queries read them up to
 * the watermark and raw events after it (source.ts), so answers stay exact and live while they lag.
 *
 * Kept as the hourly rollups are (store/duckdb/rollups.ts), for the same reasons of cost: committed batches are
 * aggregated in memory as they commit (accumulator.ts) and each run *appends* their rows as delta rows
 * (`compacted = false`) — no rescan of the events, and no rewrite of rows already written, which would make the next
 * checkpoint rewrite their row groups. Events that memory does not hold (a backlog from before this process, a
 * dropped range) are aggregated from the table by SQL, a slice at a time, into delta rows too. Readers merge rows by
 * key anyway (read.ts), so a day's delta rows are merged into one row per key only once they are twice as many as
 * its merged rows (and at least `compactMinRows`): a merge rewrites at most one and a half times the delta rows that
 * led to it, and a day holds at most about three times its merged rows. `user_first_seen` (one row per user, upserted) is written only for
 * users whose first time or plan changes (first-seen.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DuckDbHandle } from '../../store/duckdb/open.js';
import { HeldAccumulators, type CommittedChunks } from '../../store/duckdb/held-accumulators.js';
import { Mutex } from '../../store/duckdb/mutex.js';
import { UserRollupAccumulator, type DrainedUsers } from './accumulator.js';
import { appendRows, dayColumnWriters, FIRST_SEEN_WRITERS, rowIndexes } from './append-rows.js';
import { FirstSeenBounds } from './first-seen.js';
import { columnNames, DAY_TABLES, USER_DAY, USER_SESSION_DAY, type DayTable } from './tables.js';

/** One catch-up's outcome (`/api/background-tasks` shows the last). */
export interface UserRollupRun {
  events: number;
  watermark: number;
  /** Writes this run made: slices rolled up from the table and drains of memory. */
  slices: number;
  /** Delta rows merged away by this run's compactions. */
  compacted: number;
}

export interface UserRollupStatus {
  watermark: number;
  /** Committed events past the watermark (read raw by queries meanwhile). */
  behind: number;
  /** Rows per table. */
  rows: Record<string, number>;
  /** Delta rows (not merged yet) per day table. */
  deltaRows: Record<string, number>;
}

export interface UserRollupsOptions {
  /** Events per slice rolled up from the table (one transaction each); default 1,000,000. */
  sliceEvents?: number;
  /** A day's delta rows of a table are merged once there are this many, and twice its merged rows; default 50,000. */
  compactMinRows?: number;
  /** Rows held in memory past which they are dropped (rolled up from the table instead); default 300,000. */
  maxAccumulatedRows?: number;
  /** Rows held in memory at which a write starts before the task's next run; default 100,000 (at most half the bound). */
  writeAtRows?: number;
  /** Events held in memory at which a write starts before the task's next run; default 1,000,000. */
  writeAtEvents?: number;
  /** Users whose first-seen row this process remembers; default 200,000. */
  firstSeenUsers?: number;
}

const MAX_ACCUMULATED_BYTES = 64 * 1024 * 1024;
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const DAY = `date_trunc('day', ts)`;
const FIRST_SEEN_DELTA = 'user_first_seen_delta';

/** The rows a slice of events (seq in ($1, $2]) adds to `t`, one per key. */
function sliceSql(t: DayTable): string {
  const keys = t.keys.map((k) => `${k.event} AS ${k.name}`);
  const groups = ['project', DAY, ...t.keys.map((k) => k.event)];
  const where = ['seq > $1::BIGINT', 'seq <= $2::BIGINT', ...(t.events ? [t.events] : [])];
  return `SELECT project, ${DAY} AS day, ${keys.join(', ')}, ${t.columns.map((c) => `${c.slice} AS ${c.name}`).join(', ')} ` +
    `FROM events WHERE ${where.join(' AND ')} GROUP BY ${groups.join(', ')}`;
}

/** `t`'s rows of `from` (a table with `t`'s columns, or a finer one: user_day from user_session_day), merged per key. */
function mergeSql(t: DayTable, from: string, where: string): string {
  const keys = ['project', 'day', ...t.keys.map((k) => k.name)].join(', ');
  return `SELECT ${keys}, ${t.columns.map((c) => `${c.merge} AS ${c.name}`).join(', ')} FROM ${from} WHERE ${where} GROUP BY ${keys}`;
}

/** Sorted by day and key, so a day range and a type scan few row groups. */
const sortKeys = (t: DayTable): string => ['project', 'day', ...[...t.keys].reverse().map((k) => k.name)].join(', ');

const NEWER_PLAN = 'excluded.plan_ts IS NOT NULL AND (user_first_seen.plan_ts IS NULL OR excluded.plan_ts > user_first_seen.plan_ts)';

/** Upserts first-seen rows from `from` (project, user_id, first_ts, plan, plan_ts; one row per user), changing only what moves. */
const upsertFirstSeen = (from: string): string =>
  `INSERT INTO user_first_seen SELECT project, user_id, first_ts, plan, plan_ts FROM ${from}
   ON CONFLICT (project, user_id) DO UPDATE SET first_ts = least(user_first_seen.first_ts, excluded.first_ts),
     plan = CASE WHEN ${NEWER_PLAN} THEN excluded.plan ELSE user_first_seen.plan END,
     plan_ts = CASE WHEN ${NEWER_PLAN} THEN excluded.plan_ts ELSE user_first_seen.plan_ts END
   WHERE excluded.first_ts < user_first_seen.first_ts OR (${NEWER_PLAN})`;

/** Per table, per day (epoch ms): its merged rows, its delta rows, and the writes that added those. */
type DayCounts = Map<string, Map<number, { merged: number; delta: number; writes: number }>>;

export class UserRollups {
  private connection: DuckDBConnection | null = null;
  /** Catch-ups and deletes, one at a time (they write the same rows). */
  private readonly runs = new Mutex();
  private readonly sliceEvents: number;
  private readonly compactMinRows: number;
  private readonly held: HeldAccumulators<UserRollupAccumulator>;
  private readonly firstSeen: FirstSeenBounds;
  private counts: DayCounts = new Map();

  constructor(
    private readonly db: DuckDbHandle,
    /** The last event seq the event store has committed. */
    private readonly committedSeq: () => number,
    options: UserRollupsOptions = {},
  ) {
    this.sliceEvents = Math.max(1, options.sliceEvents ?? 1_000_000);
    this.compactMinRows = Math.max(1, options.compactMinRows ?? 50_000);
    const maxRows = options.maxAccumulatedRows ?? 300_000;
    this.held = new HeldAccumulators({
      create: (fromSeq) => new UserRollupAccumulator(fromSeq),
      add: (acc, columns, count, firstSeq) => acc.addColumns(columns, count, firstSeq),
      bounds: {
        maxRows, maxBytes: MAX_ACCUMULATED_BYTES, writeAtRows: Math.min(options.writeAtRows ?? 100_000, Math.floor(maxRows / 2)),
        // Queries read the events past the watermark raw: under heavy ingest they are written sooner than the task's run.
        writeAtEvents: options.writeAtEvents ?? 1_000_000,
      },
      writeEarly: () => (this.connection === null ? null : this.catchUp()),
    });
    this.firstSeen = new FirstSeenBounds(options.firstSeenUsers ?? 200_000);
  }

  async init(): Promise<void> {
    if (this.connection !== null) return;
    this.db.retain();
    this.connection = await this.db.connect();
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${FIRST_SEEN_DELTA} AS SELECT project, user_id, first_ts, plan, plan_ts FROM user_first_seen LIMIT 0`);
    this.counts = await this.readCounts();
  }

  /** A batch the event store has just committed, numbered from `firstSeq` (in commit order): aggregated in memory. */
  accumulate(chunks: CommittedChunks, firstSeq: number): void {
    try {
      this.held.add(chunks, firstSeq);
    } catch {
      // Never the committing caller's failure: those events are rolled up from the table instead.
      this.held.drop();
    }
  }

  async close(): Promise<void> {
    // What memory holds is written now, not rolled up from the table by the next process.
    if (this.connection !== null) await this.catchUp().catch(() => undefined);
    await this.runs.run(async () => {
      const c = this.connection;
      this.connection = null;
      if (c === null) return;
      c.closeSync();
      await this.db.release();
    });
  }

  /** Rolls up every event committed past the watermark; returns what it did. */
  catchUp(): Promise<UserRollupRun> {
    return this.runs.run(async () => {
      let slices = 0;
      let compacted = 0;
      const { events, watermark } = await this.held.catchUp({
        watermark: await this.watermark(),
        committed: this.committedSeq,
        sliceEvents: this.sliceEvents,
        fromTable: async (from, to) => {
          compacted += await this.compactDue(await this.rollSlice(from, to));
          slices++;
        },
        fromMemory: async (acc) => {
          const drained = await acc.drain(nextTick);
          compacted += await this.compactDue(await this.write(drained));
          slices++;
          return drained.toSeq;
        },
      });
      return { events, watermark, slices, compacted };
    });
  }

  /**
   * Retention: deletes `user_day` rows of days before `beforeMs`' day, and the first-seen rows of users who have
   * none left; a user whose first day went keeps their earliest remaining time. Returns the rows deleted.
   */
  deleteBefore(beforeMs: number): Promise<number> {
    return this.runs.run(async () => {
      const c = this.open();
      const cutoff = `date_trunc('day', epoch_ms($1::BIGINT))`;
      await c.run('BEGIN TRANSACTION');
      try {
        let deleted = 0;
        for (const t of DAY_TABLES) deleted += (await c.run(`DELETE FROM ${t.name} WHERE day < ${cutoff}`, [beforeMs])).rowsChanged;
        const mine = `FROM ${USER_DAY.name} d WHERE d.project = f.project AND d.user_id = f.user_id`;
        deleted += (await c.run(`DELETE FROM user_first_seen f WHERE first_ts < ${cutoff} AND NOT EXISTS (SELECT 1 ${mine})`, [beforeMs])).rowsChanged;
        await c.run(
          `UPDATE user_first_seen f SET first_ts = (SELECT min(d.first_ts) ${mine}), plan = (SELECT arg_max(d.plan, d.plan_ts) ${mine}),
             plan_ts = (SELECT max(d.plan_ts) ${mine}) WHERE first_ts < ${cutoff}`,
          [beforeMs],
        );
        await c.run('COMMIT');
        return deleted;
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        // First times may have moved later: what this process knew of them no longer holds.
        this.firstSeen.clear();
        this.counts = await this.readCounts();
      }
    });
  }

  status(): Promise<UserRollupStatus> {
    return this.runs.run(async () => {
      const c = this.open();
      const watermark = await this.watermark();
      const names = [...DAY_TABLES.map((t) => t.name), 'user_first_seen'];
      const [row] = (await c.runAndReadAll(`SELECT ${names.map((n) => `(SELECT count(*) FROM ${n})`).join(', ')}`)).getRows();
      const deltaRows: Record<string, number> = {};
      for (const t of DAY_TABLES) {
        let rows = 0;
        for (const day of this.counts.get(t.name)?.values() ?? []) rows += day.delta;
        deltaRows[t.name] = rows;
      }
      return {
        watermark,
        behind: Math.max(0, this.committedSeq() - watermark),
        rows: Object.fromEntries(names.map((n, i) => [n, Number(row?.[i] ?? 0)])),
        deltaRows,
      };
    });
  }

  private open(): DuckDBConnection {
    if (this.connection === null) throw new Error('the user rollups are closed');
    return this.connection;
  }

  private async watermark(): Promise<number> {
    const rows = (await this.open().runAndReadAll('SELECT watermark FROM user_rollup_state WHERE id = 1')).getRows();
    return Number(rows[0]?.[0] ?? 0);
  }

  /** Merged and delta rows per table and day, as stored (only this class writes these tables). */
  private async readCounts(): Promise<DayCounts> {
    const counts: DayCounts = new Map();
    for (const t of DAY_TABLES) {
      const byDay = new Map<number, { merged: number; delta: number; writes: number }>();
      const sql = `SELECT epoch_ms(day), count(*) FILTER (WHERE compacted IS NOT false), count(*) FILTER (WHERE compacted = false) FROM ${t.name} GROUP BY day`;
      for (const [day, merged, delta] of (await this.open().runAndReadAll(sql)).getRows()) {
        // Delta rows from an earlier process: from at least one write, maybe more.
        byDay.set(Number(day), { merged: Number(merged), delta: Number(delta), writes: Number(delta) > 0 ? 2 : 0 });
      }
      counts.set(t.name, byDay);
    }
    return counts;
  }

  /** Counts delta rows a committed write added: per table, rows per day. */
  private added(table: string, perDay: ReadonlyMap<number, number>): void {
    const byDay = this.counts.get(table)!;
    for (const [day, rows] of perDay) {
      const c = byDay.get(day);
      if (c === undefined) byDay.set(day, { merged: 0, delta: rows, writes: 1 });
      else {
        c.delta += rows;
        c.writes++;
      }
    }
  }

  /** Moves the watermark from `from` to `to` in the caller's transaction, or throws when another run moved it. */
  private async moveWatermark(c: DuckDBConnection, from: number, to: number): Promise<void> {
    const moved = await c.run('UPDATE user_rollup_state SET watermark = $2::BIGINT WHERE id = 1 AND watermark = $1::BIGINT', [from, to]);
    if (moved.rowsChanged !== 1) throw new Error(`the user rollup watermark moved from ${from} under this run`);
  }

  /**
   * Appends drained rows as delta rows, upserts the first-seen rows that change, and moves the watermark to the last
   * seq they hold, in one transaction. Returns the days written per table.
   */
  private async write(drained: DrainedUsers): Promise<Map<string, Map<number, number>>> {
    const c = this.open();
    const firstSeen = this.firstSeen.changes(drained.firstSeen);
    const perDay = new Map<string, Map<number, number>>();
    for (const rows of drained.tables) {
      const days = new Map<number, number>();
      for (let i = 0; i < rows.size; i++) days.set(rows.day[i]!, (days.get(rows.day[i]!) ?? 0) + 1);
      perDay.set(rows.table.name, days);
    }
    await c.run('BEGIN TRANSACTION');
    try {
      for (const rows of drained.tables) await appendRows(c, rows.table.name, dayColumnWriters(rows), rowIndexes(rows.size));
      if (firstSeen.length > 0) {
        await c.run(`DELETE FROM ${FIRST_SEEN_DELTA}`);
        await appendRows(c, FIRST_SEEN_DELTA, FIRST_SEEN_WRITERS, firstSeen, 'temp');
        await c.run(upsertFirstSeen(FIRST_SEEN_DELTA));
      }
      await this.moveWatermark(c, drained.fromSeq - 1, drained.toSeq);
      await c.run('COMMIT');
    } catch (error) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.firstSeen.wrote(firstSeen);
    for (const [table, days] of perDay) this.added(table, days);
    return perDay;
  }

  /**
   * Aggregates events (from, to] into temporary tables — user_day's rows from user_session_day's, which hold every
   * event — then appends them as delta rows, upserts first-seen times and moves the watermark in one transaction: a
   * query sees all or none. Returns the days written per table.
   */
  private async rollSlice(from: number, to: number): Promise<Map<string, Map<number, number>>> {
    const c = this.open();
    const delta = (t: DayTable): string => `delta_${t.name}`;
    const perDay = new Map<string, Map<number, number>>();
    try {
      for (const t of DAY_TABLES) {
        const sql = t === USER_DAY ? mergeSql(USER_DAY, delta(USER_SESSION_DAY), USER_DAY.events!) : sliceSql(t);
        await c.run(`CREATE OR REPLACE TEMP TABLE ${delta(t)} AS ${sql}`, t === USER_DAY ? [] : [from, to]);
        const rows = (await c.runAndReadAll(`SELECT epoch_ms(day), count(*) FROM ${delta(t)} GROUP BY day`)).getRows();
        perDay.set(t.name, new Map(rows.map(([day, n]) => [Number(day), Number(n)])));
      }
      await c.run('BEGIN TRANSACTION');
      try {
        for (const t of DAY_TABLES) {
          const cols = columnNames(t).join(', ');
          await c.run(`INSERT INTO ${t.name} (${cols}, compacted) SELECT ${cols}, false FROM ${delta(t)}`);
        }
        const firstSeen = `(SELECT project, user_id, min(first_ts) AS first_ts, arg_max(plan, plan_ts) AS plan, max(plan_ts) AS plan_ts FROM ${delta(USER_DAY)} GROUP BY project, user_id)`;
        await c.run(upsertFirstSeen(firstSeen));
        await this.moveWatermark(c, from, to);
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      for (const t of DAY_TABLES) await c.run(`DROP TABLE IF EXISTS ${delta(t)}`).catch(() => undefined);
    }
    for (const [table, days] of perDay) this.added(table, days);
    return perDay;
  }

  /**
   * Merges the rows of each day just written whose delta rows have come from more than one write (a single write's
   * are one per key already) and number at least `compactMinRows` and twice the day's merged rows. Returns the rows
   * merged away.
   */
  private async compactDue(written: ReadonlyMap<string, ReadonlyMap<number, number>>): Promise<number> {
    let merged = 0;
    for (const t of DAY_TABLES) {
      const byDay = this.counts.get(t.name)!;
      for (const day of written.get(t.name)?.keys() ?? []) {
        const c = byDay.get(day);
        if (c === undefined || c.writes < 2 || c.delta < Math.max(this.compactMinRows, 2 * c.merged)) continue;
        merged += await this.compactDay(t, day);
      }
    }
    return merged;
  }

  /** Rewrites `t`'s rows of `day` as one row per key, in one transaction; returns the rows merged away. */
  private async compactDay(t: DayTable, day: number): Promise<number> {
    const c = this.open();
    const temp = `compact_${t.name}`;
    const where = `day = epoch_ms(${Math.trunc(day)}::BIGINT)`;
    try {
      await c.run(`CREATE OR REPLACE TEMP TABLE ${temp} AS ${mergeSql(t, t.name, where)} ORDER BY ${sortKeys(t)}`);
      await c.run('BEGIN TRANSACTION');
      let before: number;
      let after: number;
      try {
        before = (await c.run(`DELETE FROM ${t.name} WHERE ${where}`)).rowsChanged;
        const cols = columnNames(t).join(', ');
        after = (await c.run(`INSERT INTO ${t.name} (${cols}, compacted) SELECT ${cols}, true FROM ${temp}`)).rowsChanged;
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
      this.counts.get(t.name)!.set(day, { merged: after, delta: 0, writes: 0 });
      return before - after;
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
    }
  }
}
