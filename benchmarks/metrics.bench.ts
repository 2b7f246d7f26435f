/**
 * The cost of `/metrics` (docs/prometheus.md):
 *  1. KPI families on ingest — two Pulse child processes, one with PULSE_METRICS_KPI=false and one with
 *     the KPI families on, loaded in alternating rows (off, on, off, on) by the ingest bench's senders;
 *     the cost is the ingest rate lost with the families on, against the mean of the rows without.
 *  2. The KPI subscriber alone, in this process: events per second through it on the same dataset.
 *  3. A scrape of 10,000 series: a registry filled until its exposition has 10,000 samples, rendered as
 *     Prometheus text and as OpenMetrics, in this process (what GET /metrics does after auth).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateEvents, type EventInput, type StoredEvent } from '@pulse/protocol';
import { FanOut } from '../packages/server/dist/fanout/fanout.js';
import { createPulseMetrics } from '../packages/server/dist/metrics/pulse-metrics.js';
import { syntheticEvents } from '../packages/server/dist/synthetic/index.js';
import { bodies, datasetSpec } from './dataset.js';
import { fmtInt, fmtMs, table } from './lib/markdown.js';
import { startPulseProcess, type PulseProcess } from './lib/pulse-process.js';
import { loadServer, runSettingRows } from './lib/setting-rows.js';
import { summarize } from './lib/stats.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export const KPI_COST_TARGET_PCT = 5;
const SENDERS = 4;
const SCRAPE_SERIES = 10_000;

const repoRoot = new URL('..', import.meta.url).pathname;
const log = (m: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} [metrics] ${m}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Row {
  kpi: boolean;
  eventsPerSec: number;
  cpuSecPer100k: number | null;
}

/** Sources the self-metrics read at scrape time; idle here (the scrape bench measures the KPI families). */
const idleSources = {
  buffer: { stats: () => ({ queuedEvents: 0, committedEvents: 0, shedEvents: 0, failedEvents: 0, maxQueuedEvents: 200_000 }) },
  metricsHub: { stats: () => ({ windows: 0, clients: 0, framesSent: 0, framesSkipped: 0 }) },
  tailHub: { stats: () => ({ clients: 0, eventsSent: 0, eventsSkipped: 0 }) },
};
const clock = { now: () => Date.now() };

function stored(events: Iterable<EventInput>, project: string): StoredEvent[] {
  const { records } = validateEvents([...events], Date.now());
  return (records as StoredEvent[]).map((r) => Object.assign(r, { project }));
}

/** Publishes batches and waits until the KPI subscriber has taken them all. */
async function drain(fanout: FanOut): Promise<void> {
  while (fanout.stats().subscribers.some((s) => s.queued > 0)) await sleep(1);
}

async function subscriberRate(events: StoredEvent[], rounds: number): Promise<number> {
  const fanout = new FanOut();
  const m = createPulseMetrics({ ...idleSources, fanout, clock, maxSeriesPerFamily: 2000, processMetrics: false });
  const batches: StoredEvent[][] = [];
  for (let i = 0; i < events.length; i += 1000) batches.push(events.slice(i, i + 1000));
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const b of batches) fanout.publish(b);
    await drain(fanout);
  }
  const s = (performance.now() - t0) / 1000;
  m.close();
  return (events.length * rounds) / s;
}

