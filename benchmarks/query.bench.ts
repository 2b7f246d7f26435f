/**
 * Query latency at 1M and 10M stored events, Pulse against PostgreSQL 15 with the seed 004 design,
 * same rows, same queries, same run. Per size:
 *   1. the dataset (30 days ending now, fixed seed) is loaded into a fresh Pulse child process over
 *      HTTP with durable acks, 4 senders — the server's RSS is sampled throughout (the 10M-ingest
 *      RSS figure), and bytes per event are measured after a clean stop;
 *   2. PostgreSQL gets the rows Pulse stored (exported from its file), by COPY, then its indexes and
 *      VACUUM ANALYZE;
 *   3. Pulse restarts on its data; every case runs after warm-ups, timed through HTTP, and the
 *      PostgreSQL equivalent runs with `pg`, side by side.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { datasetSpec, readDataset, writeDataset } from './dataset.js';
import { createAgent } from './lib/http.js';
import { sendAll } from './lib/load.js';
import { dirBytes, RssSampler, type RssReport } from './lib/proc.js';
import { startPulseProcess } from './lib/pulse-process.js';
import { startedSince, taskStates, waitForStartUpTasks } from './lib/start-up-tasks.js';
import { summarize, type Summary } from './lib/stats.js';
import { timePostgres, timePulse, type PgRepeatPolicy, type RepeatPlan } from './lib/timing.js';
import { exportEventsCsv } from './postgres/export.js';
import { pgStatements } from './postgres/queries.js';
import { connect, dropBenchTable, loadPostgres, type PgLoadResult, type PostgresTarget } from './postgres/service.js';
import { caseRange, pulseUrl, QUERY_CASES } from './query-cases.js';
import { LOAD_SENDERS, NEW_RANGE_RUNS, NEW_RANGE_RUNS_QUICK, PG_POLICY_FULL, PG_POLICY_QUICK, PULSE_PLAN_FULL, PULSE_PLAN_QUICK } from './query-settings.js';
import { crossCheck, type CrossCheck } from './query-check.js';
import { queryResults, renderQueryMarkdown, sizeLabel } from './query-report.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export interface QueryBenchDeps {
  repoRoot: string;
  postgres: PostgresTarget;
  log: (message: string) => void;
  /** Dataset sizes; default 1M and 10M (quick: 20k and 100k). */
  sizes?: readonly number[];
  /** Only these case ids (default all). */
  cases?: readonly string[];
}

export interface CaseResult {
  id: string;
  label: string;
  days: number;
  pulse: Summary;
  /** Runs whose range is new each time (shifted back 1 s per run): no kept plan is reused (store/duckdb/literal.ts). */
  pulseNew?: Summary;
  pg: Summary | null;
}

export interface SizeResult {
  size: number;
  label: string;
  load: { seconds: number; eventsPerSec: number; accepted: number; rejected: number; retries: number };
  datasetSeconds: number;
  jsonBytesPerEvent: number;
  rssLoad: RssReport;
  rssQuery: RssReport;
  storeBytes: number;
  storedEvents: number | null;
  pg: PgLoadResult | null;
  cases: CaseResult[];
  checks: CrossCheck[];
  /** GET /health on the same connection: the HTTP round trip every Pulse figure includes. */
  httpFloor: Summary;
  /** Seconds the restarted server took to run each of its background tasks once, before the first case (absent: runs from before the wait). */
  startUpTasksSeconds?: number;
}

