import type { ClickHouseClient } from '@clickhouse/client';
import { literal } from './literal.js';
import { CLICKHOUSE_MIGRATIONS, type ClickHouseMigration } from './schema.js';

/**
 * Runs the migrations not yet recorded in `pulse_migrations`, in order. Several Pulse instances may start at once:
 * every statement is idempotent, and a version recorded twice is harmless (ReplacingMergeTree keyed on it).
 */
export async function migrateClickHouse(client: ClickHouseClient, migrations: readonly ClickHouseMigration[] = CLICKHOUSE_MIGRATIONS): Promise<number[]> {
  await client.command({
    query: 'CREATE TABLE IF NOT EXISTS pulse_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version',
  });
  const done = new Set(
    (await (await client.query({ query: 'SELECT DISTINCT version FROM pulse_migrations', format: 'JSONEachRow' })).json<{ version: number }>()).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await client.command({ query: statement });
    await client.command({ query: `INSERT INTO pulse_migrations (version, name) VALUES (${literal(m.version)}, ${literal(m.name)})` });
    applied.push(m.version);
  }
  return applied;
}
