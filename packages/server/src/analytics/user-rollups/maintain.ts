/**
 * The user rollups (docs/retention.md "User rollups"): the day tables of tables.ts and `user_first_seen` (each
 * user's first event and latest plan), kept up to their own watermark (`user_rollup_state`). Queries read them up to
 * the watermark and raw events after it (source.ts), so answers stay exact and live while they lag.
 *
 * Each run aggregates the events past the watermark by SQL, a slice at a time, and *appends* the slice's rows as
 * delta rows (`compacted = false`): it neither rewrites the rows already there — which would make the next
 * checkpoint rewrite their row groups — nor reads them. Readers merge rows by key anyway (read.ts), so a day's delta
 * rows are merged into one row per key only once they are twice as many as its merged rows (and at least
 * `compactMinRows`): a merge rewrites at most one and a half times the delta rows that led to it, and a day holds at
 * most about three times its merged rows while it lasts. Once it has ended, its delta rows are merged as soon as they
 * are a tenth of its merged rows (compactDue). `user_first_seen` (one row per user, upserted) is rewritten only for users
 * whose first time or plan changes. (Aggregating committed batches in memory as they commit, as the hourly rollups do,
 * cost more CPU per event than DuckDB's aggregation of the slice: benchmarks/user-rollups-cost.ts.)
 */
import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MEMORY, type DuckDbHandle } from '../../store/duckdb/open.js';
import { Mutex } from '../../store/duckdb/mutex.js';
import { rollUpInSlices } from '../../store/duckdb/slices.js';
import { floorDay, floorHour } from './source.js';
import { WholeHourCache } from './whole-hour-cache.js';
import {
  columnNames, DAY_TABLES, HOUR_TABLES, INTERACTION_DAY, INTERACTION_HOUR, PERSONA_EVOLUTION_DAY, timeColumn, USER_TOPIC_HOUR, USER_DAY, USER_HOUR, USER_SESSION_DAY, USER_SESSION_HOUR, type DayTable,
} from './tables.js';

/** One catch-up's outcome (`/api/background-tasks` shows the last). */
export interface UserRollupRun {
  events: number;
  watermark: number;
  /** Slices this run wrote. */
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
  /** Events per slice (one transaction each); default 1,000,000. */
  sliceEvents?: number;
  /** A day's delta rows of a table are merged once there are this many, and twice its merged rows; default 50,000. */
  compactMinRows?: number;
  /** The time (epoch ms) that tells which days have ended; default Date.now. */
  now?: () => number;
  /** A run that wrote checkpoints once the write-ahead log holds this many bytes; default 32 MiB. */
  checkpointWalBytes?: number;
  /** How long the whole-hour cache answers a key without it after its tables went stale unread (default: a minute). */
  cacheCooldownMs?: number;
}

/**
 * An ended day's delta rows are merged once they are this share of its merged rows (or, on a day never merged, once
 * they come from two writes or more): a range over ended days then reads at most 1.1 rows per key.
 */
const ENDED_DAY_DELTA_SHARE = 0.1;
/**
 * A run that wrote leaves a checkpoint behind it once the write-ahead log holds this much. The event store checkpoints
 * once per filled row group, but that fails while a user-rollup write is open, and nothing retries it once ingest
 * stops: measured after a 10M-event load over HTTP, a 72 MB log (its rows uncompressed in DuckDB's memory, past its
 * 128 MB pool and into its temp files) made the analytics endpoints about twice as slow as after a restart.
 */
const CHECKPOINT_WAL_BYTES = 32 * 1024 * 1024;

/** The rows a slice of events (seq in ($1, $2]) adds to `t`, one per key. */
function sliceSql(t: DayTable): string {
  const time = `date_trunc('${timeColumn(t)}', ts)`;
  const keys = t.keys.map((k) => `${k.event} AS ${k.name}`);
  const groups = ['project', time, ...t.keys.map((k) => k.event)];
  const all = ['seq > $1::BIGINT', 'seq <= $2::BIGINT', ...(t.events ? [t.events] : [])];
  return `SELECT project, ${time} AS ${timeColumn(t)}, ${keys.join(', ')}, ${t.columns.map((c) => `${c.slice} AS ${c.name}`).join(', ')} ` +
    `FROM events WHERE ${all.join(' AND ')} GROUP BY ${groups.join(', ')}`;
}

/**
 * `t`'s rows of `from` (a table with `t`'s columns, or a finer one: user_day from user_session_day, or a day table
 * from its hourly twin, `fromTime` = 'hour'), merged per key.
 */
