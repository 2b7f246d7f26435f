/**
 * Why DuckDB's statistics propagation stays off (store/duckdb/open.ts): with it on, a prepared statement keeps what the
 * pass derived from the tables as they were when prepared and answers wrongly once they grow, so keeping it on would
 * mean preparing every query again. This compares the two ways, interleaved round by round in one process on the same
 * store: off with the statements prepared once and reused (what Pulse does) against on with each statement prepared
 * for every run. The statements are the query bench's cases (benchmarks/query-cases.ts) as the query layer compiles
 * them, read through the rollups once they have caught up. A plain script (times in one process, not a bench section):
 *
 *   node --import tsx benchmarks/statistics-setting.ts [--events 10000000] [--rounds 9]
 */
import { DuckDBInstance, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeQuery } from '../packages/server/src/query/run.js';
import { parseQuerySpec } from '../packages/server/src/query/params.js';
import { apiMetrics } from '../packages/server/src/query/presets/api-metrics.js';
import { performanceMetrics } from '../packages/server/src/query/presets/performance-metrics.js';
import { usageOverview } from '../packages/server/src/query/presets/usage-overview.js';
import { openEmbeddedStores } from '../packages/server/src/store/duckdb/index.js';
import { bindParams } from '../packages/server/src/store/duckdb/values.js';
import type { QueryParam } from '../packages/server/src/store/types.js';
import { caseRange, QUERY_CASES } from './query-cases.js';
import { RUN_END_MS, storedDataset } from './lib/stored-dataset.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const count = Number(arg('events', '10000000'));
const rounds = Number(arg('rounds', '9'));
const dataDir = join(repoRoot, '.tmp', 'statistics-setting');
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
await storedDataset(repoRoot, dataDir, { count, endMs: RUN_END_MS }, (m) => process.stderr.write(`${m}\n`));

// Catch the rollups up, then capture each case's statements as the query layer runs them.
interface Statement { sql: string; params: QueryParam[] }
const captured = new Map<string, Statement[]>();
{
  const stores = await openEmbeddedStores({ dataDir });
  const rollups = stores.store.rollups!;
  while (!rollups.caughtUp()) await rollups.catchUp();
  let current: Statement[] = [];
  const query = stores.store.query.bind(stores.store);
  const store = Object.assign(Object.create(stores.store) as typeof stores.store, {
    query: (sql: string, params: readonly QueryParam[]) => {
      current.push({ sql, params: [...params] });
      return query(sql, params);
    },
  });
  for (const c of QUERY_CASES) {
    current = [];
    const range = caseRange(c, RUN_END_MS);
    const input = { store, project: 'default', range, filters: [] };
    if (c.path.startsWith('/v1/query')) {
      const q: Record<string, string> = Object.fromEntries(new URL(c.path, 'http://x').searchParams);
      q.start_date = new Date(range.startMs).toISOString();
      q.end_date = new Date(range.endMs).toISOString();
      await executeQuery(store, parseQuerySpec(q, 'default', RUN_END_MS));
    } else if (c.id.startsWith('usage_overview')) await usageOverview(input, 'day');
    else if (c.id.startsWith('performance_metrics')) await performanceMetrics(input, null, Date.now());
    else await apiMetrics(input);
    captured.set(c.id, current);
  }
  await stores.close();
}

const instance = await DuckDBInstance.create(join(dataDir, 'pulse.duckdb'), { disabled_optimizers: 'statistics_propagation' });
const connection = await instance.connect();
const reused = new Map<string, DuckDBPreparedStatement>();
const times = new Map<string, { off: number[]; on: number[] }>();
for (let round = 0; round <= rounds; round++) {
  // Round 0 warms both up; the order alternates so neither always runs first.
  for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
    await connection.run(`SET disabled_optimizers = '${mode === 'off' ? 'statistics_propagation' : ''}'`);
    for (const [id, statements] of captured) {
      const t0 = performance.now();
      await Promise.all(statements.map(async (s) => {
        let p = mode === 'off' ? reused.get(s.sql) : undefined;
        if (p === undefined) {
          p = await connection.prepare(s.sql);
          if (mode === 'off') reused.set(s.sql, p);
        }
        bindParams(p, s.params);
        await p.runAndReadAll();
      }));
      if (round > 0) {
        const t = times.get(id) ?? { off: [], on: [] };
        t[mode].push(performance.now() - t0);
        times.set(id, t);
      }
    }
  }
}
connection.closeSync();
instance.closeSync();
rmSync(dataDir, { recursive: true, force: true });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let logSum = 0;
console.log(`${count.toLocaleString('en-US')} events, ${rounds} interleaved rounds, medians in ms (in-process, no HTTP)\n`);
console.log('| query | off, reused | on, prepared per run | on / off |\n| --- | ---: | ---: | ---: |');
for (const [id, t] of times) {
  const off = median(t.off);
  const on = median(t.on);
  logSum += Math.log(on / off);
  console.log(`| ${id} | ${off.toFixed(1)} | ${on.toFixed(1)} | ${(on / off).toFixed(2)}× |`);
}
console.log(`\nGeometric mean on / off: ${Math.exp(logSum / times.size).toFixed(2)}×`);
