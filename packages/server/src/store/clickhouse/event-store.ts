import { randomUUID } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { systemClock, type Clock } from '../../clock.js';
import {
  QueryTimeoutError, StoreUnavailableError,
  type AppendBatch, type AppendOptions, type EventStore, type ExportFormat, type ExportSource, type IdempotencyRecord,
  type QueryParam, type Row, type StoreStats,
} from '../types.js';
import { clickHouseErrorCode } from './error-code.js';
import { bindParams } from './bind.js';
import { exportFromClickHouse } from './export.js';
import { writeArchive } from '../archive-file.js';
import { literal } from './literal.js';
import { migrateClickHouse } from './migrate.js';
import { ClickHouseRollups, rollupTableNames } from './rollups.js';
import { ADDED_ROLLUP_COLUMNS, CLICKHOUSE_MIGRATIONS, type ClickHouseMigration } from './schema.js';
import { INSERT_COLUMNS, toInsertRow, type InsertRow } from './rows.js';

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Rows one INSERT carries at most: ClickHouse forms a block of up to max_insert_block_size (1,048,576) rows. */
const MAX_INSERT_ROWS = 500_000;
const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** How long `getIdempotency` waits at most for events INSERTs still running on the server (see there). */
const IN_FLIGHT_WAIT_MS = 30_000;

/**
 * The `query_id` of every events INSERT starts with this (then the database): `getIdempotency` finds the INSERTs
 * still running on the server — from any instance, a dead one's included — in `system.processes`.
 */
export function eventsInsertPrefix(database: string): string {
  return `pulse-events-${database}-`;
}

export interface ClickHouseEventStoreOptions {
  /** HTTP interface, e.g. http://127.0.0.1:8123 (PULSE_CLICKHOUSE_URL). */
  url: string;
  /** Created if missing; default `pulse`. */
  database?: string;
  username?: string;
  password?: string;
  clock?: Clock;
  /** Queries running longer are stopped by the server (max_execution_time) and rejected with QueryTimeoutError. */
  queryTimeoutMs?: number;
  /**
   * Shard the events over several servers: the HTTP URLs of every shard server, `url` among them. Each shard keeps
   * its events in `<database>_shard.events`; `<database>.events` on `url` is a Distributed table over them
   * (sharding key: the project, so one project's batch lands on one shard), written with insert_distributed_sync so
   * an acknowledgement means every shard has stored its rows. The shards must form `cluster` in the servers' config
   * (remote_servers; scripts/clickhouse.sh writes it from PULSE_CH_SHARDS).
   */
  shards?: readonly string[];
  /** The cluster name of the shards in remote_servers (default `pulse`). */
  cluster?: string;
  /**
   * Let queries read the rollup tables (rollups.ts; default true). They are kept by materialized views whatever this
   * says (on each shard when sharded).
   */
  rollups?: boolean;
  /**
   * The migrations to run (default: all of schema.ts). Tests pass the first few to make a store as an older release
   * left it, then open it with all of them: an upgrade.
   */
  migrations?: readonly ClickHouseMigration[];
}

/** Where events are stored: the store's own database, or each shard's. */
interface EventTarget {
  client: ClickHouseClient;
  database: string;
}

interface Pending {
  events: readonly StoredEvent[];
  keys: readonly IdempotencyRecord[];
  signal: AbortSignal | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}
type StoredEvent = AppendBatch['events'][number];