function mergeSql(t: DayTable, from: string, where: string, fromTime: 'day' | 'hour' = timeColumn(t)): string {
  const time = timeColumn(t);
  const timeSql = fromTime === time ? time : `date_trunc('${time}', ${fromTime}) AS ${time}`;
  const keys = t.keys.map((k) => k.name);
  const groups = [fromTime === time ? time : `date_trunc('${time}', ${fromTime})`, ...keys];
  return `SELECT project, ${[timeSql, ...keys].join(', ')}, ${t.columns.map((c) => `${c.merge} AS ${c.name}`).join(', ')} FROM ${from} WHERE ${where} GROUP BY project, ${groups.join(', ')}`;
}

/** Sorted by time and key, so a time range and a type scan few row groups. */
const sortKeys = (t: DayTable): string => ['project', timeColumn(t), ...[...t.keys].reverse().map((k) => k.name)].join(', ');

const NEWER_PLAN = 'excluded.plan_ts IS NOT NULL AND (user_first_seen.plan_ts IS NULL OR excluded.plan_ts > user_first_seen.plan_ts)';

/**
 * Upserts each user's first event and latest plan among `from`'s rows (user_session_day's columns), rewriting a row
 * only when its first time moves earlier or a later plan is named.
 */
const upsertFirstSeen = (from: string): string => `INSERT INTO user_first_seen
   SELECT project, user_id, min(first_ts), arg_max(plan, plan_ts), max(plan_ts) FROM ${from} WHERE user_id IS NOT NULL GROUP BY project, user_id
   ON CONFLICT (project, user_id) DO UPDATE SET first_ts = least(user_first_seen.first_ts, excluded.first_ts),
     plan = CASE WHEN ${NEWER_PLAN} THEN excluded.plan ELSE user_first_seen.plan END,
     plan_ts = CASE WHEN ${NEWER_PLAN} THEN excluded.plan_ts ELSE user_first_seen.plan_ts END
   WHERE excluded.first_ts < user_first_seen.first_ts OR (${NEWER_PLAN})`;

/**
 * Per day (epoch ms), user_session_day's merged rows, its delta rows and the writes that added them: the other tables'
 * rows of a day follow its (fewer per key: user_day's are per user, persona_evolution_day's per persona), so a day is
 * merged in all three at once.
 */
type DayCounts = Map<number, { merged: number; delta: number; writes: number }>;

export class UserRollups {
  private connection: DuckDBConnection | null = null;
  /** Catch-ups and deletes, one at a time (they write the same rows). */
  private readonly runs = new Mutex();
  private readonly sliceEvents: number;
  private readonly compactMinRows: number;
  private readonly now: () => number;
  private readonly checkpointWalBytes: number;
  private counts: DayCounts = new Map();
  /** The watermark as this process last read or moved it. */
  private mark = 0;
  /** Moved around each write to hours before this one and each delete: odd while one is open (whole-hour-cache.ts). */
  private pastVersion = 0;
  /** Partial answers over ranges' whole hours, valid until past hours change. */
  readonly wholeHours: WholeHourCache;

  constructor(
    private readonly db: DuckDbHandle,
    /** The last event seq the event store has committed. */
    private readonly committedSeq: () => number,
    options: UserRollupsOptions = {},
  ) {
    this.sliceEvents = Math.max(1, options.sliceEvents ?? 1_000_000);
    this.compactMinRows = Math.max(1, options.compactMinRows ?? 50_000);
    this.now = options.now ?? Date.now;
    this.checkpointWalBytes = options.checkpointWalBytes ?? CHECKPOINT_WAL_BYTES;
    this.wholeHours = new WholeHourCache(() => this.pastVersion, undefined, Date.now, options.cacheCooldownMs);
  }

  async init(): Promise<void> {
    if (this.connection !== null) return;
    this.db.retain();
    this.connection = await this.db.connect();
    this.counts = await this.readCounts();
    this.mark = await this.watermark();
  }

  /** The watermark: the last event seq rolled up. */
  rolledUpTo(): number {
    return this.mark;
  }

  /** The version of past hours' rows: odd while a write to them is open, moved on by each (whole-hour-cache.ts). */
  pastHoursVersion(): number {
    return this.pastVersion;
  }

  /** Runs `write`, a change to rows of hours before this one, with the version of past hours odd meanwhile. */
  private async changingPastHours<T>(write: () => Promise<T>): Promise<T> {
    this.pastVersion++;
    try {
      return await write();
    } finally {
      this.pastVersion++;
    }
  }

