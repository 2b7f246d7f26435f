import { SCOPES, type ApiKeyRecord, type MetaStore, type ProjectRecord, type Scope } from '../types.js';
import { msColumn, num, numOrNull, PgStore, strOrNull, tsParam, type PgDb, type PgRow } from './connection.js';

const KEY_COLUMNS = `id, project, scope, name, prefix, ${msColumn('created_at')}, ${msColumn('revoked_at')}`;
const PROJECT_COLUMNS = `name, ${msColumn('created_at')}, store_text`;

function toScope(value: unknown): Scope {
  const scope = SCOPES.find((s) => s === value);
  if (scope === undefined) throw new Error(`api_keys holds an unknown scope: ${String(value)}`);
  return scope;
}

function toKey(row: PgRow): ApiKeyRecord {
  return {
    id: String(row.id), project: String(row.project), scope: toScope(row.scope), name: strOrNull(row.name),
    prefix: String(row.prefix), createdAt: num(row.created_at), revokedAt: numOrNull(row.revoked_at),
  };
}

function toProject(row: PgRow): ProjectRecord {
  return { name: String(row.name), createdAt: num(row.created_at), storeText: row.store_text === true };
}

/**
 * Projects and API keys in PostgreSQL, shared by every Pulse instance. Key changes are announced by a trigger
 * (schema.ts); `onKeysChanged` listeners hear them through the listener that index.ts starts, so a key revoked on
 * one instance stops working on all of them at once.
 */
export class PostgresMetaStore extends PgStore implements MetaStore {
  private readonly listeners = new Set<() => void>();

  constructor(db: PgDb) {
    super(db, 'meta');
  }

  async createKey(key: Omit<ApiKeyRecord, 'revokedAt'> & { hash: string }): Promise<void> {
    await this.db().changed(
      `INSERT INTO api_keys (id, project, scope, name, prefix, hash, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, ${tsParam('$7')}, NULL)`,
      [key.id, key.project, key.scope, key.name, key.prefix, key.hash, key.createdAt],
    );
  }

  async listKeys(project?: string): Promise<ApiKeyRecord[]> {
    // COLLATE "C": byte order, as DuckDB sorts, whatever the database's locale.
    const rows = project === undefined
      ? await this.db().rows(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY api_keys.created_at, id COLLATE "C"`)
      : await this.db().rows(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE project = $1 ORDER BY api_keys.created_at, id COLLATE "C"`, [project]);
    return rows.map(toKey);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.db().rows(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`, [hash]);
    return row === undefined ? null : toKey(row);
  }

  async revokeKey(id: string, atMs: number): Promise<boolean> {
    const changed = await this.db().changed(`UPDATE api_keys SET revoked_at = ${tsParam('$1')} WHERE id = $2 AND revoked_at IS NULL`, [atMs, id]);
    // The trigger's notification reaches this instance too, a moment later; this one is immediate.
    if (changed > 0) this.keysChanged();
    return changed > 0;
  }

  async getProject(name: string): Promise<ProjectRecord | null> {
    const [row] = await this.db().rows(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE name = $1`, [name]);
    return row === undefined ? null : toProject(row);
  }

  /** Creates the project, or updates its settings; the creation time of an existing project is kept. */
  async upsertProject(project: ProjectRecord): Promise<void> {
    await this.db().changed(
      `INSERT INTO projects (name, created_at, store_text) VALUES ($1, ${tsParam('$2')}, $3)
       ON CONFLICT (name) DO UPDATE SET store_text = excluded.store_text`,
      [project.name, project.createdAt, project.storeText],
    );
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (await this.db().rows(`SELECT ${PROJECT_COLUMNS} FROM projects ORDER BY name COLLATE "C"`)).map(toProject);
  }

  onKeysChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for every notification on the keys channel (and when the listener may have missed some). */
  keysChanged(): void {
    for (const listener of this.listeners) listener();
  }
}