/** LLM events over distinct (service, model) pairs until the exposition holds `series` samples. */
async function scrapeBench(series: number, samples: number): Promise<Record<string, number>> {
  const fanout = new FanOut();
  const m = createPulseMetrics({ ...idleSources, fanout, clock, maxSeriesPerFamily: 100_000, processMetrics: true });
  const lines = async (): Promise<number> => (await m.render(undefined)).body.split('\n').filter((l) => l && !l.startsWith('#')).length;
  let pair = 0;
  let n = await lines();
  while (n < series) {
    const batch: EventInput[] = [];
    // Each pair adds 40 samples (4 counters, 2 histograms of 14–15 buckets + sum + count); add about what is missing.
    for (let i = 0; i < Math.max(1, Math.floor((series - n) / 40)); i++, pair++) {
      batch.push({ type: 'llm', service: `svc-${pair % 20}`, model: `model-${Math.floor(pair / 20)}`, provider: 'p', input_tokens: 10, output_tokens: 5, cost_usd: 0.001, duration_ms: 800, ttft_ms: 120 });
    }
    fanout.publish(stored(batch, 'bench'));
    await drain(fanout);
    n = await lines();
  }
  const time = async (accept: string | undefined): Promise<{ p50: number; p95: number; bytes: number }> => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < samples + 3; i++) {
      const t0 = performance.now();
      const r = await m.render(accept);
      if (i >= 3) ms.push(performance.now() - t0);
      bytes = Buffer.byteLength(r.body);
    }
    const s = summarize(ms);
    return { p50: s.p50, p95: s.p95, bytes };
  };
  const text = await time(undefined);
  const om = await time('application/openmetrics-text;version=1.0.0');
  m.close();
  return { samples: n, text_p50_ms: text.p50, text_p95_ms: text.p95, text_bytes: text.bytes, om_p50_ms: om.p50, om_p95_ms: om.p95, om_bytes: om.bytes };
}

