/**
 * Conversation, persona and user analytics (issue 11): p95 of each `/api/analytics/*` endpoint over
 * the last 24 h, 7 d and 30 d of a 30-day synthetic dataset (the demo world: banter, affinity, evolution,
 * payments), against the target p95 ≤ 100 ms at 10M events. The dataset is built and loaded the way
 * the query bench does it (dataset.ts, durable-ack HTTP load); quick mode uses 100k events.
 * Each figure is an HTTP round trip, JSON included, after warm-ups, one request at a time.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDLE_CHECKPOINT } from '../packages/server/dist/store/duckdb/event-store.js';
import { datasetSpec, DAY_MS, readDataset, writeDataset } from './dataset.js';
import { createAgent, getOk } from './lib/http.js';
import { sendAll } from './lib/load.js';
import { fmtInt, fmtMs, table } from './lib/markdown.js';
import { startPulseProcess } from './lib/pulse-process.js';
import { summarize, type Summary } from './lib/stats.js';
import { timePulse, type RepeatPlan } from './lib/timing.js';
import { LOAD_SENDERS } from './query-settings.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export const ANALYTICS_P95_TARGET_MS = 100;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (m: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} [analytics] ${m}\n`);
};

/** Endpoint id → path (with its own controls at their defaults). */
export const ANALYTICS_ENDPOINTS: ReadonlyArray<readonly [id: string, path: string]> = [
  ['conversations', '/api/analytics/conversations'],
  ['personas', '/api/analytics/personas'],
  ['relationships', '/api/analytics/personas/relationships'],
  ['banter', '/api/analytics/banter'],
  ['preferences', '/api/analytics/users/preferences'],
  ['llm', '/api/analytics/llm'],
  ['users', '/api/analytics/users'],
  ['user', '/api/analytics/users/{top}'],
  ['margin', '/api/analytics/margin'],
];
const RANGES = [['24h', 1], ['7d', 7], ['30d', 30]] as const;

/** Background tasks whose watermark the timing waits for: what queries read past it is read raw. */
const ROLLUP_TASKS = ['rollups', 'user-rollups'];
const CATCH_UP_TIMEOUT_MS = 300_000;
/** The write-ahead log size from which a quiet store checkpoints. */
const IDLE_WAL_MB = IDLE_CHECKPOINT.walBytes / 1024 / 1024;

/**
 * Waits until every rollup task's watermark has reached `stored` (GET /api/background-tasks; the bench's server runs
 * keyless on loopback, where that is admin); returns the seconds waited. The load sends 10M events in a few minutes,
 * so up to 30 s of them (a task interval) would otherwise be read raw by the first timed requests only.
 */
