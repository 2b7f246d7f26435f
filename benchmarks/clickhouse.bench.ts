/**
 * Issue 12, item 6: Pulse on ClickHouse + PostgreSQL side by side with Pulse on the embedded DuckDB store, in one run —
 * ingest through HTTP with one and two ClickHouse-backed instances (clickhouse-ingest.ts), query p95 and bytes per event
 * on the same rows at 10M events (clickhouse-query.ts). ClickHouse is a private server of scripts/clickhouse.sh with zstd
 * for merged parts (docs/scaling.md recommends it); PostgreSQL is the run's (run.ts).
 *
 *   npm run bench -- --only clickhouse            # 10M events
 *   npm run bench -- --only clickhouse --quick    # 100k, short rows: checks that it runs
 *   PULSE_BENCH_CH_EVENTS=1000000 npm run bench -- --only clickhouse
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ingestPhase } from './clickhouse-ingest.js';
import { queryPhase } from './clickhouse-query.js';
import { clickhouseResults, renderClickHouseMarkdown } from './clickhouse-report.js';
import { clickhouseMissing, startClickHouse } from './clickhouse/service.js';
import { requestPool } from './dataset.js';
import { postmasterPid, type PostgresTarget } from './postgres/service.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export interface ClickHouseBenchDeps {
  repoRoot: string;
  postgres: PostgresTarget;
  log: (message: string) => void;
  /** Events in both stores for the query half; default 10M (quick: 100k). */
  events?: number;
}

export function clickhouseBench(deps: ClickHouseBenchDeps): Bench {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const log = (m: string): void => deps.log(`[clickhouse] ${m}`);
    const missing = clickhouseMissing();
    if (missing !== null) throw new Error(missing);
    const pg = deps.postgres;
    if (!pg.ok) throw new Error(`Pulse on ClickHouse needs PostgreSQL for its metadata: ${pg.reason}`);
    const size = deps.events ?? (opts.quick ? 100_000 : 10_000_000);
    const pool = requestPool(opts.quick ? 20_000 : 400_000);
    const ch = await startClickHouse(deps.repoRoot, join(opts.tmpDir, 'clickhouse-server'), 'zstd');
    log(`ClickHouse ${ch.version} at ${ch.url}; PostgreSQL ${pg.version}`);
    try {
      const postgresPid = await postmasterPid(pg.url);
      const ingest = await ingestPhase({
        repoRoot: deps.repoRoot, dir: join(opts.tmpDir, 'ingest'), ch, postgresUrl: pg.url, postgresPid, pool, quick: opts.quick, log,
      });
      const query = await queryPhase({ repoRoot: deps.repoRoot, dir: join(opts.tmpDir, 'query'), ch, postgresUrl: pg.url, size, quick: opts.quick, log });
      const run = {
        clickhouseVersion: ch.version, compression: ch.compression, postgresVersion: pg.version.split(' ')[0] ?? pg.version,
        postgresCpu: postgresPid !== null, cores: availableParallelism(), quick: opts.quick, ingest, query,
      };
      return { id: 'clickhouse', title: 'ClickHouse vs DuckDB (scale-out)', markdown: renderClickHouseMarkdown(run), results: clickhouseResults(run) };
    } finally {
      await ch.stop();
    }
  };
}