/**
 * The event store on ClickHouse (schema.ts for the table design; minimum server version 18.16.1).
 *
 * What an acknowledgement means here — ClickHouse has no transactions:
 * - Appends are group-committed: while one write is in flight, the appends that arrive wait and then go together in
 *   the next, of at most MAX_INSERT_ROWS rows. A write is one INSERT per month partition, oldest first; ClickHouse
 *   writes an INSERT of up to max_insert_block_size (1,048,576) rows as one new part, which appears whole or not at
 *   all. So a batch within one month — every live batch but one straddling midnight UTC at a month's start — is
 *   stored entirely or not at all; a batch spanning months can, on a failure between its INSERTs, leave its earlier
 *   months stored (the append then rejects, and a retry stores those rows again).
 * - `append` resolves when the server has answered the INSERT: the part is written to the server's filesystem and
 *   visible to every query. ClickHouse does not fsync parts (18.16 has no setting for it): the rows survive a crash of
 *   ClickHouse or of Pulse, but an operating-system crash or power loss may lose the last seconds of acknowledged
 *   rows, unless the table is replicated (ReplicatedMergeTree on several hosts).
 * - Idempotency records are written in an INSERT just before the events, each naming its append (`batch`) and the
 *   time of its project's last event in it. `getIdempotency` returns a record only when that append's rows of that
 *   last month are stored — inserted last, so the whole append is — and otherwise none: a crash between the INSERTs
 *   leaves a record nobody sees, and the client's retry is stored normally, once. When those rows are missing but
 *   an events INSERT is still running on the server (its writer died or gave up after sending it, and the retry came
 *   to another instance at once), the check first waits for the running INSERTs to end and looks again.
 * - Events have no `seq`: several Pulse instances append at once and ClickHouse has no sequence. `batch` and
 *   `ingested` (server time) identify an append's rows instead.
 */
export class ClickHouseEventStore implements EventStore {
  readonly dialect = 'clickhouse' as const;
  /** Rollup tables kept by materialized views (rollups.ts; on each shard when sharded); absent with `rollups: false`. */
  readonly rollups?: ClickHouseRollups;
  readonly client: ClickHouseClient;
  /**
   * Exports and retention archives: jobs that stream a whole selection, which the query time limit (max_execution_time,
   * meant for dashboard queries) must not cut — as on DuckDB, where only `query` has a deadline. The same client as
   * `client` when there is no limit.
   */
  private readonly jobs: ClickHouseClient;
  private readonly clock: Clock;
  readonly database: string;
  private readonly options: ClickHouseEventStoreOptions;
  private state: 'new' | 'open' | 'closed' = 'new';
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private queries = 0;
  /** The shards' event databases, when sharded. */
  private readonly shards: EventTarget[] | null;
  private readonly cluster: string;

  constructor(options: ClickHouseEventStoreOptions) {
    this.options = options;
    this.database = options.database ?? 'pulse';
    this.cluster = options.cluster ?? 'pulse';
    for (const name of [this.database, this.cluster]) {
      if (!DATABASE_NAME.test(name)) throw new Error(`ClickHouse database and cluster names must match ${DATABASE_NAME}`);
    }
    this.clock = options.clock ?? systemClock;
    const seconds = options.queryTimeoutMs === undefined ? undefined : Math.max(1, Math.ceil(options.queryTimeoutMs / 1000));
    this.client = this.connect(this.database, seconds);
    this.jobs = seconds === undefined ? this.client : this.connect(this.database);
    if (options.shards !== undefined) {
      if (!options.shards.includes(options.url)) throw new Error('the store\'s url must be one of its shards (the Distributed table copies their table)');
      this.shards = options.shards.map((url) => ({ client: this.connect(`${this.database}_shard`, undefined, url), database: `${this.database}_shard` }));
    } else {
      this.shards = null;
    }
    if (options.rollups !== false) {
      // Sharded: each shard keeps its rollup tables by its own views, read through Distributed tables (init); retention
      // deletes on every shard, as for events.
      this.rollups = new ClickHouseRollups({
        rows: (sql) => this.rows(sql),
        mutate: async (sql) => {
          for (const target of this.eventTargets) await this.mutate(target, sql);
        },
      });
    }
  }

  /** Where events are stored (retention and sizes work on these). */
  private get eventTargets(): EventTarget[] {
    return this.shards ?? [{ client: this.client, database: this.database }];
  }

