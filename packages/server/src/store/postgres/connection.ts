import pg from 'pg';
import { StoreUnavailableError } from '../types.js';

/** A value bound to a `$n` placeholder; pg sends it separately from the SQL text. */
export type PgParam = string | number | boolean | null | readonly string[] | readonly number[] | readonly boolean[] | readonly (number | null)[] | readonly (string | null)[];
export type PgRow = Record<string, unknown>;

export interface PostgresOptions {
  /** PULSE_POSTGRES_URL: `postgresql://user:password@host:port/database` (libpq URL; `?sslmode=…` honoured by pg). */
  url: string;
  /** PULSE_POSTGRES_SCHEMA (default `public`): where Pulse's tables live; created when missing. */
  schema?: string;
  /** PULSE_POSTGRES_POOL_SIZE (default 10): connections each Pulse process may hold. */
  poolSize?: number;
  /** How long a query waits for a free connection before the request fails with 503 (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * This process's name among the instances sharing the database (PULSE_INSTANCE_ID); every session sets it as
   * `pulse.instance`, so the change triggers can say who wrote (schema.ts, migration 4).
   */
  instance?: string;
  /** Where errors of idle connections and of the notification listener go. */
  onError?: (err: Error, what: string) => void;
}

/** A schema name Pulse accepts: lower-case identifier, so it never needs quoting and cannot carry SQL. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** An instance name Pulse accepts: no space or quote, so it is a safe `-c` option value. */
export const INSTANCE_NAME = /^[A-Za-z0-9_.:-]{1,50}$/;

/** The connection settings shared by the pool and the notification listener: the schema is the search path. */
export function clientConfig(options: PostgresOptions): pg.ClientConfig & { schema: string } {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`PULSE_POSTGRES_SCHEMA must match ${SCHEMA_NAME.source}`);
  if (options.instance !== undefined && !INSTANCE_NAME.test(options.instance)) throw new Error(`PULSE_INSTANCE_ID must match ${INSTANCE_NAME.source}`);
  return {
    connectionString: options.url,
    application_name: 'pulse',
    options: `-c search_path=${schema}${options.instance !== undefined ? ` -c pulse.instance=${options.instance}` : ''}`,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    schema,
  };
}

// SQLSTATE classes meaning "the server cannot serve now", not "this statement is wrong": connection exceptions (08),
// insufficient resources (53), operator intervention (57: shutdown, cancel), and a read-only standby (25006).
const UNAVAILABLE = /^(08|53|57)|^25006$/;

/** Connection-level failures become StoreUnavailableError (503 with Retry-After); statement errors pass through. */
export function translate(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  // A socket error (ECONNREFUSED, EPIPE, ETIMEDOUT…: no SQLSTATE class starts with E), or pg's own pool timeout or
  // lost connection (no code at all), or a SQLSTATE of the classes above.
  const network = typeof code === 'string' && /^E[A-Z]+$/.test(code);
  const lost = code === undefined && /^(timeout exceeded when trying to connect|Connection terminated)/i.test(err.message);
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  if (network || lost || (sqlState !== null && UNAVAILABLE.test(sqlState))) {
    const unavailable = new StoreUnavailableError(`the meta store (PostgreSQL) is unavailable: ${err.message}`);
    unavailable.cause = err;
    return unavailable;
  }
  return err;
}

/** The pool behind every PostgreSQL meta store of one process, with the two calls the stores need. */
export class PgDb {
  readonly schema: string;
  private ended: Promise<void> | null = null;

  constructor(readonly pool: pg.Pool, schema: string) {
    this.schema = schema;
  }

  static open(options: PostgresOptions): PgDb {
    const { schema, ...config } = clientConfig(options);
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    // An idle connection that dies (server restart) is reported here; without a listener it would crash the process.
    pool.on('error', (err) => options.onError?.(err, 'idle PostgreSQL connection'));
    return new PgDb(pool, schema);
  }

  async rows(sql: string, params: readonly PgParam[] = []): Promise<PgRow[]> {
    try {
      return (await this.pool.query(sql, params as unknown[])).rows as PgRow[];
    } catch (err) {
      throw translate(err);
    }
  }

  /** Rows inserted, updated or deleted. */
  async changed(sql: string, params: readonly PgParam[] = []): Promise<number> {
    try {
      return (await this.pool.query(sql, params as unknown[])).rowCount ?? 0;
    } catch (err) {
      throw translate(err);
    }
  }

  /** Runs `fn` in one transaction on one connection; rolled back when it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translate(err);
    }
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw translate(err);
    } finally {
      client.release();
    }
  }

  end(): Promise<void> {
    this.ended ??= this.pool.end();
    return this.ended;
  }
}

/** int8/numeric arrive as strings from pg; every time column is read back as epoch ms through this. */
export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** PostgreSQL text cannot hold NUL; text Pulse writes itself (errors, details) loses them rather than failing. */
export const clean = (s: string | null): string | null => (s === null ? null : s.replaceAll('\u0000', ''));

/** SQL for a `$n` placeholder holding epoch ms, as timestamptz; and a timestamptz column read back as epoch ms. */
export const tsParam = (placeholder: string): string => `to_timestamp(${placeholder}::bigint / 1000.0)`;
export const msColumn = (column: string): string => `(extract(epoch from ${column}) * 1000)::bigint AS ${column}`;

/** Base of the stores sharing a PgDb: `close()` marks the store closed (the pool is ended by its owner). */
export abstract class PgStore {
  private closed = false;

  constructor(private readonly pgDb: PgDb, private readonly what: string) {}

  /** The tables come from the migrations run when the pool was opened (index.ts). */
  async init(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  protected db(): PgDb {
    if (this.closed) throw new Error(`the ${this.what} store is closed`);
    return this.pgDb;
  }
}
