import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { StoredEvent } from '@pulse/protocol';
import { MIGRATIONS } from '../../store/duckdb/schema.js';
import type { EventStore, QueryParam, Row, StoreStats } from '../../store/types.js';

/**
 * A minimal EventStore over a real DuckDB file, built from the real migrations, for the query layer's
 * tests while the full store (store/duckdb) is written in parallel. Inserts are plain parameterised
 * INSERTs — slow, but tests load dozens of events.
 */
const COLUMNS = [
  'project', 'ts', 'seq', 'id', 'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona',
  'channel', 'guild', 'prompt_id', 'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd',
  'duration_ms', 'ttft_ms', 'status', 'error_type', 'error_message', 'severity', 'value', 'target', 'text',
  'sentiment',
] as const;

export class TestDuckDbStore implements EventStore {
  readonly dialect = 'duckdb' as const;
  private seq = 0;
  private constructor(
    private readonly dir: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async create(): Promise<TestDuckDbStore> {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-query-'));
    const instance = await DuckDBInstance.create(join(dir, 'pulse.duckdb'));
    const conn = await instance.connect();
    return new TestDuckDbStore(dir, instance, conn);
  }

  async init(): Promise<void> {
    for (const m of MIGRATIONS) for (const sql of m.sql) await this.conn.run(sql);
  }

  async append(batch: { events: readonly StoredEvent[] }): Promise<void> {
    for (const e of batch.events) {
      const values: DuckDBValue[] = [];
      const slots: string[] = [];
      for (const c of COLUMNS) {
        values.push(c === 'seq' ? ++this.seq : ((e as unknown as Record<string, DuckDBValue>)[c] ?? null));
        slots.push(c === 'ts' ? `epoch_ms(CAST($${values.length} AS BIGINT))` : `$${values.length}`);
      }
      slots.push(mapSql(e.phases, 'FLOAT', values), mapSql(e.attributes, 'VARCHAR', values));
      await this.conn.run(`INSERT INTO events VALUES (${slots.join(', ')})`, values);
    }
  }

  async getIdempotency(): Promise<null> {
    return null;
  }

  async query(sql: string, params: readonly QueryParam[]): Promise<Row[]> {
    const reader = await this.conn.runAndReadAll(sql, params as DuckDBValue[]);
    return reader.getRowObjectsJS().map((r) => {
      const row: Row = {};
      for (const [k, v] of Object.entries(r)) row[k] = toPlain(v);
      return row;
    });
  }

  async deleteBefore(): Promise<number> {
    return 0;
  }

  async stats(): Promise<StoreStats> {
    const [row] = await this.query('SELECT count(*) AS n FROM events', []);
    return { events: Number(row?.n ?? 0), bytes: 12_345 };
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function mapSql(map: Record<string, string | number> | null, type: string, values: DuckDBValue[]): string {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return 'NULL';
  const slots = entries.map(([k, v]) => {
    values.push(k, v);
    return `CAST($${values.length - 1} AS VARCHAR): CAST($${values.length} AS ${type})`;
  });
  return `MAP {${slots.join(', ')}}`;
}

function toPlain(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}