  private connect(database: string, maxExecutionSeconds?: number, url = this.options.url): ClickHouseClient {
    return createClient({
      url,
      database,
      ...(this.options.username === undefined ? {} : { username: this.options.username }),
      ...(this.options.password === undefined ? {} : { password: this.options.password }),
      // Only settings 18.16 knows: 64-bit integers as JSON numbers, queries up to 16 MiB of text (long IN lists).
      clickhouse_settings: {
        output_format_json_quote_64bit_integers: 0,
        max_query_size: '16777216',
        ...(maxExecutionSeconds === undefined ? {} : { max_execution_time: maxExecutionSeconds }),
      },
      // ClickHouse closes an idle keep-alive connection after its keep_alive_timeout (3 s by default); a request sent on
      // one it has just closed fails with EPIPE or ECONNRESET (an ingest batch answered 503). Idle sockets are given up
      // after 2 s, checked when a request starts too, since timers fire late on a busy event loop.
      keep_alive: { enabled: true, idle_socket_ttl: 2_000, eagerly_destroy_stale_sockets: true },
      log: { level: 127 as never },
    });
  }

  async init(): Promise<void> {
    if (this.state !== 'new') return;
    const admin = this.connect('default');
    const migrations = this.options.migrations ?? CLICKHOUSE_MIGRATIONS;
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.database}` });
      if (this.shards === null) {
        await migrateClickHouse(this.client, undefined, migrations);
      } else {
        for (const [i, shard] of this.shards.entries()) {
          const shardAdmin = this.connect('default', undefined, this.options.shards![i]);
          try {
            await shardAdmin.command({ query: `CREATE DATABASE IF NOT EXISTS ${shard.database}` });
          } finally {
            await shardAdmin.close();
          }
          await migrateClickHouse(shard.client, new Set(['events', 'rollups']), migrations);
        }
        await migrateClickHouse(this.client, new Set(['meta']), migrations);
        const local = `${this.database}_shard`;
        await this.client.command({
          query: `CREATE TABLE IF NOT EXISTS events AS ${local}.events ENGINE = Distributed(${this.cluster}, ${local}, events, cityHash64(project))`,
        });
        // The rollup rows of a project are on its events' shard (the views run where the rows land); queries read every
        // shard's through these and merge them as they merge rows of one table.
        for (const table of rollupTableNames()) {
          await this.client.command({
            query: `CREATE TABLE IF NOT EXISTS ${table} AS ${local}.${table} ENGINE = Distributed(${this.cluster}, ${local}, ${table})`,
          });
        }
        // A Distributed table created before a migration added columns to its shards' tables lacks them.
        for (const { sql } of ADDED_ROLLUP_COLUMNS.filter((c) => migrations.some((m) => m.version === c.version))) {
          await this.client.command({ query: sql }).catch((error: unknown) => {
            if (clickHouseErrorCode(error) !== '44') throw error;
          });
        }
      }
    } catch (error) {
      throw unavailable('could not initialise the ClickHouse event store', error);
    } finally {
      await admin.close();
    }
    this.state = 'open';
  }

  async append(batch: AppendBatch, options: AppendOptions = {}): Promise<void> {
    this.assertOpen();
    const keys = batch.idempotency ?? [];
    if (batch.events.length === 0 && keys.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ events: batch.events, keys, signal: options.signal, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** One INSERT pair at a time; what queued meanwhile goes in the next. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group: Pending[] = [];
        let rows = 0;
        while (this.queue.length > 0 && (group.length === 0 || rows + this.queue[0]!.events.length <= MAX_INSERT_ROWS)) {
          const next = this.queue.shift()!;
          rows += next.events.length;
          group.push(next);
        }
        await this.write(group);
      }
    } finally {
      this.writing = null;
    }
  }

  private async write(group: Pending[]): Promise<void> {
    const live = group.filter((p) => {
      if (p.signal?.aborted !== true && this.state === 'open') return true;
      p.reject(new StoreUnavailableError(this.state === 'open' ? 'commit timed out before it began; nothing was written' : 'the event store is closed'));
      return false;
    });
    if (live.length === 0) return;
    const records: Record<string, unknown>[] = [];
    const rows: InsertRow[] = [];
    for (const p of live) {
      const batch = randomUUID();
      for (const key of p.keys) records.push(idempotencyRow(key, batch, p.events));
      for (const e of p.events) rows.push(toInsertRow(e, batch));
    }
    try {
      if (records.length > 0) await this.client.insert({ table: 'idempotency', values: records, format: 'JSONEachRow' });
      // One INSERT per month partition, oldest first: a month's rows land whole (one part) or not at all, and a
      // batch's last month is stored only after all its earlier ones — which is what getIdempotency checks.
      for (const monthRows of byMonth(rows)) {
        await this.client.insert({
          table: 'events', values: monthRows, format: 'JSONEachRow', columns: [...INSERT_COLUMNS],
          query_id: `${eventsInsertPrefix(this.database)}${randomUUID()}`,
          // Through a Distributed table: answer only when every shard has written its rows.
          ...(this.shards === null ? {} : { clickhouse_settings: { insert_distributed_sync: 1 } }),
        });
      }
    } catch (error) {
      const failure = unavailable(`could not insert ${rows.length} events`, error);
      for (const p of live) p.reject(failure);
      return;
    }
    for (const p of live) p.resolve();
  }

  async getIdempotency(project: string, key: string): Promise<IdempotencyRecord | null> {
    this.assertOpen();
    const candidates = await this.rows(
      `SELECT batch, created_at, status, response, fingerprint, events, min_ts, max_ts FROM idempotency
       WHERE project = ${literal(project)} AND key = ${literal(key)} ORDER BY created_at DESC, batch`,
    );
    for (const c of candidates) {
      if (Number(c.events) > 0) {
        // The batch's rows of its last month were inserted after all its others, as one part: one of them stored
        // means the whole batch is. (Retention may since have removed its older rows; that leaves this check true.)
        const maxTs = Number(c.max_ts);
        const stored = async () => {
          const [found] = await this.rows(
            `SELECT count() AS n FROM events WHERE project = ${literal(project)} AND ts >= ${literal(monthStart(maxTs))}
             AND ts <= ${literal(maxTs)} AND batch = ${literal(String(c.batch))}`,
          );
          return Number(found?.n) > 0;
        };
        // Not stored yet — or still being stored: an instance that died (or answered 503) after sending its events
        // INSERT leaves the server writing them. Answering "no record" now would let the retry store them a second
        // time, so wait for the events INSERTs running now to end, then look once more.
        if (!(await stored()) && !((await this.awaitRunningInserts()) && (await stored()))) continue;
      }
      const fingerprint = String(c.fingerprint);
      return { project, key, createdAt: Number(c.created_at), status: Number(c.status), response: String(c.response), fingerprint: fingerprint === '' ? null : fingerprint };
    }
    return null;
  }

  /**
   * Waits until the events INSERTs running on the server now (any instance's, found by their query_id in
   * system.processes) have ended; false when none was running. An INSERT is listed from when the server has read its
   * body until its part and the rollup views are written.
   */
  private async awaitRunningInserts(): Promise<boolean> {
    const prefix = eventsInsertPrefix(this.database);
    const running = async () => (await this.rows(
      `SELECT query_id FROM system.processes WHERE substring(query_id, 1, ${prefix.length}) = ${literal(prefix)}`,
    )).map((r) => String(r.query_id));
    const first = new Set(await running());
    if (first.size === 0) return false;
    const until = Date.now() + IN_FLIGHT_WAIT_MS;
    while ((await running()).some((id) => first.has(id))) {
      if (Date.now() > until) throw new StoreUnavailableError('an INSERT of the events an idempotency record names is still running');
      await new Promise((r) => setTimeout(r, 25));
    }
    return true;
  }

  async query(sql: string, params: readonly QueryParam[]): Promise<Row[]> {
    this.assertOpen();
    this.queries++;
    return this.rows(bindParams(sql, params));
  }

  private async rows(sql: string, client = this.client): Promise<Row[]> {
    try {
      const result = await client.query({ query: sql, format: 'JSONEachRow' });
      return await result.json<Row>();
    } catch (error) {
      throw translate(error);
    }
  }

  private async command(sql: string, client = this.client): Promise<void> {
    try {
      await client.command({ query: sql });
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * Events older than `beforeMs`: whole months before it by DROP PARTITION, the rest of the boundary month by one
   * ALTER … DELETE, awaited until the mutation is done. With `archivePath`, only events that arrived before the run
   * began (`ingested` before a cut the run waits past) are archived and then deleted: a late event arriving meanwhile
   * stays for the next run, so every deleted event is in the archive. A whole month is then dropped only if nothing
   * in it arrived after the cut.
   */
  async deleteBefore(beforeMs: number, opts: { archivePath?: string } = {}): Promise<number> {
    this.assertOpen();
    if (!Number.isSafeInteger(beforeMs)) throw new RangeError('beforeMs must be an integer (epoch ms)');
    let cut: number | null = null;
    if (opts.archivePath !== undefined) {
      cut = await this.serverSecond() + 1;
      // Past the cut by a second, so an INSERT stamped before it has finished before the archive reads.
      while ((await this.serverSecond()) < cut + 1) await new Promise((r) => setTimeout(r, 100));
    }
    const arrived = cut === null ? '' : ` AND ingested < toDateTime(${literal(cut)}, 'UTC')`;
    const expired = `ts < ${literal(beforeMs)}${arrived}`;
    try {
      if (opts.archivePath !== undefined) {
        await writeArchive(opts.archivePath, (tmp) => exportFromClickHouse(this.jobs, { kind: 'events', where: expired, params: [] }, tmp, 'parquet'));
      }
      const [row] = await this.rows(`SELECT count() AS n FROM events WHERE ${expired}`);
      const deleted = Number(row?.n ?? 0);
      // On each server that stores events (ALTER does not go through a Distributed table).
      if (deleted > 0) for (const target of this.eventTargets) await this.expire(target, beforeMs, expired, cut !== null);
      const keyCutoff = this.clock.now() - IDEMPOTENCY_TTL_MS;
      const [keys] = await this.rows(`SELECT count() AS n FROM idempotency WHERE created_at < ${literal(keyCutoff)}`);
      if (Number(keys?.n) > 0) {
        await this.mutate({ client: this.client, database: this.database }, `ALTER TABLE idempotency DELETE WHERE created_at < ${literal(keyCutoff)}`);
      }
      return deleted;
    } catch (error) {
      throw unavailable('could not delete old events', error);
    }
  }

  private async serverSecond(): Promise<number> {
    const [row] = await this.rows('SELECT toUInt32(now()) AS s');
    return Number(row?.s);
  }

  /**
   * Deletes the `expired` events of one server's events table: months entirely before the cutoff (partitions whose
   * next month starts at or before it) by DROP PARTITION — with an archive, only if nothing in the month arrived after
   * the cut — and the rest with one mutation.
   */
  private async expire(target: EventTarget, beforeMs: number, expired: string, archived: boolean): Promise<void> {
    const parts = await this.rows(
      `SELECT DISTINCT partition AS p FROM system.parts WHERE active AND database = ${literal(target.database)} AND table = 'events'`,
      target.client,
    );
    let rest = false;
    for (const { p } of parts) {
      const month = Number(p);
      const year = Math.floor(month / 100);
      const start = Date.UTC(year, (month % 100) - 1, 1);
      const end = Date.UTC(year, month % 100, 1);
      if (start >= beforeMs) continue;
      if (end > beforeMs) {
        rest = true;
        continue;
      }
      const [late] = !archived ? [{ n: 0 }] : await this.rows(
        `SELECT count() AS n FROM events WHERE toYYYYMM(toDateTime(intDiv(ts, 1000), 'UTC')) = ${literal(month)} AND NOT (${expired})`,
        target.client,
      );
      if (Number(late?.n) === 0) await this.command(`ALTER TABLE events DROP PARTITION ${literal(month)}`, target.client);
      else rest = true;
    }
    if (rest) await this.mutate(target, `ALTER TABLE events DELETE WHERE ${expired}`);
  }

  /** Runs an ALTER … DELETE and waits until ClickHouse has applied it to every part (18.16 has no mutations_sync). */
  private async mutate(target: EventTarget, sql: string): Promise<void> {
    await this.command(sql, target.client);
    for (;;) {
      const [row] = await this.rows(
        `SELECT count() AS n FROM system.mutations WHERE database = ${literal(target.database)} AND NOT is_done`,
        target.client,
      );
      if (Number(row?.n) === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const [events] = await this.rows('SELECT count() AS n FROM events');
    let bytes = 0;
    const targets = this.shards === null ? this.eventTargets : [{ client: this.client, database: this.database }, ...this.shards];
    for (const target of targets) {
      const [disk] = await this.rows(
        `SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = ${literal(target.database)}`,
        target.client,
      );
      bytes += Number(disk?.b ?? 0);
    }
    return { events: Number(events?.n ?? 0), bytes, queries: this.queries };
  }

  async exportTo(source: ExportSource, path: string, format: ExportFormat): Promise<number> {
    this.assertOpen();
    try {
      return await exportFromClickHouse(this.jobs, source, path, format);
    } catch (error) {
      throw translate(error);
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const was = this.state;
    this.state = 'closed';
    if (was === 'open') await this.writing?.catch(() => undefined);
    await this.client.close();
    if (this.jobs !== this.client) await this.jobs.close();
    for (const shard of this.shards ?? []) await shard.client.close();
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new StoreUnavailableError(`the event store is ${this.state === 'new' ? 'not initialised' : 'closed'}`);
  }
}

function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Rows grouped by their UTC month (the events table's partition), oldest month first. */
function byMonth(rows: readonly InsertRow[]): InsertRow[][] {
  const months = new Map<number, InsertRow[]>();
  for (const row of rows) {
    const month = monthStart(row.ts as number);
    let list = months.get(month);
    if (list === undefined) months.set(month, (list = []));
    list.push(row);
  }
  return [...months].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
}

function idempotencyRow(key: IdempotencyRecord, batch: string, events: readonly StoredEvent[]): Record<string, unknown> {
  let n = 0;
  let min = 0;
  let max = 0;
  for (const e of events) {
    if (e.project !== key.project) continue;
    min = n === 0 ? e.ts : Math.min(min, e.ts);
    max = n === 0 ? e.ts : Math.max(max, e.ts);
    n++;
  }
  return { project: key.project, key: key.key, batch, created_at: key.createdAt, status: key.status, response: key.response, fingerprint: key.fingerprint ?? '', events: n, min_ts: min, max_ts: max };
}

/** Server errors keep their message; a timeout becomes QueryTimeoutError, an unreachable server StoreUnavailableError. */
function translate(error: unknown): Error {
  const code = clickHouseErrorCode(error);
  if (code === undefined) return unavailable('ClickHouse is unreachable', error);
  // 159 TIMEOUT_EXCEEDED, 160 TOO_SLOW (estimated past max_execution_time).
  if (code === '159' || code === '160') return new QueryTimeoutError((error as Error).message, { cause: error });
  return error as Error;
}

function unavailable(message: string, error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`${message}: ${reason}`, { cause: error });
}
