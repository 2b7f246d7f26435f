/**
 * Ingest through HTTP with durable acks, against a Pulse child process (client and server do not
 * share an event loop; both share the machine's cores, as they would on a small host). 1,000-event
 * requests, pre-serialised from the synthetic generator (and pre-gzipped for the gzip variant), sent
 * by 1 and 4 concurrent senders that each wait for the ack before sending again. Throughput counts
 * events acknowledged inside the measured window, after a warm-up. The server's RSS is sampled
 * throughout; bytes per event are measured on disk after a clean stop.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { requestPool } from './dataset.js';
import { cpuPct, startCpuWindow } from './lib/cpu-window.js';
import { createAgent } from './lib/http.js';
import { runTimedLoad, type Body, type TimedLoadResult } from './lib/load.js';
import { fmtBytes, fmtInt, fmtMs, fmtRatio, table } from './lib/markdown.js';
import { dirBytes, readCpuSeconds, RssSampler } from './lib/proc.js';
import { startPulseProcess } from './lib/pulse-process.js';
import { summarize, type Summary } from './lib/stats.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export const INGEST_TARGET = 200_000;
const MB = 1e6;

export interface IngestBenchDeps {
  repoRoot: string;
  log: (message: string) => void;
}

interface Config {
  id: string;
  senders: number;
  gzip: boolean;
  /** Beyond the 1 and 4 senders: shows how group commits grow with concurrency; not used for the verdict. */
  scaling?: true;
}

const CONFIGS: readonly Config[] = [
  { id: '1 sender, JSON', senders: 1, gzip: false },
  { id: '4 senders, JSON', senders: 4, gzip: false },
  { id: '1 sender, gzip', senders: 1, gzip: true },
  { id: '4 senders, gzip', senders: 4, gzip: true },
  { id: '16 senders, JSON', senders: 16, gzip: false, scaling: true },
];

interface ConfigResult {
  config: Config;
  load: TimedLoadResult;
  latency: Summary;
  rssMaxMb: number | null;
  /** CPU used over the row's whole run (warm-up included), in % of one core. */
  serverCpuPct: number | null;
  clientCpuPct: number;
}

const key = (c: Config): string => `${c.senders}x_${c.gzip ? 'gzip' : 'json'}`;