const bench: Bench = async (opts: BenchOptions): Promise<BenchSection> => {
  const poolEvents = opts.quick ? 20_000 : 400_000;
  const warmupMs = opts.quick ? 500 : 3_000;
  const durationMs = opts.quick ? 2_000 : 10_000;
  const pairs = opts.quick ? 1 : 3;
  // Stamped over the last 3 minutes, as the live bench: every user counts as active (the costly case).
  const spec = datasetSpec(poolEvents, Date.now(), 3 / 1440, 11);
  const pool = [...bodies(spec)];
  log(`${pool.length} requests of ${spec.batchSize} events; ${pairs} pairs of rows`);

  const dir = join(opts.tmpDir, 'metrics');
  mkdirSync(dir, { recursive: true });
  const servers: Record<'off' | 'on', PulseProcess> = {
    off: await startPulseProcess({ repoRoot, dataDir: join(dir, 'data-off'), workDir: dir, env: { PULSE_METRICS_KPI: 'false' } }),
    on: await startPulseProcess({ repoRoot, dataDir: join(dir, 'data-on'), workDir: dir, env: { PULSE_METRICS_KPI: 'true' } }),
  };
  let rows: Row[] = [];
  let kpiSeries = 0;
  try {
    // Both servers take the whole pool once before any row: JIT, first series and store growth are behind them.
    for (const p of [servers.off, servers.on]) await loadServer(p, pool, SENDERS, 0, opts.quick ? 1_500 : 5_000);
    const order = Array.from({ length: pairs }, () => ['off', 'on'] as const).flat();
    const measured = await runSettingRows({
      servers, order, bodies: pool, senders: SENDERS, warmupMs, durationMs,
      onRow: (r) => log(`KPI ${r.setting}: ${fmtInt(r.eventsPerSec)} events/s`),
    });
    rows = measured.map((r) => ({ kpi: r.setting === 'on', eventsPerSec: r.eventsPerSec, cpuSecPer100k: r.cpuSecPer100k }));
    const text = await (await fetch(new URL('/metrics', servers.on.url))).text();
    kpiSeries = text.split('\n').filter((l) => /^(llm_|token_spend|http_request|errors_total|queue_|payment_|generation_|active_)/.test(l)).length;
  } finally {
    await servers.off.stop();
    await servers.on.stop();
  }
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const off = avg(rows.filter((r) => !r.kpi).map((r) => r.eventsPerSec));
  const on = avg(rows.filter((r) => r.kpi).map((r) => r.eventsPerSec));
  const costPct = (1 - on / off) * 100;
  const cpuOff = avg(rows.filter((r) => !r.kpi && r.cpuSecPer100k !== null).map((r) => r.cpuSecPer100k!));
  const cpuOn = avg(rows.filter((r) => r.kpi && r.cpuSecPer100k !== null).map((r) => r.cpuSecPer100k!));

  log('KPI subscriber alone');
  const events = stored(syntheticEvents({ seed: 11, startMs: Date.now() - 180_000, endMs: Date.now(), count: opts.quick ? 20_000 : 200_000 }), 'bench');
  const subRate = await subscriberRate(events, opts.quick ? 2 : 5);
  log(`scrape of ${fmtInt(SCRAPE_SERIES)} series`);
  const scrape = await scrapeBench(SCRAPE_SERIES, opts.quick ? 10 : 50);

  const met = costPct <= KPI_COST_TARGET_PCT;
  const markdown = [
    `Two Pulse child processes on 127.0.0.1 — KPI families off (\`PULSE_METRICS_KPI=false\`) and on (the default) — loaded in`,
    `alternating rows by ${SENDERS} senders of ${fmtInt(spec.batchSize)}-event requests (the synthetic dataset, stamped over the last 3 minutes),`,
    `${warmupMs / 1000} s warm-up + ${durationMs / 1000} s measured per row, after ${opts.quick ? 1.5 : 5} s of untimed load on each server.`,
    '',
    table(
      ['row', 'KPI families', 'events/s', 'server CPU s per 100k events'],
      rows.map((r, i) => [String(i + 1), r.kpi ? 'on' : 'off', fmtInt(r.eventsPerSec), r.cpuSecPer100k?.toFixed(3) ?? null]),
      ['right', 'left', 'right', 'right'],
    ),
    '',
    `Cost of the KPI families: ingest ${costPct >= 0 ? 'fell' : 'rose'} by ${Math.abs(costPct).toFixed(1)} % (mean of the rows with against the rows`,
    `without) — target ≤ ${KPI_COST_TARGET_PCT} %: **${met ? 'met' : 'missed'}**. Server CPU per 100k events: ${Number.isFinite(cpuOff) ? cpuOff.toFixed(3) : '–'} s off,`,
    `${Number.isFinite(cpuOn) ? cpuOn.toFixed(3) : '–'} s on. The families held ${fmtInt(kpiSeries)} samples at the end. The subscriber alone, in one process`,
    `(no HTTP, no store), takes ${fmtInt(subRate)} events/s on the same kind of events — it runs off the acknowledgement path,`,
    `so what ingest loses is its share of the CPU.`,
    '',
    `A scrape of ${fmtInt(scrape.samples!)} samples (LLM families over distinct service × model pairs, plus process metrics), rendered in`,
    `this process as GET /metrics does: text p50 ${fmtMs(scrape.text_p50_ms)} ms, p95 ${fmtMs(scrape.text_p95_ms)} ms, ${fmtInt(scrape.text_bytes! / 1024)} KiB;`,
    `OpenMetrics p50 ${fmtMs(scrape.om_p50_ms)} ms, p95 ${fmtMs(scrape.om_p95_ms)} ms, ${fmtInt(scrape.om_bytes! / 1024)} KiB.`,
    ...(opts.quick ? ['', '_Quick run: short rows and small sizes, not figures._'] : []),
  ].join('\n');
  return {
    id: 'metrics',
    title: 'Prometheus /metrics: KPI families on ingest, and a 10,000-series scrape',
    markdown,
    results: {
      ingest_kpi_off_events_per_s: Math.round(off),
      ingest_kpi_on_events_per_s: Math.round(on),
      kpi_cost_pct: Number(Math.max(0, costPct).toFixed(1)),
      kpi_cost_pct_signed: Number(costPct.toFixed(1)),
      kpi_subscriber_events_per_s: Math.round(subRate),
      scrape_samples: scrape.samples!,
      scrape_text_p50_ms: Number(scrape.text_p50_ms!.toFixed(1)),
      scrape_text_p95_ms: Number(scrape.text_p95_ms!.toFixed(1)),
      scrape_text_bytes: scrape.text_bytes!,
      scrape_openmetrics_p50_ms: Number(scrape.om_p50_ms!.toFixed(1)),
      scrape_openmetrics_p95_ms: Number(scrape.om_p95_ms!.toFixed(1)),
    },
  };
};

export default bench;
