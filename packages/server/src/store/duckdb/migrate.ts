import type { DuckDBConnection } from '@duckdb/node-api';
import { MIGRATIONS, type Migration } from './schema.js';

/**
 * Runs the migrations not yet recorded in `schema_migrations`, in version order, each with its
 * record in one transaction. Returns the versions applied. A store recording a version past the last one known
 * (migrated by a later release) is refused before anything runs.
 */
export async function migrate(
  connection: DuckDBConnection,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): Promise<number[]> {
  await connection.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
  )`);
  const done = new Set(
    (await connection.runAndReadAll('SELECT version FROM schema_migrations')).getRows().map((r) => Number(r[0])),
  );
  // A store a later release migrated: this one would write to tables whose shape it does not know. Refused, untouched.
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...done);
  if (newest > known) {
    throw new Error(`the store's schema version ${newest} is newer than this release of Pulse knows (up to ${known}): a later release migrated it. ` +
      'Run that release again, or restore the backup taken before the upgrade (docs/operations.md#upgrading)');
  }
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    await connection.run('BEGIN TRANSACTION');
    try {
      for (const sql of migration.sql) await connection.run(sql);
      await migration.then?.(connection);
      await connection.run('INSERT INTO schema_migrations VALUES ($1, $2, epoch_ms($3::BIGINT))', [
        migration.version,
        migration.name,
        now(),
      ]);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${migration.version} (${migration.name}) failed`, { cause: error });
    }
    applied.push(migration.version);
  }
  return applied;
}
