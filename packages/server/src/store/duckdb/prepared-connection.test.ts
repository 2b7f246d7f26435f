import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparedConnection } from './prepared-connection.js';

/** Real DuckDB, in memory. */
let instance: DuckDBInstance;
let db: PreparedConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = new PreparedConnection(await instance.connect(), 256, 4);
  await db.changed('CREATE TABLE t AS SELECT range AS i, (range % 97)::VARCHAR AS k FROM range(50000)', []);
});
afterAll(async () => {
  await db.close();
  instance.closeSync();
});

const allocated = async (): Promise<number> =>
  Number((await db.rows("SELECT coalesce(sum(memory_usage_bytes), 0) AS b FROM duckdb_memory() WHERE tag = 'ALLOCATOR'", []))[0]!.b);

describe('PreparedConnection', () => {
  it('keeps the plans of only its few most recent statements without parameters (each holds pool memory)', async () => {
    // A plan with a top-N keeps ~1 MB of DuckDB's pool while it is kept (measured with DuckDB 1.5.6).
    const topN = (n: number): string => `SELECT k, count(*) AS c FROM t WHERE i >= ${n} GROUP BY k ORDER BY c DESC, k LIMIT 11`;
    for (let n = 0; n < 4; n++) await db.rows(topN(n), []);
    const four = await allocated();
    for (let n = 4; n < 40; n++) {
      const rows = await db.rows(topN(n), []);
      expect(rows).toHaveLength(11);
    }
    // Unbounded, 36 more kept plans would hold ~36 MB.
    expect(await allocated()).toBeLessThanOrEqual(four + 2_000_000);
    // The kept ones still answer, from the rows as they are now.
    expect(await db.rows(topN(39), [])).toEqual(await db.rows(topN(39).replace('LIMIT 11', 'LIMIT 11 OFFSET 0'), []));
  });

  it('keeps many statements with parameters (DuckDB plans those on every run, so they hold little)', async () => {
    const before = await allocated();
    for (let n = 0; n < 300; n++) {
      expect(await db.rows(`SELECT count(*) + ${n} AS c FROM t WHERE i < ? ORDER BY c DESC LIMIT 11`, [10])).toEqual([{ c: 10 + n }]);
    }
    // 256 of them kept, each with a top-N: kept as plans they would hold ~250 MB.
    expect(await allocated()).toBeLessThanOrEqual(before + 2_000_000);
  });
});
