/**
 * Abuse (issue 9 item 6): 200 concurrent clients for 60 s — valid ingest, malformed and oversized bodies, bad keys,
 * slowloris bodies — against one Pulse child process, while `/health` is probed every 100 ms. Reports the answers
 * by kind, the server's RSS (sampled from /proc, and DuckDB capped at its default 128 MB), the `/health` latencies
 * against the 100 ms target, and checks that every acknowledged event is stored. The CI version (12 s, no latency
 * assertion) is packages/server/src/ops/abuse.test.ts; both use the same driver.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, runAbuse } from '../packages/server/src/ops/test-support/abuse.js';
import { fmtInt, table } from './lib/markdown.js';
import { RssSampler } from './lib/proc.js';
import { startPulseProcess } from './lib/pulse-process.js';
import type { Bench } from './types.js';

export const HEALTH_MAX_TARGET_MS = 100;
export const RSS_BOUND_MB = 600;
const CLIENTS = 200;
const ADMIN = 'operations-bench-admin';
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const bench: Bench = async (opts) => {
  const durationMs = opts.quick ? 10_000 : 60_000;
  const workDir = join(opts.tmpDir, 'operations');
  mkdirSync(workDir, { recursive: true });
  const pulse = await startPulseProcess({
    repoRoot, workDir, dataDir: join(workDir, 'data'),
    env: { ANALYTICS_API_KEY: ADMIN, PULSE_RATE_LIMIT_INGEST: '0', LOG_LEVEL: 'warn' },
  });
  const url = pulse.url.origin;
  const rss = new RssSampler(pulse.pid, 250).start();
  const prober = fork(fileURLToPath(new URL('./lib/health-prober.ts', import.meta.url)), [url, String(durationMs)], {
    execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const probed = once(prober, 'message') as Promise<[{ latencies: number[]; failures: number }]>;
  const report = await runAbuse({ url, key: ADMIN, clients: CLIENTS, durationMs }).finally(() => rss.mark());
  const memory = rss.stop();
  const [health] = await probed;
  // Every acknowledged event stored (per client: stored ≥ acked ≤ acked + unclear).
  const q = (await (await fetch(`${url}/v1/query?measures=count&dimensions=service&limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { data: { service: string; count: number }[] };
  await pulse.stop();
  const stored = new Map(q.data.map((r) => [r.service, r.count]));
  let acked = 0;
  let lost = 0;
  for (const [service, n] of report.acked) {
    acked += n;
    lost += Math.max(0, n - (stored.get(service) ?? 0));
  }
  const mistakes5xx = (['malformed', 'oversized', 'unauthorized', 'slowloris'] as const)
    .reduce((a, k) => a + Object.entries(report.statuses[k]).filter(([s]) => s.startsWith('5')).reduce((x, [, n]) => x + n, 0), 0);
  // The prober's figures (own process); the abuse driver's in-process probe is kept as a cross-check of failures.
  const h = health.latencies;
  const healthFailures = health.failures + report.healthFailures;
  const healthMax = h.length > 0 ? Math.max(...h) : null;
  const rssMaxMb = memory.peakBytes !== null ? Math.round(memory.peakBytes / 1024 / 1024) : null;
  const rows = Object.entries(report.statuses).map(([kind, byStatus]) => [kind, Object.entries(byStatus).map(([s, n]) => `${s}: ${fmtInt(n)}`).join(', ')]);
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const markdown = [
    `${CLIENTS} concurrent clients for ${durationMs / 1000} s against one Pulse child process (fresh DuckDB store, rate limits off so the`,
    'valid clients push as hard as they can): 40 % valid 10-event ingest requests, 20 % malformed bodies, 10 % 6 MiB bodies,',
    '10 % missing or unknown keys, 20 % slowloris (a 64 KiB body announced, a byte every 500 ms). `/health` probed every 100 ms',
    "from a process of its own (the clients' process is saturated: a probe there would time the client).",
    '',
    table(['client kind', 'answers'], rows),
    '',
    table(['check', 'measured', 'bound', 'verdict'], [
      ['5xx answers to client mistakes', fmtInt(mistakes5xx), '0', verdict(mistakes5xx === 0)],
      ['acknowledged events missing from the store', `${fmtInt(lost)} of ${fmtInt(acked)}`, '0', verdict(lost === 0)],
      ['`/health` failures', fmtInt(healthFailures), '0', verdict(healthFailures === 0)],
      ['`/health` latency p50 / p99 / max', `${percentile(h, 50)?.toFixed(1)} / ${percentile(h, 99)?.toFixed(1)} / ${healthMax?.toFixed(1)} ms`, `max ≤ ${HEALTH_MAX_TARGET_MS} ms`, verdict(healthMax !== null && healthMax <= HEALTH_MAX_TARGET_MS)],
      ['server peak RSS (VmHWM)', `${rssMaxMb} MB`, `≤ ${RSS_BOUND_MB} MB`, verdict(rssMaxMb !== null && rssMaxMb <= RSS_BOUND_MB)],
    ]),
    '',
    `The memory bound: DuckDB's buffer pool is capped by \`PULSE_DUCKDB_MEMORY_LIMIT\` (128 MB), the write queue by`,
    '`max_queued_events`, request bodies by the 5 MiB limit (a 6 MiB body is refused from its `content-length` and its',
    'connection closed, never read) and the bodies held at once by `PULSE_INGEST_INFLIGHT_MB` (32 MiB, counted as bytes',
    'arrive: a slow body holds only what it has sent, until the 30 s request timeout), the rollups\' in-memory rows by',
    '30,000 (written from 10,000). The valid clients here send a distinct metric `name` per event: a rollup row per event.',
  ].join('\n');
  return {
    id: 'operations',
    title: 'Operations: abuse',
    markdown,
    results: {
      duration_s: durationMs / 1000,
      clients: CLIENTS,
      valid_requests_acked: report.statuses.valid['200'] ?? 0,
      events_acked: acked,
      events_lost: lost,
      client_mistake_5xx: mistakes5xx,
      health_failures: healthFailures,
      health_p50_ms: percentile(h, 50),
      health_p99_ms: percentile(h, 99),
      health_max_ms: healthMax,
      rss_peak_mb: rssMaxMb,
    },
  };
};

export default bench;
