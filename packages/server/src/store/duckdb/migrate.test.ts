import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStores } from './index.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './schema.js';

describe('DuckDB migrations', () => {
  it('refuse a store a newer release has migrated, naming both versions, and change nothing in it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-migrate-'));
    try {
      const latest = Math.max(...MIGRATIONS.map((m) => m.version));
      const instance = await DuckDBInstance.create(join(dir, 'pulse.duckdb'));
      const connection = await instance.connect();
      await migrate(connection);
      // What the next release's migration leaves behind: its record (and a table this release knows nothing of).
      await connection.run('CREATE TABLE from_the_future (x INTEGER)');
      await connection.run(`INSERT INTO schema_migrations VALUES (${latest + 1}, 'from the future', now())`);
      connection.closeSync();
      instance.closeSync();
      await expect(openEmbeddedStores({ dataDir: dir })).rejects.toThrow(
        new RegExp(`schema version ${latest + 1}.*newer.*up to ${latest}.*backup`, 'i'),
      );
      // Refused before anything ran: the file opens again (its lock released), with its records as they were.
      const again = await DuckDBInstance.create(join(dir, 'pulse.duckdb'));
      const c = await again.connect();
      const versions = (await c.runAndReadAll('SELECT max(version) FROM schema_migrations')).getRows();
      expect(Number(versions[0]![0])).toBe(latest + 1);
      c.closeSync();
      again.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
