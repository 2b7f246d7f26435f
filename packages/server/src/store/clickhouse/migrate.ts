import type { ClickHouseClient } from '@clickhouse/client';
import { clickHouseErrorCode } from './error-code.js';
import { literal } from './literal.js';
import { CLICKHOUSE_MIGRATIONS, type ClickHouseMigration } from './schema.js';

export type MigrationRole = 'events' | 'meta' | 'rollups';

/**
 * Runs the migrations not yet recorded in the database's `pulse_migrations`, in order, keeping the statements of the
 * given roles (schema.ts): all for a single server; `events` and `rollups` in each shard's database and `meta` in the
 * entry database with shards. Several Pulse instances may start at once: every statement is idempotent, and a version
 * recorded twice is harmless (ReplacingMergeTree keyed on it). A later migration that changes `events` on shards must
 * also change the Distributed table over them (event-store.ts creates it).
 */
export async function migrateClickHouse(
  client: ClickHouseClient,
  roles: ReadonlySet<MigrationRole> = new Set(['events', 'meta', 'rollups']),
  migrations: readonly ClickHouseMigration[] = CLICKHOUSE_MIGRATIONS,
): Promise<number[]> {
  await client.command({
    query: 'CREATE TABLE IF NOT EXISTS pulse_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version',
  });
  const done = new Set(
    (await (await client.query({ query: 'SELECT DISTINCT version FROM pulse_migrations', format: 'JSONEachRow' })).json<{ version: number }>()).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) {
      if (!roles.has(statement.on)) continue;
      await client.command({ query: statement.sql }).catch((error: unknown) => {
        if (statement.doneIfError === undefined || clickHouseErrorCode(error) !== statement.doneIfError) throw error;
      });
    }
    await client.command({ query: `INSERT INTO pulse_migrations (version, name) VALUES (${literal(m.version)}, ${literal(m.name)})` });
    applied.push(m.version);
  }
  return applied;
}
