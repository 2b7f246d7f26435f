import type { DuckDbHandle } from './open.js';
import { PreparedConnection } from './prepared-connection.js';

/**
 * A small store on the embedded file with a connection of its own (export jobs, report runs, …): it holds a
 * reference on the file from `init()` to `close()`, so the file closes only after its last user.
 */
export abstract class OwnConnectionStore {
  private connection: PreparedConnection | null = null;

  constructor(private readonly db: DuckDbHandle, private readonly what: string) {}

  async init(): Promise<void> {
    if (this.connection !== null) return;
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

  protected open(): PreparedConnection {
    if (this.connection === null) throw new Error(`the ${this.what} store is closed`);
    return this.connection;
  }
}