async function caughtUp(url: string, stored: number): Promise<number> {
  const agent = createAgent(1);
  const t0 = performance.now();
  try {
    for (;;) {
      const res = await getOk(agent, new URL('/api/background-tasks', url));
      const tasks = (JSON.parse(res.body) as { tasks: Array<{ name: string; running?: boolean; detail?: { watermark?: number } | null }> }).tasks;
      // Caught up, and the run that caught up over: its last steps (merging the days the load wrote, a checkpoint)
      // come after the watermark has moved, and took up to ~20 s after a 10M-event load.
      const behind = ROLLUP_TASKS.filter((name) => {
        const task = tasks.find((t) => t.name === name);
        return task !== undefined && (Number(task.detail?.watermark ?? 0) < stored || task.running === true);
      });
      if (behind.length === 0) break;
      if (performance.now() - t0 > CATCH_UP_TIMEOUT_MS) throw new Error(`${behind.join(', ')} did not catch up with ${stored} events in ${CATCH_UP_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Then the store's idle checkpoint (store/duckdb/event-store.ts, IdleCheckpointOptions): until then the log's
    // rows take DuckDB's buffer pool, and spill, as they would for the first seconds after any burst of ingest.
    for (;;) {
      const res = await getOk(agent, new URL('/api/system', url));
      const wal = (JSON.parse(res.body) as { database_health?: { duckdb?: { wal_size_mb?: number | null } } }).database_health?.duckdb?.wal_size_mb;
      if (wal == null || wal < IDLE_WAL_MB) return (performance.now() - t0) / 1000;
      if (performance.now() - t0 > CATCH_UP_TIMEOUT_MS) throw new Error(`the store's write-ahead log was still ${wal} MB ${CATCH_UP_TIMEOUT_MS / 1000} s after the load`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    agent.destroy();
  }
}

interface Row {
  id: string;
  range: string;
  summary: Summary;
  /** The first request of the endpoint and range (before the warm-ups). */
  first: number;
}

const analyticsBench: Bench = async (opts: BenchOptions): Promise<BenchSection> => {
  const size = opts.quick ? 100_000 : 10_000_000;
  const dir = join(opts.tmpDir, 'analytics');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const spec = datasetSpec(size, Date.now());
  log(`generating ${fmtInt(size)} events over 30 days`);
  const dataset = await writeDataset(spec, join(dir, 'bodies.ndjson'));
  const pulse = await startPulseProcess({ repoRoot, dataDir, workDir: dir });
  const rows: Row[] = [];
  let settleSeconds = 0;
  const plan: RepeatPlan = opts.quick ? { warmups: 1, reps: 10 } : { warmups: 2, reps: 20 };
  try {
    const loadAgent = createAgent(8);
    const load = await sendAll(loadAgent, new URL('/v1/events', pulse.url), readDataset(dataset.path), { 'content-type': 'application/json' }, LOAD_SENDERS);
    loadAgent.destroy();
    rmSync(dataset.path, { force: true });
    log(`loaded ${fmtInt(load.accepted)} events in ${load.seconds.toFixed(1)} s`);
    settleSeconds = await caughtUp(pulse.url, load.accepted);
    log(`rollups and user rollups caught up, their runs over, the store checkpointed, ${settleSeconds.toFixed(1)} s after the load`);
    const agent = createAgent(1);
    try {
      for (const [label, days] of RANGES) {
        const range = `start_date=${new Date(spec.endMs - days * DAY_MS).toISOString()}&end_date=${new Date(spec.endMs).toISOString()}`;
        // The drill-down is timed on the busiest user of the range.
        const users = JSON.parse((await timePulse(agent, new URL(`/api/analytics/users?limit=1&${range}`, pulse.url), { warmups: 0, reps: 1 })).body) as { users: { top_users: Array<{ user_id: string }> } };
        const top = users.users.top_users[0]?.user_id ?? 'nobody';
        for (const [id, path] of ANALYTICS_ENDPOINTS) {
          const url = new URL(`${path.replace('{top}', encodeURIComponent(top))}?${range}`, pulse.url);
          // The first request of an endpoint and range builds its whole-hour cache tables (as each range that ends
          // now does again once an hour); the timed ones read them.
          const first = (await timePulse(agent, url, { warmups: 0, reps: 1 })).ms[0]!;
          const summary = summarize((await timePulse(agent, url, plan)).ms);
          rows.push({ id, range: label, summary, first });
          log(`${id} ${label}: p50 ${summary.p50.toFixed(1)} ms p95 ${summary.p95.toFixed(1)} ms`);
        }
      }
    } finally {
      agent.destroy();
    }
  } finally {
    await pulse.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const worst = rows.reduce<Row | null>((w, r) => (w === null || r.summary.p95 > w.summary.p95 ? r : w), null);
  const sizeLabel = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
  const results: Record<string, number | string | null> = {
    size_label: sizeLabel,
    max_p95_ms: worst ? Math.round(worst.summary.p95 * 10) / 10 : null,
    max_p95_endpoint: worst ? `${worst.id} ${worst.range}` : null,
  };
  for (const r of rows) {
    results[`${r.id}_${r.range}_p95_ms`] = Math.round(r.summary.p95 * 10) / 10;
    results[`${r.id}_${r.range}_first_ms`] = Math.round(r.first * 10) / 10;
  }
  const met = rows.filter((r) => r.summary.p95 <= ANALYTICS_P95_TARGET_MS).length;
  const markdown = [
    `${fmtInt(size)} events over 30 days (the demo world), ${opts.quick ? '**quick mode: not the 10M target dataset**' : 'the 10M target dataset'}; ` +
      `each endpoint over the last 24 h, 7 d and 30 d, ${plan.reps} timed requests after ${plan.warmups} warm-up(s), HTTP round trip included, ` +
      `timed once the rollups and user rollups had caught up with the load, their runs had ended and the store had checkpointed its write-ahead log (${settleSeconds.toFixed(0)} s after it). ` +
      `Target: p95 ≤ ${ANALYTICS_P95_TARGET_MS} ms — met by ${met} of ${rows.length}.`,
    '',
    table(
      ['endpoint', 'range', 'p50', 'p95', 'max', 'first request', 'target'],
      rows.map((r) => [r.id, r.range, fmtMs(r.summary.p50), fmtMs(r.summary.p95), fmtMs(r.summary.max), fmtMs(r.first), r.summary.p95 <= ANALYTICS_P95_TARGET_MS ? 'met' : 'missed']),
      ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
    ),
  ].join('\n');
  return { id: 'analytics', title: 'Conversation, persona and user analytics', markdown, results };
};

export default analyticsBench;