async function runSize(size: number, deps: QueryBenchDeps, opts: BenchOptions, endMs: number): Promise<SizeResult> {
  const label = sizeLabel(size);
  const log = (m: string): void => deps.log(`[query ${label}] ${m}`);
  const dir = join(opts.tmpDir, `query-${label}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const spec = datasetSpec(size, endMs);

  log(`generating ${size.toLocaleString('en-US')} events (seed ${spec.seed}, 30 days ending ${new Date(spec.endMs).toISOString()})`);
  const dataset = await writeDataset(spec, join(dir, 'bodies.ndjson'));
  log(`dataset ready in ${dataset.seconds.toFixed(1)} s, ${(dataset.jsonBytes / dataset.events).toFixed(0)} JSON bytes/event`);

  // 1. Load over HTTP, sampling the server's RSS.
  let pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir, workDir: dir });
  let sampler = new RssSampler(pulse.pid).start();
  const agent = createAgent(8);
  const ingestUrl = new URL('/v1/events', pulse.url);
  let lastLog = performance.now();
  const load = await sendAll(agent, ingestUrl, readDataset(dataset.path), { 'content-type': 'application/json' }, LOAD_SENDERS, (n) => {
    if (performance.now() - lastLog > 5_000) {
      lastLog = performance.now();
      log(`loaded ${n.toLocaleString('en-US')} / ${size.toLocaleString('en-US')}`);
    }
  });
  const rssLoad = sampler.stop();
  agent.destroy();
  log(`loaded ${load.accepted.toLocaleString('en-US')} events in ${load.seconds.toFixed(1)} s (${Math.round(load.eventsPerSec).toLocaleString('en-US')}/s)`);
  if (load.rejected > 0) throw new Error(`the server rejected ${load.rejected} generated events`);
  const stopped = await pulse.stop();
  if (stopped.code !== 0) throw new Error(`pulse exited with ${stopped.code ?? stopped.signal} after the load; see ${pulse.logPath}`);
  const storeBytes = await dirBytes(dataDir);
  rmSync(dataset.path, { force: true });

  // 2. The same rows into PostgreSQL.
  let pgClient: pg.Client | null = null;
  let pgLoad: PgLoadResult | null = null;
  let storedEvents: number | null = null;
  let ownHealthEvents = 0;
  if (deps.postgres.ok) {
    const csv = join(dir, 'events.csv');
    const exported = await exportEventsCsv(dataDir, csv);
    storedEvents = exported.rows;
    ownHealthEvents = exported.ownHealthEvents;
    log(`exported ${exported.rows.toLocaleString('en-US')} stored rows for PostgreSQL in ${exported.seconds.toFixed(1)} s` +
      (ownHealthEvents > 0 ? ` (${ownHealthEvents} of them Pulse's own store-check health events)` : ''));
    pgClient = await connect(deps.postgres.url);
    pgLoad = await loadPostgres(pgClient, deps.postgres.psql, deps.postgres.url, csv);
    rmSync(csv, { force: true });
    log(`PostgreSQL: COPY ${pgLoad.copySeconds.toFixed(1)} s, indexes ${pgLoad.indexSeconds.toFixed(1)} s, VACUUM ANALYZE ${pgLoad.analyzeSeconds.toFixed(1)} s`);
  }
  if (storedEvents !== null && storedEvents - ownHealthEvents !== load.accepted) {
    throw new Error(`acknowledged ${load.accepted} events but the store holds ${storedEvents - ownHealthEvents} of the load's (${ownHealthEvents} health events of its own besides)`);
  }

  // 3. Queries on a restarted server.
  pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir, workDir: dir });
  sampler = new RssSampler(pulse.pid).start();
  const qAgent = createAgent(1);
  const plan: RepeatPlan = opts.quick ? PULSE_PLAN_QUICK : PULSE_PLAN_FULL;
  const policy: PgRepeatPolicy = opts.quick ? PG_POLICY_QUICK : PG_POLICY_FULL;
  const cases: CaseResult[] = [];
  const checks: CrossCheck[] = [];
  let httpFloor: Summary;
  let startUpTasksSeconds: number;
  try {
    const settled = await waitForStartUpTasks(qAgent, pulse.url);
    startUpTasksSeconds = settled.waitedMs / 1000;
    log(`start-up tasks ran in ${(settled.waitedMs / 1000).toFixed(0)} s: ` +
      settled.tasks.map((t) => `${t.name} ${t.lastDurationMs ?? '?'} ms`).join(', '));
    httpFloor = summarize((await timePulse(qAgent, new URL('/health', pulse.url), { warmups: 5, reps: 50 })).ms);
    for (const c of QUERY_CASES) {
      if (deps.cases && !deps.cases.includes(c.id)) continue;
      const caseStart = Date.now();
      const range = caseRange(c, spec.endMs);
      const p = await timePulse(qAgent, pulseUrl(pulse.url, c, range), plan);
      const fresh: number[] = [];
      for (let i = 1; i <= (opts.quick ? NEW_RANGE_RUNS_QUICK : NEW_RANGE_RUNS); i++) {
        const shifted = { startMs: range.startMs - i * 1000, endMs: range.endMs - i * 1000 };
        fresh.push(...(await timePulse(qAgent, pulseUrl(pulse.url, c, shifted), { warmups: 0, reps: 1 })).ms);
      }
      // Task runs of 50 ms or more that overlapped Pulse's timed runs of this case.
      const during = startedSince(await taskStates(qAgent, pulse.url), caseStart);
      let pgMs: number[] | null = null;
      if (pgClient) {
        const statements = pgStatements(c.pg, 'default', range, c.groupBy);
        pgMs = await timePostgres(pgClient, statements, policy);
        const check = await crossCheck(c, p.body, pgClient, statements);
        if (check) checks.push(check);
      }
      const result: CaseResult = { id: c.id, label: c.label, days: c.days, pulse: summarize(p.ms), pulseNew: summarize(fresh), pg: pgMs ? summarize(pgMs) : null };
      cases.push(result);
      const server = p.serverMs.length > 0 ? `, in the server p50 ${summarize(p.serverMs).p50.toFixed(1)} ms` : '';
      log(`${c.id}: Pulse p50 ${result.pulse.p50.toFixed(1)} ms p95 ${result.pulse.p95.toFixed(1)} ms${server}, new range p50 ${result.pulseNew?.p50.toFixed(1)} ms` +
        (result.pg ? ` | PostgreSQL p50 ${result.pg.p50.toFixed(0)} ms (${(result.pg.p50 / result.pulse.p50).toFixed(1)}×)` : '') +
        (during.length > 0 ? ` | background tasks meanwhile: ${during.join(', ')}` : ''));
    }
    // The floor again after the cases: a rise means the host or the client slowed during the run, not a query.
    const floorAfter = summarize((await timePulse(qAgent, new URL('/health', pulse.url), { warmups: 5, reps: 50 })).ms);
    log(`GET /health p50 ${httpFloor.p50.toFixed(2)} ms before the cases, ${floorAfter.p50.toFixed(2)} ms after`);
  } finally {
    qAgent.destroy();
    await pulse.stop();
    if (pgClient) {
      await dropBenchTable(pgClient).catch(() => undefined);
      await pgClient.end().catch(() => undefined);
    }
  }
  const rssQuery = sampler.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    size,
    label,
    load: { seconds: load.seconds, eventsPerSec: load.eventsPerSec, accepted: load.accepted, rejected: load.rejected, retries: load.retries },
    datasetSeconds: dataset.seconds,
    jsonBytesPerEvent: dataset.jsonBytes / dataset.events,
    rssLoad,
    rssQuery,
    storeBytes,
    storedEvents,
    pg: pgLoad,
    cases,
    checks,
    httpFloor,
    startUpTasksSeconds,
  };
}

export function queryBench(deps: QueryBenchDeps): Bench {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const sizes = deps.sizes ?? (opts.quick ? [20_000, 100_000] : [1_000_000, 10_000_000]);
    if (!deps.postgres.ok) deps.log(`[query] PostgreSQL column skipped: ${deps.postgres.reason}`);
    const endMs = Date.now();
    const results: SizeResult[] = [];
    for (const size of sizes) results.push(await runSize(size, deps, opts, endMs));
    return {
      id: 'query',
      title: 'Query latency, Pulse vs PostgreSQL',
      markdown: renderQueryMarkdown(results, deps.postgres, opts.quick),
      results: queryResults(results),
    };
  };
}
