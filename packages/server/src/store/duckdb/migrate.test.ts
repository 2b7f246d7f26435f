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

  it('11 adds priced_tokens to the partial rows: none where no event had a cost, all the tokens where one had', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-migrate-'));
    try {
      const instance = await DuckDBInstance.create(join(dir, 'pulse.duckdb'));
      const c = await instance.connect();
      await migrate(c, MIGRATIONS.filter((m) => m.version <= 10));
      const row = (table: string, ts: string, model: string, cost: string) =>
        `INSERT INTO ${table} (project, ts, type, model, status, n, input_tokens, output_tokens, cost_usd, ts_min, ts_max, compacted) ` +
        `VALUES ('p1', TIMESTAMP '${ts}', 'llm', '${model}', 'ok', 2, 600, 400, ${cost}, TIMESTAMP '${ts}', TIMESTAMP '${ts}', true)`;
      await c.run(row('rollup_hour', '2026-03-10 10:00:00', 'house-7b', 'NULL'));
      await c.run(row('rollup_hour', '2026-03-10 10:00:00', 'gpt-4o', '0.011'));
      await c.run(row('rollup_day', '2026-03-09 00:00:00', 'house-7b', 'NULL'));
      await c.run(row('rollup_day', '2026-03-09 00:00:00', 'gpt-4o', '0.011'));
      expect(await migrate(c)).toEqual([11]);
      for (const table of ['rollup_hour', 'rollup_day']) {
        // The writers fill the table by position: priced_tokens goes before compacted, which stays last.
        const columns = (await c.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`)).getRows().map((r) => r[0]);
        expect(columns.slice(-3)).toEqual(['mentions', 'priced_tokens', 'compacted']);
        const rows = (await c.runAndReadAll(`SELECT model, n, cost_usd, priced_tokens, compacted FROM ${table} ORDER BY model`)).getRows();
        expect(rows.map((r) => [r[0], Number(r[1]), r[2], r[3] === null ? null : Number(r[3]), r[4]])).toEqual([
          ['gpt-4o', 2, 0.011, 1000, true],
          ['house-7b', 2, null, null, true],
        ]);
      }
      const tables = (await c.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%_v10'`)).getRows();
      expect(tables).toEqual([]);
      c.closeSync();
      instance.closeSync();
      // The store opens on the migrated file and rolls up into the new column.
      const stores = await openEmbeddedStores({ dataDir: dir, rollups: { compactEveryMs: 0 } });
      try {
        await stores.store.append({ events: [{ project: 'p1', ts: Date.parse('2026-03-10T10:30:00Z'), type: 'llm', model: 'house-7b', status: 'ok', input_tokens: 5, output_tokens: 5, cost_usd: 0.5 } as never] });
        await stores.store.rollups!.catchUp();
        const [sum] = await stores.store.query(`SELECT sum(priced_tokens) AS priced, count(*) AS n FROM rollup_hour WHERE model = 'house-7b'`, []);
        expect(Number(sum!.priced)).toBe(10);
      } finally {
        await stores.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
