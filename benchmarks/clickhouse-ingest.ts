/**
 * The ingest half of the `clickhouse` bench: the same request pool, the same senders, with durable acks, into a Pulse
 * on the embedded DuckDB store, one Pulse on ClickHouse + PostgreSQL, and two of them (the senders split across both).
 * CPU is charged per process: the Pulse instances, the ClickHouse server, PostgreSQL's process tree (the live feed
 * across instances NOTIFYs every committed batch); the client's is reported beside.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestPool } from './dataset.js';
import { clickhousePulseEnv, DUCKDB_PULSE_ENV, type ClickHouseService } from './clickhouse/service.js';
import { clickhouseQuery, mergesSettled } from './clickhouse/storage.js';
import { startCpuWindow, type CpuReader, type CpuUsage } from './lib/cpu-window.js';
import { OWN_HEALTH_EVENTS } from './lib/own-events.js';
import { createAgent } from './lib/http.js';
import { runTimedLoad, type TimedLoadResult } from './lib/load.js';
import { readCpuSeconds, readTreeCpuSeconds, RssSampler } from './lib/proc.js';
import { startPulseProcess, type PulseProcess } from './lib/pulse-process.js';
import { summarize, type Summary } from './lib/stats.js';
import { dropSchema } from './postgres/service.js';

export const INGEST_SENDERS = 4;
const DATABASE = 'bench_ingest';
const SCHEMA = 'pulse_bench_ingest';
const MB = 1e6;

export type IngestSetup = 'duckdb_1' | 'clickhouse_1' | 'clickhouse_2';

export interface IngestRow {
  setup: IngestSetup;
  instances: number;
  load: TimedLoadResult;
  latency: Summary;
  /** Server CPU by name: `pulse` (all instances), and for ClickHouse rows `clickhouse` and `postgres`. */
  cpu: CpuUsage;
  /** The largest RSS sampled of any Pulse instance. */
  pulseRssMaxMb: number | null;
  clickhouseRssMaxMb: number | null;
}

export interface IngestPhase {
  rows: IngestRow[];
  senders: number;
  warmupMs: number;
  durationMs: number;
  poolEvents: number;
  jsonBytesPerEvent: number;
  /** Events in ClickHouse after both ClickHouse rows, and what they acknowledged (warm-ups included). */
  clickhouseStored: number;
  clickhouseAcknowledged: number;
}

export interface IngestPhaseDeps {
  repoRoot: string;
  dir: string;
  ch: ClickHouseService;
  postgresUrl: string;
  /** The postmaster on this machine, or null (PostgreSQL's CPU is then not counted). */
  postgresPid: number | null;
  pool: RequestPool;
  quick: boolean;
  log: (m: string) => void;
}

const mbOf = (bytes: number | null): number | null => (bytes === null ? null : bytes / MB);

async function measure(setup: IngestSetup, instances: readonly PulseProcess[], deps: IngestPhaseDeps, timing: { warmupMs: number; durationMs: number }): Promise<IngestRow> {
  const readers: Record<string, CpuReader> = {
    pulse: () => instances.reduce<number | null>((sum, p) => {
      const s = readCpuSeconds(p.pid);
      return sum === null || s === null ? null : sum + s;
    }, 0),
  };
  const onClickHouse = setup !== 'duckdb_1';
  if (onClickHouse) {
    readers.clickhouse = () => readCpuSeconds(deps.ch.pid);
    const pg = deps.postgresPid;
    readers.postgres = () => (pg === null ? null : readTreeCpuSeconds(pg));
  }
  const samplers = instances.map((p) => new RssSampler(p.pid).start());
  const chSampler = onClickHouse ? new RssSampler(deps.ch.pid).start() : null;
  const agent = createAgent(INGEST_SENDERS);
  const cpu = startCpuWindow(readers);
  let load: TimedLoadResult;
  try {
    load = await runTimedLoad({
      agent, url: instances.map((p) => new URL('/v1/events', p.url)), bodies: deps.pool.bodies,
      headers: { 'content-type': 'application/json' }, concurrency: INGEST_SENDERS, ...timing,
    });
  } finally {
    agent.destroy();
  }
  const used = cpu.stop();
  const rss = samplers.map((s) => s.stop().maxSampledBytes).filter((b): b is number => b !== null);
  const chRss = chSampler?.stop().maxSampledBytes ?? null;
  if (load.rejected > 0) throw new Error(`${setup}: the server rejected ${load.rejected} generated events`);
  return {
    setup, instances: instances.length, load, latency: summarize(load.latenciesMs), cpu: used,
    pulseRssMaxMb: rss.length > 0 ? Math.max(...rss) / MB : null, clickhouseRssMaxMb: mbOf(chRss),
  };
}

export async function ingestPhase(deps: IngestPhaseDeps): Promise<IngestPhase> {
  const timing = deps.quick ? { warmupMs: 500, durationMs: 2_000 } : { warmupMs: 3_000, durationMs: 15_000 };
  const rows: IngestRow[] = [];
  mkdirSync(deps.dir, { recursive: true });
  const report = (r: IngestRow): void => {
    rows.push(r);
    deps.log(`${r.setup}: ${Math.round(r.load.eventsPerSec).toLocaleString('en-US')} events/s, ack p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms`);
  };

  const duck = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir: join(deps.dir, 'duckdb'), workDir: deps.dir, env: DUCKDB_PULSE_ENV });
  try {
    report(await measure('duckdb_1', [duck], deps, timing));
  } finally {
    await duck.stop();
  }

  await dropSchema(deps.postgresUrl, SCHEMA);
  const instance = (id: string): Promise<PulseProcess> => startPulseProcess({
    repoRoot: deps.repoRoot, dataDir: join(deps.dir, id), workDir: deps.dir,
    env: clickhousePulseEnv(deps.ch, DATABASE, deps.postgresUrl, SCHEMA, id),
  });
  const started: PulseProcess[] = [];
  try {
    started.push(await instance('bench-a'));
    report(await measure('clickhouse_1', started, deps, timing));
    const waited = await mergesSettled(deps.ch.url, 60_000);
    if (waited > 1) deps.log(`waited ${waited.toFixed(0)} s for ClickHouse's merges to end`);
    started.push(await instance('bench-b'));
    report(await measure('clickhouse_2', started, deps, timing));
  } finally {
    await Promise.all(started.map((p) => p.stop()));
  }
  const [count] = await clickhouseQuery<{ n: string }>(deps.ch.url, `SELECT count() AS n FROM events WHERE NOT (${OWN_HEALTH_EVENTS})`, DATABASE);
  await clickhouseQuery(deps.ch.url, `DROP DATABASE IF EXISTS ${DATABASE}`);
  await dropSchema(deps.postgresUrl, SCHEMA);
  return {
    rows, senders: INGEST_SENDERS, ...timing, poolEvents: deps.pool.spec.count, jsonBytesPerEvent: deps.pool.jsonBytes / deps.pool.spec.count,
    clickhouseStored: Number(count?.n ?? 0),
    clickhouseAcknowledged: rows.filter((r) => r.setup !== 'duckdb_1').reduce((s, r) => s + r.load.totalAccepted, 0),
  };
}
