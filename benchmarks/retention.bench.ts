/**
 * Retention under ingest: a store holding `count` events over 30 days, served by a Pulse child process with
 * METRICS_RETENTION_DAYS=20, so its first retention run (a minute after start) deletes a third of them — with
 * PULSE_ARCHIVE on, after writing them to Parquet. Meanwhile one sender posts a 500-event request every 50 ms
 * (10,000 events/s, durable acks). The acknowledgement latencies of the requests sent during the run are compared
 * with those sent before it, in the same run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bodies, datasetSpec } from './dataset.js';
import { createAgent } from './lib/http.js';
import { sendBody } from './lib/load.js';
import { fmtInt, fmtMs, table } from './lib/markdown.js';
import { startPulseProcess } from './lib/pulse-process.js';
import { summarize, type Summary } from './lib/stats.js';
import { RUN_END_MS, storedDataset } from './lib/stored-dataset.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const PERIOD_MS = 50;
const BATCH = 500;

interface Sent {
  at: number;
  ms: number;
}

interface RetentionLog {
  time: number;
  deleted: number;
  ms: number;
}

function findRetention(logPath: string): RetentionLog | null {
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.includes('"msg":"retention"')) continue;
    const o = JSON.parse(line) as { time: number; deleted: number; ms: number };
    return { time: o.time, deleted: o.deleted, ms: o.ms };
  }
  return null;
}

export function retentionBench(deps: { repoRoot: string; log: (m: string) => void }): Bench {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const count = opts.quick ? 200_000 : 10_000_000;
    const endMs = RUN_END_MS;
    const dir = join(opts.tmpDir, 'retention');
    const dataDir = join(dir, 'data');
    await storedDataset(deps.repoRoot, dataDir, { count, endMs }, (m) => deps.log(`[retention] ${m}`));
    const pulse = await startPulseProcess({
      repoRoot: deps.repoRoot, dataDir, workDir: dir,
      env: { METRICS_RETENTION_DAYS: '20', PULSE_ARCHIVE: 'true', LOG_LEVEL: 'info' },
    });
    const startedAt = Date.now();
    const url = new URL('/v1/events', pulse.url);
    const agent = createAgent(8);
    const sent: Sent[] = [];
    // Fresh events (timestamps of the last hour), pre-serialised once and sent round and round.
    const pool = [...bodies({ ...datasetSpec(200_000, Date.now(), 1 / 24, 77), batchSize: BATCH })];
    let retention: RetentionLog | null = null;
    try {
      deps.log('[retention] ingesting at 10,000 events/s until the retention run is over');
      const inFlight = new Set<Promise<void>>();
      const deadline = startedAt + 150_000;
      for (let i = 0; Date.now() < deadline; i++) {
        const at = Date.now();
        const p = sendBody(agent, url, pool[i % pool.length]!, { 'content-type': 'application/json' }).then((r) => {
          sent.push({ at, ms: r.latencyMs });
        });
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        retention ??= findRetention(pulse.logPath);
        if (retention && Date.now() > retention.time + 10_000) break;
        await sleep(Math.max(0, at + PERIOD_MS - Date.now()));
      }
      await Promise.all(inFlight);
    } finally {
      agent.destroy();
      await pulse.stop();
    }
    retention ??= findRetention(pulse.logPath);
    if (!retention) throw new Error('the retention run did not happen within the bench window');
    const runStart = retention.time - retention.ms;
    // A request "overlaps" the run when it was in flight at any moment of it.
    const during = sent.filter((s) => s.at + s.ms >= runStart && s.at <= retention!.time).map((s) => s.ms);
    const before = sent.filter((s) => s.at + s.ms < runStart && s.at > startedAt + 5_000).map((s) => s.ms);
    const b = summarize(before);
    const d = summarize(during);
    const row = (label: string, s: Summary): string[] => [label, fmtInt(s.n), fmtMs(s.p50), fmtMs(s.p99), fmtMs(s.max)];
    const markdown = [
      `${fmtInt(count)} stored events over 30 days; METRICS_RETENTION_DAYS=20 and PULSE_ARCHIVE=true, so the first run`,
      `(a minute after start) archived and deleted ${fmtInt(retention.deleted)} events in ${fmtMs(retention.ms)} ms. One sender`,
      `posted ${BATCH}-event requests every ${PERIOD_MS} ms (10,000 events/s, durable acks) throughout.`,
      '',
      table(['requests', 'n', 'ack p50 ms', 'ack p99 ms', 'ack max ms'], [row('before the run', b), row('in flight during the run', d)]),
    ].join('\n');
    return {
      id: 'retention',
      title: `Retention under ingest (${fmtInt(count)} events)`,
      markdown,
      results: {
        deleted: retention.deleted,
        retention_ms: retention.ms,
        ack_p99_before_ms: Number(b.p99.toFixed(1)),
        ack_p99_during_ms: Number(d.p99.toFixed(1)),
        ack_max_during_ms: Number(d.max.toFixed(1)),
      },
    };
  };
}

export default retentionBench({ repoRoot: new URL('..', import.meta.url).pathname, log: (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`) });
