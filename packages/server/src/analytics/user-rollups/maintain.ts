/**
 * The user rollups (docs/retention.md "User rollups"): the day tables of tables.ts and `user_first_seen` (each
 * user's first event and latest plan), kept from the events past their own watermark (`user_rollup_state`) by SQL,
 * a slice at a time. Queries read them up to the watermark and raw events after it (source.ts), so answers stay
 * exact and live while they lag.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DuckDbHandle } from '../../store/duckdb/open.js';
import { Mutex } from '../../store/duckdb/mutex.js';
import { columnNames, DAY_TABLES, USER_DAY, type DayTable } from './tables.js';

/** One catch-up's outcome (`/api/background-tasks` shows the last). */
export interface UserRollupRun {
  events: number;
  watermark: number;
  /** Slices this run wrote. */
  slices: number;
}

export interface UserRollupStatus {
  watermark: number;
  /** Committed events past the watermark (read raw by queries meanwhile). */
  behind: number;
  /** Rows per table. */
  rows: Record<string, number>;
}

export interface UserRollupsOptions {
  /** Events per slice (one transaction each); default 1,000,000. */
  sliceEvents?: number;
}

const DAY = `date_trunc('day', ts)`;

/** The rows a slice of events (seq in ($1, $2]) adds to `t`, one per key. */
function sliceSql(t: DayTable): string {
  const keys = t.keys.map((k) => `${k.event} AS ${k.name}`);
  const groups = ['project', DAY, ...t.keys.map((k) => k.event)];
  const where = ['seq > $1::BIGINT', 'seq <= $2::BIGINT', ...(t.events ? [t.events] : [])];
  return `SELECT project, ${DAY} AS day, ${keys.join(', ')}, ${t.columns.map((c) => `${c.slice} AS ${c.name}`).join(', ')} ` +
    `FROM events WHERE ${where.join(' AND ')} GROUP BY ${groups.join(', ')}`;
}

/** The days a slice touched, rewritten as one row per key from their current rows and the slice's. */
function mergedSql(t: DayTable): string {
  const cols = columnNames(t).join(', ');
  const keys = ['project', 'day', ...t.keys.map((k) => k.name)].join(', ');
  return `SELECT ${keys}, ${t.columns.map((c) => `${c.merge} AS ${c.name}`).join(', ')} FROM (` +
    `SELECT ${cols} FROM ${t.name} u WHERE EXISTS (SELECT 1 FROM ud_days d WHERE d.project = u.project AND d.day = u.day) ` +
    `UNION ALL SELECT ${cols} FROM delta_${t.name}) GROUP BY ${keys}`;
}

const NEWER_PLAN = 'excluded.plan_ts IS NOT NULL AND (user_first_seen.plan_ts IS NULL OR excluded.plan_ts > user_first_seen.plan_ts)';

export class UserRollups {
  private connection: DuckDBConnection | null = null;
  /** Catch-ups and deletes, one at a time (they rewrite the same rows). */
  private readonly runs = new Mutex();
  private readonly sliceEvents: number;

  constructor(private readonly db: DuckDbHandle, options: UserRollupsOptions = {}) {
    this.sliceEvents = Math.max(1, options.sliceEvents ?? 1_000_000);
  }

  async init(): Promise<void> {
    if (this.connection !== null) return;
    this.db.retain();
    this.connection = await this.db.connect();
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

  /** Rolls up every event committed past the watermark, a slice per transaction; returns what it did. */
  catchUp(): Promise<UserRollupRun> {
    return this.runs.run(async () => {
      let watermark = await this.watermark();
      const committed = await this.committedSeq(watermark);
      let events = 0;
      let slices = 0;
      while (watermark < committed) {
        const to = Math.min(committed, watermark + this.sliceEvents);
        await this.rollSlice(watermark, to);
        events += to - watermark;
        watermark = to;
        slices++;
      }
      return { events, watermark, slices };
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
      }
    });
  }

  status(): Promise<UserRollupStatus> {
    return this.runs.run(async () => {
      const c = this.open();
      const watermark = await this.watermark();
      const names = [...DAY_TABLES.map((t) => t.name), 'user_first_seen'];
      const [row] = (await c.runAndReadAll(`SELECT ${names.map((n) => `(SELECT count(*) FROM ${n})`).join(', ')}`)).getRows();
      return {
        watermark,
        behind: Math.max(0, (await this.committedSeq(watermark)) - watermark),
        rows: Object.fromEntries(names.map((n, i) => [n, Number(row?.[i] ?? 0)])),
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

  /** The last committed seq (zone maps on `seq` keep the scan to what follows the watermark). */
  private async committedSeq(watermark: number): Promise<number> {
    const rows = (await this.open().runAndReadAll('SELECT max(seq) FROM events WHERE seq > $1::BIGINT', [watermark])).getRows();
    const max = rows[0]?.[0];
    return max === null || max === undefined ? watermark : Number(max);
  }

  /**
   * Aggregates events (from, to] and the current rows of the days they touch into temporary tables, then replaces
   * those days' rows, raises first-seen times and moves the watermark in one transaction: a query sees all or none.
   * Only this connection writes these tables, so none of it waits for ingest's write lock.
   */
  private async rollSlice(from: number, to: number): Promise<void> {
    const c = this.open();
    const temps = ['ud_days', ...DAY_TABLES.flatMap((t) => [`delta_${t.name}`, `merged_${t.name}`])];
    try {
      for (const t of DAY_TABLES) await c.run(`CREATE OR REPLACE TEMP TABLE delta_${t.name} AS ${sliceSql(t)}`, [from, to]);
      // Days of user_session_day's delta hold every day of the others' (it takes every event).
      await c.run(`CREATE OR REPLACE TEMP TABLE ud_days AS SELECT DISTINCT project, day FROM delta_${DAY_TABLES[0]!.name}`);
      // Sorted by day and key, so a day range and a type scan few row groups.
      for (const t of DAY_TABLES) await c.run(`CREATE OR REPLACE TEMP TABLE merged_${t.name} AS ${mergedSql(t)} ORDER BY ${['project', 'day', ...[...t.keys].reverse().map((k) => k.name)].join(', ')}`);
      await c.run('BEGIN TRANSACTION');
      try {
        for (const t of DAY_TABLES) {
          await c.run(`DELETE FROM ${t.name} u WHERE EXISTS (SELECT 1 FROM ud_days d WHERE d.project = u.project AND d.day = u.day)`);
          await c.run(`INSERT INTO ${t.name} (${columnNames(t).join(', ')}) SELECT ${columnNames(t).join(', ')} FROM merged_${t.name}`);
        }
        await c.run(
          `INSERT INTO user_first_seen SELECT project, user_id, min(first_ts), arg_max(plan, plan_ts), max(plan_ts) FROM delta_${USER_DAY.name} GROUP BY project, user_id
           ON CONFLICT (project, user_id) DO UPDATE SET first_ts = least(user_first_seen.first_ts, excluded.first_ts),
             plan = CASE WHEN ${NEWER_PLAN} THEN excluded.plan ELSE user_first_seen.plan END,
             plan_ts = CASE WHEN ${NEWER_PLAN} THEN excluded.plan_ts ELSE user_first_seen.plan_ts END`,
        );
        const moved = await c.run('UPDATE user_rollup_state SET watermark = $2::BIGINT WHERE id = 1 AND watermark = $1::BIGINT', [from, to]);
        if (moved.rowsChanged !== 1) throw new Error(`the user rollup watermark moved from ${from} under this run`);
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      for (const t of temps) await c.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    }
  }
}
