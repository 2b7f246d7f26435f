/**
 * The live feed under load: 1,000 `/ws/metrics` clients at 1 Hz while ingest runs at full speed.
 * One Pulse child process; the clients live in another child (lib/metrics-clients.ts), the ingest
 * senders (the ingest bench's: pre-serialised 1,000-event requests, 4 senders waiting for durable acks)
 * in this one. Rows, one after another on the same server: ingest without clients, with the clients,
 * and without them again — the cost of the clients is measured against the mean of the two rows
 * around it, so a store that grows during the run does not pass for their cost. Event-to-client
 * latency comes from probe events during the row with clients (see live-latency.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bodies, datasetSpec } from './dataset.js';
import type { ClientsReport } from './lib/metrics-clients.js';
import { createAgent, request } from './lib/http.js';
import { runTimedLoad, type TimedLoadResult } from './lib/load.js';
import { fmtInt, fmtMs, table } from './lib/markdown.js';
import { readCpuSeconds, RssSampler } from './lib/proc.js';
import { startPulseProcess, type PulseProcess } from './lib/pulse-process.js';
import { summarize } from './lib/stats.js';
import { probeLatencies } from './live-latency.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export const LIVE_P99_TARGET_MS = 1_500;
export const LIVE_COST_TARGET_PCT = 10;
const PROBE_MODEL = 'pulse-bench-latency-probe';
const PROBE_EVERY_MS = 200;
const SENDERS = 4;

export interface LiveBenchDeps {
  repoRoot: string;
  log: (message: string) => void;
}

interface Row {
  id: string;
  clients: number;
  load: TimedLoadResult;
  serverCpuPct: number | null;
  rssMaxMb: number | null;
}

// The wall clock, read at the moment in both processes. Not performance.timeOrigin + now(): the monotonic
// clock stops while the VM is paused, so a long-running process drifts from a younger one (seen: +4 s).
const wallMs = (): number => Date.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The metrics-clients child, with a typed request/answer over IPC. */
class ClientsProcess {
  private constructor(private readonly child: ChildProcess) {}