  /** Committed events past the watermark. */
  pending(): number {
    return Math.max(0, this.committedSeq() - this.mark);
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
      const start = await this.watermark();
      let slices = 0;
      let compacted = 0;
      const watermark = await rollUpInSlices({
        watermark: start,
        until: this.committedSeq,
        sliceEvents: this.sliceEvents,
        slice: async (from, to) => {
          const days = await this.rollSlice(from, to);
          this.mark = to;
          compacted += await this.compactDue(days, false);
          slices++;
        },
      });
      // Ended days, merged once their delta rows reach a tenth of their rows: here, once per run rather than per
      // slice, so a load of past days (each ended) merges each day about once, not at every slice that adds to it.
      compacted += await this.compactDue([...this.counts.keys()], true);
      if (slices > 0 || compacted > 0) await this.checkpointIfLarge();
      return { events: watermark - start, watermark, slices, compacted };
    });
  }

  /**
   * Retention: deletes the day tables' rows of days before `beforeMs`' day, the hour tables' of hours before
   * `hoursBeforeMs`' hour (the hourly rollups' retention; default: as the days), and the first-seen rows of users who
   * have no `user_day` row left; a user whose first day went keeps their earliest remaining time. Returns the rows
   * deleted.
   */
  deleteBefore(beforeMs: number, hoursBeforeMs: number = beforeMs): Promise<number> {
    return this.runs.run(async () => {
      const c = this.open();
      const cutoff = `date_trunc('day', epoch_ms($1::BIGINT))`;
      // Nothing expired (the usual hourly run, with years of daily retention): no write, so the whole-hour cache's
      // tables stay valid.
      const expired = [
        ...DAY_TABLES.map((t) => `SELECT 1 FROM ${t.name} WHERE day < ${cutoff}`),
        ...HOUR_TABLES.map((t) => `SELECT 1 FROM ${t.name} WHERE hour < date_trunc('hour', epoch_ms($2::BIGINT))`),
        `SELECT 1 FROM user_first_seen WHERE first_ts < ${cutoff}`,
      ];
      if ((await c.runAndReadAll(`SELECT 1 FROM (${expired.join(' UNION ALL ')}) AS x LIMIT 1`, [beforeMs, hoursBeforeMs])).getRows().length === 0) return 0;
      return this.changingPastHours(async () => {
        try {
          return await this.db.sideTransaction(c, async () => {
            let deleted = 0;
            for (const t of DAY_TABLES) deleted += (await c.run(`DELETE FROM ${t.name} WHERE day < ${cutoff}`, [beforeMs])).rowsChanged;
            for (const t of HOUR_TABLES) deleted += (await c.run(`DELETE FROM ${t.name} WHERE hour < date_trunc('hour', epoch_ms($1::BIGINT))`, [hoursBeforeMs])).rowsChanged;
            const mine = `FROM ${USER_DAY.name} d WHERE d.project = f.project AND d.user_id = f.user_id`;
            deleted += (await c.run(`DELETE FROM user_first_seen f WHERE first_ts < ${cutoff} AND NOT EXISTS (SELECT 1 ${mine})`, [beforeMs])).rowsChanged;
            await c.run(
              `UPDATE user_first_seen f SET first_ts = (SELECT min(d.first_ts) ${mine}), plan = (SELECT arg_max(d.plan, d.plan_ts) ${mine}),
                 plan_ts = (SELECT max(d.plan_ts) ${mine}) WHERE first_ts < ${cutoff}`,
              [beforeMs],
            );
            return deleted;
          });
        } finally {
          this.counts = await this.readCounts();
        }
      });
    });
  }

  status(): Promise<UserRollupStatus> {
    return this.runs.run(async () => {
      const c = this.open();
      const watermark = await this.watermark();
      const tables = [...DAY_TABLES, ...HOUR_TABLES];
      const names = [...tables.map((t) => t.name), 'user_first_seen'];
      const [row] = (await c.runAndReadAll(`SELECT ${names.map((n) => `(SELECT count(*) FROM ${n})`).join(', ')}`)).getRows();
      const [deltas] = (await c.runAndReadAll(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t.name} WHERE NOT compacted)`).join(', ')}`)).getRows();
      const deltaRows = Object.fromEntries(tables.map((t, i) => [t.name, Number(deltas?.[i] ?? 0)]));
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

  /** user_session_day's merged and delta rows per day, as stored (only this class writes these tables). */
  private async readCounts(): Promise<DayCounts> {
    const counts: DayCounts = new Map();
    const sql = `SELECT epoch_ms(day), count(*) FILTER (WHERE compacted IS NOT false), count(*) FILTER (WHERE compacted = false) FROM ${USER_SESSION_DAY.name} GROUP BY day`;
    for (const [day, merged, delta] of (await this.open().runAndReadAll(sql)).getRows()) {
      // Delta rows from an earlier process: from at least one write, maybe more.
      counts.set(Number(day), { merged: Number(merged), delta: Number(delta), writes: Number(delta) > 0 ? 2 : 0 });
    }
    return counts;
  }

  /**
   * Aggregates events (from, to] into temporary tables — user_session_hour's rows, user_hour's merged from them,
   * persona_evolution_day's, interaction_hour's and user_topic_hour's — then appends them as delta rows, and the day
   * tables' as the same rows merged per day (one row per key and day: the hour rows of a slice spread over many hours
   * — a catch-up's slice over days — and day rows by the hour made a day table almost as large as its hourly twin),
   * upserts the first-seen times that move and moves the watermark, in one transaction: a query sees all or none.
   * Returns the days written.
   */
  private async rollSlice(from: number, to: number): Promise<number[]> {
    const c = this.open();
    const sessionHours = `delta_${USER_SESSION_HOUR.name}`;
    const userHours = `delta_${USER_HOUR.name}`;
    const evolution = `delta_${PERSONA_EVOLUTION_DAY.name}`;
    const interactionHours = `delta_${INTERACTION_HOUR.name}`;
    const topics = `delta_${USER_TOPIC_HOUR.name}`;
    const temps = [sessionHours, userHours, evolution, interactionHours, topics];
    const insert = (t: DayTable, select: string): string => {
      const cols = columnNames(t).join(', ');
      return `INSERT INTO ${t.name} (${cols}, compacted) SELECT ${cols}, false FROM (${select})`;
    };
    /** A day table's rows: its hourly twin's rows `from`, merged per day and key. */
    const byDay = (t: DayTable, from: string): string => mergeSql(t, from, 'true', 'hour');
    try {
      await c.run(`CREATE OR REPLACE TEMP TABLE ${sessionHours} AS ${sliceSql(USER_SESSION_HOUR)}`, [from, to]);
      await c.run(`CREATE OR REPLACE TEMP TABLE ${userHours} AS ${mergeSql(USER_HOUR, sessionHours, USER_HOUR.events!)}`);
      await c.run(`CREATE OR REPLACE TEMP TABLE ${evolution} AS ${sliceSql(PERSONA_EVOLUTION_DAY)}`, [from, to]);
      await c.run(`CREATE OR REPLACE TEMP TABLE ${interactionHours} AS ${sliceSql(INTERACTION_HOUR)}`, [from, to]);
      await c.run(`CREATE OR REPLACE TEMP TABLE ${topics} AS ${sliceSql(USER_TOPIC_HOUR)}`, [from, to]);
      const sessionDays = `delta_${USER_SESSION_DAY.name}`;
      temps.push(sessionDays);
      await c.run(`CREATE OR REPLACE TEMP TABLE ${sessionDays} AS ${byDay(USER_SESSION_DAY, sessionHours)}`);
      const sql = `SELECT epoch_ms(day) AS d, count(*) FROM ${sessionDays} GROUP BY d`;
      const perDay = new Map((await c.runAndReadAll(sql)).getRows().map(([day, n]) => [Number(day), Number(n)]));
      // A write to an hour before this one changes rows the whole-hour cache may hold.
      const [[first]] = (await c.runAndReadAll(`SELECT epoch_ms(min(hour)) FROM ${sessionHours}`)).getRows() as [[unknown]];
      const past = first !== null && Number(first) < floorHour(this.now());
      // In turn with the event store's checkpoints (checkpoint-gate.ts): DuckDB refuses one while this is open.
      const write = (): Promise<void> => this.db.sideTransaction(c, async () => {
        await c.run(insert(USER_SESSION_HOUR, `SELECT * FROM ${sessionHours}`));
        await c.run(insert(USER_SESSION_DAY, `SELECT * FROM ${sessionDays}`));
        await c.run(insert(USER_HOUR, `SELECT * FROM ${userHours}`));
        await c.run(insert(USER_DAY, byDay(USER_DAY, userHours)));
        await c.run(insert(PERSONA_EVOLUTION_DAY, `SELECT * FROM ${evolution}`));
        await c.run(insert(INTERACTION_HOUR, `SELECT * FROM ${interactionHours}`));
        await c.run(insert(INTERACTION_DAY, byDay(INTERACTION_DAY, interactionHours)));
        await c.run(insert(USER_TOPIC_HOUR, `SELECT * FROM ${topics}`));
        await c.run(upsertFirstSeen(userHours));
        const moved = await c.run('UPDATE user_rollup_state SET watermark = $2::BIGINT WHERE id = 1 AND watermark = $1::BIGINT', [from, to]);
        if (moved.rowsChanged !== 1) throw new Error(`the user rollup watermark moved from ${from} under this run`);
      });
      await (past ? this.changingPastHours(write) : write());
      for (const [day, rows] of perDay) {
        const counts = this.counts.get(day);
        if (counts === undefined) this.counts.set(day, { merged: 0, delta: rows, writes: 1 });
        else {
          counts.delta += rows;
          counts.writes++;
        }
      }
      return [...perDay.keys()];
    } finally {
      for (const temp of temps) await c.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
    }
  }

  /**
   * Merges the rows of those of `days` that are due, and returns the rows merged away. A day whose user_session_day
   * delta rows come from one write only is never due (they are one per key already). Otherwise a day is due once its
   * delta rows number at least `compactMinRows` and twice its merged rows — a merge then rewrites at most one and a half
   * times the delta rows that led to it — and, with `ended`, a day that has ended once they are a tenth of its merged
   * rows (any number, if it was never merged): late events seldom reach an ended day, and ranges over ended days —
   * most of any range over a week or a month — then read about one row per key.
   */
  private async compactDue(days: readonly number[], ended: boolean): Promise<number> {
    let merged = 0;
    const today = floorDay(this.now());
    for (const day of days) {
      const c = this.counts.get(day);
      if (c === undefined || c.writes < 2 || c.delta === 0) continue;
      const due = c.delta >= Math.max(this.compactMinRows, 2 * c.merged) ||
        (ended && day < today && (c.merged === 0 || c.delta >= ENDED_DAY_DELTA_SHARE * c.merged));
      if (due) merged += await this.compactDay(day);
    }
    return merged;
  }

  /** CHECKPOINT, in turn (checkpoint gate, then the event store's write lock), when the write-ahead log is large. */
  private async checkpointIfLarge(): Promise<void> {
    if (this.db.path === MEMORY) return;
    const wal = await stat(`${this.db.path}.wal`).then((st) => st.size, () => 0);
    if (wal < this.checkpointWalBytes) return;
    // A failure leaves the log to the next checkpoint, as the event store's own do.
    await this.db.checkpointTurn(() => this.db.writer.run('CHECKPOINT')).catch(() => undefined);
  }

  /**
   * Rewrites every table's rows of `day` (its day rows, and its hours' rows) as one row per key, in one transaction;
   * returns the rows merged away.
   */
  private async compactDay(day: number): Promise<number> {
    const c = this.open();
    const temp = (t: DayTable): string => `compact_${t.name}`;
    const start = `epoch_ms(${Math.trunc(day)}::BIGINT)`;
    const where = (t: DayTable): string => (timeColumn(t) === 'day' ? `day = ${start}` : `hour >= ${start} AND hour < ${start} + INTERVAL 1 DAY`);
    const tables = [...DAY_TABLES, ...HOUR_TABLES];
    try {
      for (const t of tables) await c.run(`CREATE OR REPLACE TEMP TABLE ${temp(t)} AS ${mergeSql(t, t.name, where(t))} ORDER BY ${sortKeys(t)}`);
      let merged = 0;
      let sessionRows = 0;
      await this.db.sideTransaction(c, async () => {
        for (const t of tables) {
          const before = (await c.run(`DELETE FROM ${t.name} WHERE ${where(t)}`)).rowsChanged;
          const cols = columnNames(t).join(', ');
          const after = (await c.run(`INSERT INTO ${t.name} (${cols}, compacted) SELECT ${cols}, true FROM ${temp(t)}`)).rowsChanged;
          merged += before - after;
          if (t === USER_SESSION_DAY) sessionRows = after;
        }
      });
      this.counts.set(day, { merged: sessionRows, delta: 0, writes: 0 });
      return merged;
    } finally {
      for (const t of tables) await c.run(`DROP TABLE IF EXISTS ${temp(t)}`).catch(() => undefined);
    }
  }
}