export function ingestBench(deps: IngestBenchDeps): Bench {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const log = (m: string): void => deps.log(`[ingest] ${m}`);
    // A pool of distinct requests, replayed in a cycle: enough that repeats are far apart.
    const poolEvents = opts.quick ? 20_000 : 400_000;
    const warmupMs = opts.quick ? 500 : 3_000;
    const durationMs = opts.quick ? 2_000 : 10_000;
    const { spec, bodies: json, jsonBytes } = requestPool(poolEvents);
    const gz: Body[] = json.map((b) => ({ events: b.events, data: gzipSync(b.data) }));
    const gzBytes = gz.reduce((s, b) => s + b.data.length, 0);
    log(`${json.length} requests of ${spec.batchSize} events ready (${(jsonBytes / poolEvents).toFixed(0)} B/event JSON, ${(gzBytes / poolEvents).toFixed(0)} gzipped)`);

    const dir = join(opts.tmpDir, 'ingest');
    const dataDir = join(dir, 'data');
    mkdirSync(dir, { recursive: true });
    const pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir, workDir: dir });
    const sampler = new RssSampler(pulse.pid).start();
    const results: ConfigResult[] = [];
    let stored = 0;
    let peakMb: number | null = null;
    try {
      for (const config of CONFIGS) {
        const agent = createAgent(config.senders);
        const headers = { 'content-type': 'application/json', ...(config.gzip && { 'content-encoding': 'gzip' }) };
        sampler.mark();
        const cpu = startCpuWindow({ server: () => readCpuSeconds(pulse.pid) });
        const load = await runTimedLoad({
          agent, url: new URL('/v1/events', pulse.url), bodies: config.gzip ? gz : json, headers,
          concurrency: config.senders, warmupMs, durationMs,
        });
        const used = cpu.stop();
        const serverCpuPct = cpuPct(used.servers.server ?? null, used);
        const clientCpuPct = cpuPct(used.clientSeconds, used)!;
        const rss = sampler.mark();
        agent.destroy();
        stored += load.totalAccepted;
        if (load.rejected > 0) throw new Error(`the server rejected ${load.rejected} generated events`);
        const latency = summarize(load.latenciesMs);
        results.push({
          config, load, latency, serverCpuPct, clientCpuPct, rssMaxMb: rss.maxSampledBytes === null ? null : rss.maxSampledBytes / MB,
        });
        log(`${config.id}: ${fmtInt(load.eventsPerSec)} events/s, ack p50 ${fmtMs(latency.p50)} ms, p99 ${fmtMs(latency.p99)} ms`);
      }
    } finally {
      const rss = sampler.stop();
      peakMb = rss.peakBytes === null ? null : rss.peakBytes / MB;
      await pulse.stop();
    }
    // Everything acknowledged, warm-ups included, is on disk: measured after the clean stop.
    const storeBytes = await dirBytes(dataDir);

    const best = results.filter((r) => !r.config.scaling).reduce((a, b) => (b.load.eventsPerSec > a.load.eventsPerSec ? b : a));
    const met = best.load.eventsPerSec >= INGEST_TARGET;
    const rows = results.map((r) => [
      r.config.id,
      fmtInt(r.load.eventsPerSec),
      fmtRatio(r.load.eventsPerSec / INGEST_TARGET),
      fmtMs(r.latency.p50),
      fmtMs(r.latency.p99),
      fmtInt(r.load.requests),
      fmtInt(r.serverCpuPct),
      fmtInt(r.clientCpuPct),
      fmtInt(r.rssMaxMb),
      [r.config.scaling ? 'scaling check, not the target (more requests share each commit)' : '', r.load.retries > 0 ? `${r.load.retries} retried 429/503` : '']
        .filter(Boolean)
        .join('; '),
    ]);
    const markdown = [
      `Pulse child process on 127.0.0.1, fresh DuckDB store; ${fmtInt(spec.batchSize)}-event requests from a pool of ${fmtInt(poolEvents)} generated events`,
      `(${(jsonBytes / poolEvents).toFixed(0)} B/event as JSON, ${(gzBytes / poolEvents).toFixed(0)} B/event gzipped), ${warmupMs / 1000} s warm-up then ${durationMs / 1000} s measured per row,`,
      'each sender waiting for the 200 (sent only after the group commit) before its next request.',
      'CPU is per process over the whole row (warm-up included) in % of one core; the machine has ' +
        `${availableParallelism()} cores, shared by server and client.`,
      '',
      table(
        ['senders, body', 'events/s', 'of target', 'ack p50 ms', 'ack p99 ms', 'requests', 'server CPU %', 'client CPU %', 'server RSS max MB', 'notes'],
        rows,
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
      '',
      `Best: ${best.config.id}, ${fmtInt(best.load.eventsPerSec)} events/s — target ≥ ${fmtInt(INGEST_TARGET)}: **${met ? 'met' : 'missed'}**` +
        ` (${fmtRatio(best.load.eventsPerSec / INGEST_TARGET)} the target).`,
      `Server peak RSS over the whole bench: ${fmtInt(peakMb)} MB. On disk after a clean stop: ${fmtBytes(storeBytes)} for ${fmtInt(stored)} events` +
        ` (${(storeBytes / stored).toFixed(1)} B/event; the pool repeats, so the query bench's 10M distinct events give the figure that counts).`,
      ...(opts.quick ? ['', '_Quick run: durations too short for figures._'] : []),
    ].join('\n');

    const results_: Record<string, number | string | null> = {
      best_events_per_s: Math.round(best.load.eventsPerSec),
      best_config: best.config.id,
      target_events_per_s: INGEST_TARGET,
      peak_rss_mb: peakMb === null ? null : Math.round(peakMb),
      store_bytes: storeBytes,
      events_stored: stored,
      bytes_per_event_repeated_pool: Number((storeBytes / stored).toFixed(2)),
    };
    for (const r of results) {
      const k = key(r.config);
      results_[`${k}.events_per_s`] = Math.round(r.load.eventsPerSec);
      results_[`${k}.ack_p50_ms`] = Number(r.latency.p50.toFixed(2));
      results_[`${k}.ack_p99_ms`] = Number(r.latency.p99.toFixed(2));
      results_[`${k}.server_cpu_pct`] = r.serverCpuPct === null ? null : Math.round(r.serverCpuPct);
      results_[`${k}.client_cpu_pct`] = Math.round(r.clientCpuPct);
    }
    return { id: 'ingest', title: 'Ingest through HTTP with durable acks', markdown, results: results_ };
  };
}
