import type { PgDb } from './connection.js';
import { PG_MIGRATIONS, type PgMigration } from './schema.js';

/**
 * Brings the schema to the newest version. Everything runs in one transaction that first takes a transaction-level
 * advisory lock (keyed by the schema name), so instances starting together queue here: the first migrates, the others
 * then find every version recorded and do nothing. A failing migration rolls back whole; nothing half-applied remains.
 * Returns the versions this call applied.
 */
export async function migratePostgres(db: PgDb, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number[]> {
  return db.transaction(async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('pulse-migrations'), hashtext($1))", [db.schema]);
    // The schema name was checked against SCHEMA_NAME (a bare lower-case identifier) when the pool was opened.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS pulse_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query('SELECT version FROM pulse_migrations')).rows.map((r: { version: number }) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const sql of m.sql) await client.query(sql);
      await client.query('INSERT INTO pulse_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