  static start(): ClientsProcess {
    const script = fileURLToPath(new URL('./lib/metrics-clients.ts', import.meta.url));
    return new ClientsProcess(fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  private ask<T>(msg: object, answer: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`metrics clients: no '${answer}' within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: { type?: string }): void => {
        if (m.type !== answer) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(m as T);
      };
      this.child.on('message', onMessage);
      this.child.send(msg);
    });
  }

  connect(url: string, clients: number): Promise<{ ok: number; failed: number; ms: number }> {
    return this.ask({ cmd: 'connect', url, clients, probeModel: PROBE_MODEL }, 'connected', 120_000);
  }

  record(): void {
    this.child.send({ cmd: 'record' });
  }

  report(): Promise<ClientsReport> {
    return this.ask({ cmd: 'report' }, 'report', 60_000);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    if (this.child.connected) this.child.send({ cmd: 'close' });
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }
}

/** Sends probe k = 1, 2, … every `PROBE_EVERY_MS`, each after the previous one's ack; returns send and ack times. */
function startProbes(url: URL): { stop(): Promise<{ sentAt: number[]; ackedAt: number[] }> } {
  const agent = createAgent(1);
  const body = Buffer.from(JSON.stringify({ events: [{ type: 'llm', model: PROBE_MODEL, input_tokens: 1, output_tokens: 0, service: 'bench-probe' }] }));
  const sentAt: number[] = [];
  const ackedAt: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const next = performance.now() + PROBE_EVERY_MS;
      const t = wallMs();
      const res = await request(agent, url, 'POST', body, { 'content-type': 'application/json' });
      // A 429/503 stored nothing: this probe number is sent again on the next turn.
      if (res.status === 200) {
        sentAt.push(t);
        ackedAt.push(wallMs());
      }
      else if (res.status !== 429 && res.status !== 503) throw new Error(`probe: ${res.status} ${res.body.slice(0, 200)}`);
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      agent.destroy();
      return { sentAt, ackedAt };
    },
  };
}

export function liveBench(deps: LiveBenchDeps): Bench {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const log = (m: string): void => deps.log(`[live] ${m}`);
    const clientsWanted = opts.quick ? 200 : 1_000;
    const poolEvents = opts.quick ? 20_000 : 400_000;
    const warmupMs = opts.quick ? 500 : 3_000;
    const durationMs = opts.quick ? 2_000 : 10_000;
    const idleMs = opts.quick ? 1_000 : 5_000;
    // Stamped over the last 3 minutes: every event lands in the live windows (the costly case for them).
    const spec = datasetSpec(poolEvents, Date.now(), 3 / 1440, 7);
    const pool = [...bodies(spec)];
    log(`${pool.length} requests of ${spec.batchSize} events ready; ${clientsWanted} clients`);

    const dir = join(opts.tmpDir, 'live');
    mkdirSync(dir, { recursive: true });
    const pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir: join(dir, 'data'), workDir: dir });
    const sampler = new RssSampler(pulse.pid).start();
    const rows: Row[] = [];
    let clients: ClientsProcess | null = null;
    let connected = { ok: 0, failed: 0, ms: 0 };
    let idleCpuPct: number | null = null;
    let report: ClientsReport | null = null;
    let sentAt: number[] = [];
    let ackedAt: number[] = [];
    let clientCpuPct: number | null = null;
    let rowSeconds = 0;

    const row = async (id: string, n: number): Promise<void> => {
      const agent = createAgent(SENDERS);
      sampler.mark();
      const wall0 = performance.now();
      const cpu0 = readCpuSeconds(pulse.pid);
      const load = await runTimedLoad({
        agent, url: new URL('/v1/events', pulse.url), bodies: pool, headers: { 'content-type': 'application/json' },
        concurrency: SENDERS, warmupMs, durationMs,
      });
      const wall = (performance.now() - wall0) / 1000;
      const cpu1 = readCpuSeconds(pulse.pid);
      agent.destroy();
      if (load.rejected > 0) throw new Error(`the server rejected ${load.rejected} generated events`);
      const rss = sampler.mark();
      rowSeconds = wall;
      rows.push({
        id, clients: n, load, serverCpuPct: cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) / wall) * 100,
        rssMaxMb: rss.maxSampledBytes === null ? null : rss.maxSampledBytes / 1e6,
      });
      log(`${id}: ${fmtInt(load.eventsPerSec)} events/s`);
    };

    try {
      await row('no clients', 0);
      clients = ClientsProcess.start();
      const wsUrl = `${pulse.url.href.replace(/^http/, 'ws').replace(/\/$/, '')}/ws/metrics`;
      connected = await clients.connect(wsUrl, clientsWanted);
      log(`${connected.ok} clients connected in ${fmtMs(connected.ms)} ms (${connected.failed} failed)`);
      if (connected.ok < clientsWanted) throw new Error(`only ${connected.ok} of ${clientsWanted} clients connected`);
      await sleep(1_500); // every client past its first frame
      const idle0 = readCpuSeconds(pulse.pid);
      const idleT0 = performance.now();
      await sleep(idleMs);
      const idle1 = readCpuSeconds(pulse.pid);
      idleCpuPct = idle0 === null || idle1 === null ? null : ((idle1 - idle0) / ((performance.now() - idleT0) / 1000)) * 100;

      clients.record();
      const probes = startProbes(new URL('/v1/events', pulse.url));
      await row(`${fmtInt(connected.ok)} clients`, connected.ok);
      ({ sentAt, ackedAt } = await probes.stop());
      await sleep(2_500); // the last probe's frame reaches every client
      report = await clients.report();
      clientCpuPct = (report.cpuSeconds / (rowSeconds + 2.5)) * 100;
      await clients.close();
      clients = null;
      await sleep(1_000);
      await row('no clients, again', 0);
    } finally {
      await clients?.close();
      sampler.stop();
      await pulse.stop();
    }

    const lat = probeLatencies(sentAt, report!.transitions);
    const s = summarize(lat.samplesMs);
    // The same frames measured from each probe's ack: the live path alone (fan-out, the wait for the next frame, delivery).
    const fromAck = summarize(probeLatencies(ackedAt, report!.transitions).samplesMs);
    const ack = summarize(ackedAt.map((a, i) => a - sentAt[i]!));
    const [before, withClients, after] = rows as [Row, Row, Row];
    const baseline = (before.load.eventsPerSec + after.load.eventsPerSec) / 2;
    const costPct = (1 - withClients.load.eventsPerSec / baseline) * 100;
    const cpuPer100k = (r: Row): number | null => (r.serverCpuPct === null ? null : (r.serverCpuPct / 100 / r.load.eventsPerSec) * 100_000);
    const framesPerSec = report!.frames / (rowSeconds + 2.5);
    const p99Met = s.p99 <= LIVE_P99_TARGET_MS && lat.missing === 0;
    const costMet = costPct <= LIVE_COST_TARGET_PCT;

    const markdown = [
      `Pulse child process on 127.0.0.1; ${SENDERS} ingest senders of ${fmtInt(spec.batchSize)}-event requests (the ingest bench's, events stamped over the last`,
      `3 minutes so each one lands in the live windows), ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s measured per row. The clients are`,
      `${fmtInt(connected.ok)} \`/ws/metrics\` sockets (unfiltered project window, the default 1 s interval) held by a separate Node process`,
      `on the same ${availableParallelism()}-core machine; they connected in ${fmtMs(connected.ms)} ms.`,
      '',
      table(
        ['row', 'clients', 'events/s', 'server CPU %', 'server CPU s per 100k events', 'server RSS max MB'],
        rows.map((r) => [r.id, fmtInt(r.clients), fmtInt(r.load.eventsPerSec), fmtInt(r.serverCpuPct), cpuPer100k(r)?.toFixed(2) ?? null, fmtInt(r.rssMaxMb)]),
        ['left', 'right', 'right', 'right', 'right', 'right'],
      ),
      '',
      `Cost of the clients: ingest ${costPct >= 0 ? 'fell' : 'rose'} by ${Math.abs(costPct).toFixed(1)} % against the mean of the rows before and after` +
        ` — target ≤ ${LIVE_COST_TARGET_PCT} %: **${costMet ? 'met' : 'missed'}**. This includes the clients' own CPU on the shared cores` +
        ` (${fmtInt(clientCpuPct)} % of one core for ${fmtInt(framesPerSec)} frames/s, ${fmtInt(report!.bytes / report!.frames)} B each);` +
        ` with no ingest, the server spends ${fmtInt(idleCpuPct)} % of one core serving them.`,
      '',
      `Event-to-client latency (${fmtInt(sentAt.length)} probes, one every ${PROBE_EVERY_MS} ms during the row with clients, × every client =` +
        ` ${fmtInt(s.n)} samples; method in benchmarks/live-latency.ts): p50 ${fmtMs(s.p50)} ms, p95 ${fmtMs(s.p95)} ms,` +
        ` **p99 ${fmtMs(s.p99)} ms**, max ${fmtMs(s.max)} ms` +
        `${lat.missing > 0 ? `; ${fmtInt(lat.missing)} (probe, client) pairs never seen` : ''} — target p99 ≤ ${fmtInt(LIVE_P99_TARGET_MS)} ms:` +
        ` **${p99Met ? 'met' : 'missed'}**. It includes the wait for each client's next 1 Hz frame (up to 1 s by design)` +
        ` and the probe's own ingest (send → durable ack: p50 ${fmtMs(ack.p50)} ms, p99 ${fmtMs(ack.p99)} ms, queued behind the bulk senders);` +
        ` from the ack to the clients alone: p50 ${fmtMs(fromAck.p50)} ms, p99 ${fmtMs(fromAck.p99)} ms.` +
        ` Frames skipped for a full socket buffer: at most ${fmtInt(report!.maxSkipped)} per client; sockets dropped: ${fmtInt(report!.dropped)}.`,
      ...(opts.quick ? ['', `_Quick run: ${fmtInt(connected.ok)} clients and short rows, not figures._`] : []),
    ].join('\n');

    return {
      id: 'live',
      title: `Live feed: ${fmtInt(connected.ok)} WebSocket clients during full-speed ingest`,
      markdown,
      results: {
        clients: connected.ok,
        clients_label: `${fmtInt(connected.ok)} clients`,
        connect_ms: Math.round(connected.ms),
        latency_p50_ms: Math.round(s.p50),
        latency_p95_ms: Math.round(s.p95),
        latency_p99_ms: lat.missing > 0 ? null : Math.round(s.p99),
        latency_max_ms: Math.round(s.max),
        latency_samples: s.n,
        probe_ack_p99_ms: Math.round(ack.p99),
        ack_to_client_p50_ms: Math.round(fromAck.p50),
        ack_to_client_p99_ms: Math.round(fromAck.p99),
        latency_missing: lat.missing,
        ingest_no_clients_events_per_s: Math.round(baseline),
        ingest_with_clients_events_per_s: Math.round(withClients.load.eventsPerSec),
        clients_cost_pct: Number(Math.max(0, costPct).toFixed(1)),
        clients_cost_pct_signed: Number(costPct.toFixed(1)),
        server_cpu_pct_no_clients: before.serverCpuPct === null ? null : Math.round(before.serverCpuPct),
        server_cpu_pct_with_clients: withClients.serverCpuPct === null ? null : Math.round(withClients.serverCpuPct),
        server_cpu_pct_idle_with_clients: idleCpuPct === null ? null : Math.round(idleCpuPct),
        client_process_cpu_pct: clientCpuPct === null ? null : Math.round(clientCpuPct),
        frames_per_s: Math.round(framesPerSec),
        max_skipped_frames: report!.maxSkipped,
      },
    };
  };
}
