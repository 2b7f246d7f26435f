import type { DuckDbHandle } from './open.js';
import { PreparedConnection } from './prepared-connection.js';

/**
 * A small store on the embedded file with a connection of its own (export jobs, report runs, …): it holds a
 * reference on the file from `init()` to `close()`, so the file closes only after its last user.
 */
export abstract class OwnConnectionStore {
  private connection: PreparedConnection | null = null;

  /**
   * `tables`: `CREATE TABLE IF NOT EXISTS …` statements a store of a later feature keeps to itself (run under the
   * write lock at init); tables of the versioned schema come from migrations instead.
   */
  constructor(private readonly db: DuckDbHandle, private readonly what: string, private readonly tables: readonly string[] = []) {}

  async init(): Promise<void> {
    if (this.connection !== null) return;
    if (this.tables.length > 0) {
      await this.db.writeLock.run(async () => {
        for (const sql of this.tables) await this.db.writer.run(sql);
      });
    }
    this.db.retain();
    this.connection = new PreparedConnection(await this.db.connect());
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection === null) return;
    await connection.close();
    await this.db.release();
  }

  /**
   * `work` in one write transaction on this store's connection (BEGIN, then COMMIT, or ROLLBACK if it throws), with the
   * connection to itself meanwhile and in turn with checkpoints (`sideTransaction`).
   */
  protected transaction<T>(work: (c: Pick<PreparedConnection, 'rows' | 'changed'>) => Promise<T>): Promise<T> {
    const connection = this.open();
    return connection.exclusive((c) => this.db.sideTransaction(connection.connection, () => work(c)));
  }

  protected open(): PreparedConnection {
    if (this.connection === null) throw new Error(`the ${this.what} store is closed`);
    return this.connection;
  }
}
