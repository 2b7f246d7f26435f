/**
 * The query half of the `clickhouse` bench: the same rows (lib/stored-dataset.ts's events, 30 days ending at the run's
 * end time) in the embedded DuckDB store and in ClickHouse, each served by a Pulse child process; every case of
 * query-cases.ts timed through HTTP on both, interleaved case by case so drift on a shared machine hits both alike.
 * Bytes on disk are measured per store: the events table, the rollup tables and everything.
 */
import { mkdirSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { loadClickHouse, type ClickHouseLoad } from './clickhouse/load.js';
import { clickhousePulseEnv, DUCKDB_PULSE_ENV, type ClickHouseService } from './clickhouse/service.js';
import { splitBytes, tableBytes, type StoreBytes } from './clickhouse/storage.js';
import { duckDbStorage } from './lib/duckdb-storage.js';
import { createAgent, getOk } from './lib/http.js';
import { dirBytes, RssSampler } from './lib/proc.js';
import { startPulseProcess, type PulseProcess } from './lib/pulse-process.js';
import { summarize, type Summary } from './lib/stats.js';
import { RUN_END_MS, storedDataset } from './lib/stored-dataset.js';
import { timePulse, type RepeatPlan } from './lib/timing.js';
import { dropSchema } from './postgres/service.js';
import { crossCheckPulse, type CrossCheck } from './query-check.js';
import { caseRange, pulseUrl, QUERY_CASES } from './query-cases.js';
import { PULSE_PLAN_FULL, PULSE_PLAN_QUICK } from './query-settings.js';

const DATABASE = 'bench_query';
const SCHEMA = 'pulse_bench_query';
const DAY_MS = 86_400_000;
const MB = 1e6;

export interface EngineCase {
  id: string;
  label: string;
  days: number;
  duckdb: Summary;
  clickhouse: Summary;
}

export interface QueryPhase {
  size: number;
  plan: RepeatPlan;
  clickhouseLoad: ClickHouseLoad;
  /** DuckDB: the whole data directory after a clean stop; events and rollup tables within the file. */
  duckdbBytes: StoreBytes;
  clickhouseBytes: StoreBytes;
  /** `count` over the 30 days, as each Pulse answers it. */
  counts: { duckdb: number; clickhouse: number };
  cases: EngineCase[];
  checks: CrossCheck[];
  httpFloor: { duckdb: Summary; clickhouse: Summary };
  /** Largest RSS sampled while querying. */
  rssMb: { duckdbPulse: number | null; clickhousePulse: number | null; clickhouseServer: number | null };
}

export interface QueryPhaseDeps {
  repoRoot: string;
  dir: string;
  ch: ClickHouseService;
  postgresUrl: string;
  size: number;
  quick: boolean;
  log: (m: string) => void;
}

const ROLLUP_TABLE = /^(rollup_(minute|hour|day)|latency_|phases_)/;

async function duckdbBytes(dataDir: string): Promise<StoreBytes> {
  const s = await duckDbStorage(join(dataDir, 'pulse.duckdb'));
  const tables = Object.entries(s.tables);
  return {
    events: s.tables.events?.bytes ?? 0,
    rollups: tables.filter(([name]) => ROLLUP_TABLE.test(name)).reduce((sum, [, t]) => sum + t.bytes, 0),
    total: await dirBytes(dataDir),
    free: s.freeBlocks * s.blockSize,
    eventRows: s.tables.events?.rows ?? 0,
  };
}

async function countAll(agent: http.Agent, base: URL, endMs: number): Promise<number> {
  const url = new URL('/v1/query?measures=count', base);
  url.searchParams.set('start_date', new Date(endMs - 30 * DAY_MS).toISOString());
  url.searchParams.set('end_date', new Date(endMs).toISOString());
  const body = JSON.parse((await getOk(agent, url)).body) as { data: { count: number }[] };
  return Number(body.data[0]?.count ?? 0);
}

export async function queryPhase(deps: QueryPhaseDeps): Promise<QueryPhase> {
  const endMs = RUN_END_MS;
  const spec = { count: deps.size, endMs };
  const duckDir = join(deps.dir, 'duckdb');
  mkdirSync(deps.dir, { recursive: true });
  await storedDataset(deps.repoRoot, duckDir, spec, deps.log);
  deps.log(`loading ${deps.size.toLocaleString('en-US')} events into ClickHouse`);
  const clickhouseLoad = await loadClickHouse(deps.ch.url, DATABASE, spec, deps.log);
  deps.log(`ClickHouse: appended in ${clickhouseLoad.appendSeconds.toFixed(0)} s, merged in ${clickhouseLoad.mergeSeconds.toFixed(0)} s`);
  const clickhouseBytes = splitBytes(await tableBytes(deps.ch.url, DATABASE));

  await dropSchema(deps.postgresUrl, SCHEMA);
  const servers: PulseProcess[] = [];
  const plan = deps.quick ? PULSE_PLAN_QUICK : PULSE_PLAN_FULL;
  const cases: EngineCase[] = [];
  const checks: CrossCheck[] = [];
  let counts: QueryPhase['counts'];
  let httpFloor: QueryPhase['httpFloor'];
  const samplers: RssSampler[] = [];
  try {
    const duck = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir: duckDir, workDir: deps.dir, env: DUCKDB_PULSE_ENV });
    servers.push(duck);
    const chPulse = await startPulseProcess({
      repoRoot: deps.repoRoot, dataDir: join(deps.dir, 'ch-pulse'), workDir: deps.dir,
      env: clickhousePulseEnv(deps.ch, DATABASE, deps.postgresUrl, SCHEMA, 'bench-query'),
    });
    servers.push(chPulse);
    samplers.push(...[duck.pid, chPulse.pid, deps.ch.pid].map((pid) => new RssSampler(pid).start()));
    const duckAgent = createAgent(1);
    const chAgent = createAgent(1);
    try {
      counts = { duckdb: await countAll(duckAgent, duck.url, endMs), clickhouse: await countAll(chAgent, chPulse.url, endMs) };
      const floor = { warmups: 5, reps: 50 };
      httpFloor = {
        duckdb: summarize((await timePulse(duckAgent, new URL('/health', duck.url), floor)).ms),
        clickhouse: summarize((await timePulse(chAgent, new URL('/health', chPulse.url), floor)).ms),
      };
      for (const c of QUERY_CASES) {
        const range = caseRange(c, endMs);
        const d = await timePulse(duckAgent, pulseUrl(duck.url, c, range), plan);
        const h = await timePulse(chAgent, pulseUrl(chPulse.url, c, range), plan);
        const row: EngineCase = { id: c.id, label: c.label, days: c.days, duckdb: summarize(d.ms), clickhouse: summarize(h.ms) };
        cases.push(row);
        const check = crossCheckPulse(c, d.body, h.body);
        if (check) checks.push(check);
        deps.log(`${c.id}: p95 DuckDB ${row.duckdb.p95.toFixed(1)} ms, ClickHouse ${row.clickhouse.p95.toFixed(1)} ms`);
      }
    } finally {
      duckAgent.destroy();
      chAgent.destroy();
    }
  } finally {
    await Promise.all(servers.map((p) => p.stop()));
  }
  const [duckRss, chPulseRss, chRss] = samplers.map((s) => {
    const b = s.stop().maxSampledBytes;
    return b === null ? null : b / MB;
  });
  const duckBytes = await duckdbBytes(duckDir);
  await dropSchema(deps.postgresUrl, SCHEMA);
  return {
    size: deps.size, plan, clickhouseLoad, duckdbBytes: duckBytes, clickhouseBytes, counts, cases, checks, httpFloor,
    rssMb: { duckdbPulse: duckRss ?? null, clickhousePulse: chPulseRss ?? null, clickhouseServer: chRss ?? null },
  };
}
