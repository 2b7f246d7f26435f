import {
  SCOPES,
  type ApiKeyRecord,
  type MetaStore,
  type ProjectRecord,
  type Row,
  type Scope,
} from '../types.js';
import type { DuckDbHandle } from './open.js';
import { PreparedConnection } from './prepared-connection.js';

const KEY_COLUMNS = 'id, project, scope, name, prefix, created_at, revoked_at';

function toScope(value: unknown): Scope {
  const scope = SCOPES.find((s) => s === value);
  if (scope === undefined) throw new Error(`api_keys holds an unknown scope: ${String(value)}`);
  return scope;
}

function toKey(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    project: String(row.project),
    scope: toScope(row.scope),
    name: row.name === null ? null : String(row.name),
    prefix: String(row.prefix),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

function toProject(row: Row): ProjectRecord {
  return { name: String(row.name), createdAt: Number(row.created_at), storeText: row.store_text === true };
}

/** Projects and API keys, in the same file as the events, on a connection of their own. */
export class DuckDbMetaStore implements MetaStore {
  private connection: PreparedConnection | null = null;
  private closing: Promise<void> | null = null;
  /** The file belongs to one process, so this process's revocations are all there is to hear. */
  private readonly keyListeners = new Set<() => void>();

  constructor(private readonly db: DuckDbHandle) {}

  async init(): Promise<void> {
    if (this.connection !== null || this.closing !== null) return;
    this.db.retain();
    this.connection = new PreparedConnection(await this.db.connect());
  }

  async createKey(key: Omit<ApiKeyRecord, 'revokedAt'> & { hash: string }): Promise<void> {
    await this.open().changed(
      `INSERT INTO api_keys (id, project, scope, name, prefix, hash, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, epoch_ms(?::BIGINT), NULL)`,
      [key.id, key.project, key.scope, key.name, key.prefix, key.hash, key.createdAt],
    );
  }

  async listKeys(project?: string): Promise<ApiKeyRecord[]> {
    const rows =
      project === undefined
        ? await this.open().rows(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`, [])
        : await this.open().rows(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE project = ? ORDER BY created_at, id`, [
            project,
          ]);
    return rows.map(toKey);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const rows = await this.open().rows(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = ? AND revoked_at IS NULL`,
      [hash],
    );
    return rows[0] === undefined ? null : toKey(rows[0]);
  }

  async revokeKey(id: string, atMs: number): Promise<boolean> {
    const changed = await this.open().changed(
      'UPDATE api_keys SET revoked_at = epoch_ms(?::BIGINT) WHERE id = ? AND revoked_at IS NULL',
      [atMs, id],
    );
    if (changed > 0) for (const listener of this.keyListeners) listener();
    return changed > 0;
  }

  onKeysChanged(listener: () => void): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  async getProject(name: string): Promise<ProjectRecord | null> {
    const rows = await this.open().rows('SELECT name, created_at, store_text FROM projects WHERE name = ?', [name]);
    return rows[0] === undefined ? null : toProject(rows[0]);
  }

  /** Creates the project, or updates its settings; the creation time of an existing project is kept. */
  async upsertProject(project: ProjectRecord): Promise<void> {
    await this.open().changed(
      `INSERT INTO projects (name, created_at, store_text) VALUES (?, epoch_ms(?::BIGINT), ?)
       ON CONFLICT (name) DO UPDATE SET store_text = excluded.store_text`,
      [project.name, project.createdAt, project.storeText],
    );
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (await this.open().rows('SELECT name, created_at, store_text FROM projects ORDER BY name', [])).map(
      toProject,
    );
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const connection = this.connection;
      this.connection = null;
      if (connection === null) return;
      await connection.close();
      await this.db.release();
    })();
    return this.closing;
  }

  private open(): PreparedConnection {
    if (this.connection === null) throw new Error('the meta store is not open');
    return this.connection;
  }
}
