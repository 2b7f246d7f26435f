import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBResultReader } from '@duckdb/node-api';
import type { QueryParam, Row } from '../types.js';
import { Mutex } from './mutex.js';
import { bindParams, readRows } from './values.js';

/**
 * A connection that runs one statement at a time and keeps its prepared statements by SQL text
 * (the query layer compiles the same few shapes over and over; preparing costs a parse and a plan).
 */
export class PreparedConnection {
  private readonly statements = new Map<string, DuckDBPreparedStatement>();
  private readonly lock = new Mutex();
  private closed = false;

  constructor(
    readonly connection: DuckDBConnection,
    private readonly capacity = 256,
  ) {}

  read(sql: string, params: readonly QueryParam[]): Promise<DuckDBResultReader> {
    return this.lock.run(async () => {
      if (this.closed) throw new Error('the connection is closed');
      const statement = await this.prepared(sql);
      bindParams(statement, params);
      return statement.runAndReadAll();
    });
  }

  async rows(sql: string, params: readonly QueryParam[]): Promise<Row[]> {
    return readRows(await this.read(sql, params));
  }

  /** Rows changed by a DML statement. */
  async changed(sql: string, params: readonly QueryParam[]): Promise<number> {
    return (await this.read(sql, params)).rowsChanged;
  }

  async close(): Promise<void> {
    await this.lock.run(async () => {
      if (this.closed) return;
      this.closed = true;
      for (const statement of this.statements.values()) statement.destroySync();
      this.statements.clear();
      this.connection.closeSync();
    });
  }

  private async prepared(sql: string): Promise<DuckDBPreparedStatement> {
    const cached = this.statements.get(sql);
    if (cached !== undefined) {
      // Map order doubles as recency order.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = await this.connection.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > this.capacity) {
      const [oldestSql, oldest] = this.statements.entries().next().value as [string, DuckDBPreparedStatement];
      this.statements.delete(oldestSql);
      oldest.destroySync();
    }
    return statement;
  }
}
