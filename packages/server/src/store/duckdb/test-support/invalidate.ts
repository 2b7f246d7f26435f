import type { DuckDbHandle } from '../open.js';

/**
 * Makes DuckDB invalidate `db` for real, the way loads met it: a CHECKPOINT that runs out of memory halfway, which
 * DuckDB treats as fatal. Not a mock: the spill directory is turned off (so the pool cannot make room), the pool is
 * limited to what it holds plus 8 MB, a ballast table is filled by small inserts until an insert fails, and the
 * checkpoint then fails with "FATAL Error: Failed to create checkpoint …". Needs a database whose spill directory was
 * never used (DuckDB refuses to change it afterwards), i.e. a store opened for the test. Returns the checkpoint's error.
 *
 * Under that limit a checkpoint of the server's own (a background task's commit) may fail first, between two of these
 * statements: the database is then invalidated all the same, and the statement that meets it returns its error
 * rather than throwing it; and one that succeeds writes the ballast out, so the fill is repeated (a CI run met such a
 * race: the server's idle checkpoint runs every 2 s).
 */
export async function invalidateDuckDb(db: DuckDbHandle): Promise<Error> {
  const connection = await db.connect();
  try {
    return await fillAndCheckpoint(connection);
  } catch (error) {
    if (error instanceof Error && INVALIDATED.test(error.message)) return error;
    throw error;
  } finally {
    connection.closeSync();
  }
}

const INVALIDATED = /database has been invalidated/i;

async function fillAndCheckpoint(connection: Awaited<ReturnType<DuckDbHandle['connect']>>): Promise<Error> {
  await connection.run(`SET temp_directory = ''`);
  const [row] = (await connection.runAndReadAll('SELECT sum(memory_usage_bytes) FROM duckdb_memory()')).getRows();
  const usedMb = Math.ceil(Number(row?.[0] ?? 0) / 1e6);
  await connection.run('CREATE OR REPLACE TABLE fault_ballast (n BIGINT, s VARCHAR)');
  await connection.run(`SET memory_limit = '${usedMb + 8}MB'`);
  // A checkpoint of the server's own (its idle checkpoint) may write the ballast out between the fill and ours, and
  // ours then has room: fill again, under the same limit.
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 10_000; i++) {
      try {
        await connection.run(`INSERT INTO fault_ballast SELECT range, repeat('x', 30) FROM range(2000)`);
      } catch {
        break;
      }
    }
    try {
      await connection.run('CHECKPOINT');
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
  throw new Error('the checkpoint did not fail: the database was not invalidated');
}
