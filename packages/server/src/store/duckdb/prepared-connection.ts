import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBPreparedStatement } from '@duckdb/node-api';
import { QueryTimeoutError, type QueryParam, type Row } from '../types.js';
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

  /**
   * With `deadline` (epoch ms from performance.now()): a statement still waiting for the connection then is
   * not run, and one still running is interrupted (DuckDB's interrupt), so a costly query never holds a
   * connection — or its client — past the limit. Both reject with QueryTimeoutError.
   */
  read(sql: string, params: readonly QueryParam[], deadline?: number): Promise<DuckDBMaterializedResult> {
    return this.lock.run(async () => {
      if (this.closed) throw new Error('the connection is closed');
      const statement = await this.prepared(sql);
      bindParams(statement, params);
      if (deadline === undefined) return statement.run();
      const left = deadline - performance.now();
      if (left <= 0) throw new QueryTimeoutError('query timed out waiting for a connection');
      let interrupted = false;
      const timer = setTimeout(() => {
        interrupted = true;
        this.connection.interrupt();
      }, left);
      try {
        return await statement.run();
      } catch (error) {
        if (interrupted) throw new QueryTimeoutError('query timed out and was interrupted', { cause: error });
        throw error;
      } finally {
        clearTimeout(timer);
      }
    });
  }

  async rows(sql: string, params: readonly QueryParam[], deadline?: number): Promise<Row[]> {
    return readRows(await this.read(sql, params, deadline));
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
