/**
 * Alert evaluation at scale (issue 7 §7): 1,000 rules evaluated every 15 s over the query bench's dataset (10M events
 * over 30 days; quick: 100k), in one Pulse started in this process so the notifier is a timing probe at the engine's
 * seam (`Notifier.dispatch`), not a channel's network round trip.
 *   - CPU share: evaluations run back to back, process CPU time (all threads, DuckDB's included) per evaluation
 *     divided by the 15 s interval — the share of one core alerting costs at that interval. Nothing else runs then.
 *   - Event-to-notification: an offending event goes in through the API at a random moment; the time until the
 *     notifier receives its notification is measured, for a threshold rule (bounded by one interval plus the
 *     evaluation) and for an event rule (the fan-out path).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { datasetSpec, readDataset, writeDataset } from './dataset.js';
import { createAgent } from './lib/http.js';
import { sendAll } from './lib/load.js';
import { fmtInt, fmtMs, table } from './lib/markdown.js';
import { summarize, type Summary } from './lib/stats.js';
import { startPulse } from '../packages/server/dist/server.js';
import type { Notification, Notifier } from '../packages/server/dist/alerts/types.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export const ALERT_CPU_TARGET_PCT = 20;
const RULES = 1_000;
const INTERVAL_S = 15;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Records when each notification arrives, keyed by the probe label it carries. */
class TimingNotifier implements Notifier {
  readonly arrivals = new Map<string, number>();
  dispatch(n: Notification): void {
    const at = Date.now();
    for (const a of n.alerts) {
      const probe = a.labels.attributes_probe ?? a.labels.queue_name;
      if (probe !== undefined && !this.arrivals.has(probe)) this.arrivals.set(probe, at);
    }
  }
  channelNames(): string[] { return []; }
  async close(): Promise<void> {}
}

const MEASURES = ['error_rate', 'p95_duration_ms', 'avg_duration_ms', 'cost_usd', 'total_tokens', 'count', 'avg_ttft_ms', 'unique_users'];
const WINDOWS = ['5m', '15m', '1h'];
const FILTERS: Array<Record<string, string>> = [
  {}, { type: 'llm' }, { type: 'message' }, { model: 'gpt-4o' }, { model: 'gpt-4o-mini' }, { model: 'claude-3-5-sonnet-20241022' },
  { service: 'bot' }, { service: 'api' }, { status: 'error' }, { channel: 'general' },
];

/**
 * A realistic mix: threshold rules over 8 measures × 3 windows × 10 filters (every 4th grouped by model), a few
 * budget and anomaly rules. Rules sharing window, filters and group-by share one query (alerts/engine/queries.ts).
 */
function ruleMix(count: number): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; rules.length < count; i++) {
    if (i % 100 === 7) rules.push({ name: `budget ${i}`, kind: 'budget', budget_usd: 1e6 });
    else if (i % 100 === 8) rules.push({ name: `anomaly ${i}`, kind: 'anomaly', measure: 'count', window: '1h', baseline_days: 7 });
    else {
      rules.push({
        name: `rule ${i}`, measure: MEASURES[i % MEASURES.length], op: '>', threshold: 1e12, window: WINDOWS[i % WINDOWS.length],
        filters: FILTERS[Math.floor(i / 3) % FILTERS.length], ...(i % 4 === 0 ? { group_by: ['model'] } : {}),
      });
    }
  }
  return rules;
}

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

export default (async function alertingBench(opts: BenchOptions): Promise<BenchSection> {
  const log = (m: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} [alerting] ${m}\n`);
  const size = opts.quick ? 100_000 : 10_000_000;
  const intervalS = opts.quick ? 3 : INTERVAL_S;
  const dir = join(opts.tmpDir, 'alerting');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = datasetSpec(size, Date.now());
  log(`generating ${size.toLocaleString('en-US')} events`);
  const dataset = await writeDataset(spec, join(dir, 'bodies.ndjson'));
  const notifier = new TimingNotifier();
  const pulse = await startPulse({ port: 0, dataDir: join(dir, 'data'), notifier, env: { LOG_LEVEL: 'warn', PULSE_ALERT_INTERVAL: String(intervalS) } });
  try {
    const agent = createAgent(8);
    const load = await sendAll(agent, new URL('/v1/events', pulse.url), readDataset(dataset.path), { 'content-type': 'application/json' }, 4);
    log(`loaded ${fmtInt(load.accepted)} events in ${load.seconds.toFixed(1)} s`);

    // Two probe rules (their alerts fire on the probe events) plus the mix, 1,000 in all.
    const probeRule = await post(`${pulse.url}/v1/alert-rules`, { name: 'probe threshold', measure: 'count', op: '>=', threshold: 1, window: '10m', filters: { name: 'alert-probe' }, group_by: ['attributes.probe'], group_interval: '0s' });
    const eventRule = await post(`${pulse.url}/v1/alert-rules`, { name: 'probe event', kind: 'event', attributes: { alert: 'queue_failure' }, group_interval: '0s' });
    if (probeRule.status !== 201 || eventRule.status !== 201) throw new Error(`probe rules: ${JSON.stringify([probeRule.json, eventRule.json])}`);
    for (const r of ruleMix(RULES - 2)) {
      const res = await post(`${pulse.url}/v1/alert-rules`, r);
      if (res.status !== 201) throw new Error(`rule ${String(r.name)}: ${JSON.stringify(res.json)}`);
    }
    log(`${RULES} rules created`);

    // CPU per evaluation, back to back (the first one warms caches and the anomaly baselines up).
    await pulse.tasks.runNow('alert-evaluation');
    const runs = opts.quick ? 3 : 10;
    const cpuMs: number[] = [];
    const wallMs: number[] = [];
    const q0 = pulse.alerts.stats.queries;
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await pulse.tasks.runNow('alert-evaluation');
      wallMs.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuMs.push((c.user + c.system) / 1000);
    }
    const queriesPerEval = (pulse.alerts.stats.queries - q0) / runs;
    const cpu = summarize(cpuMs);
    const cpuPct = (cpu.mean / (INTERVAL_S * 1000)) * 100;
    log(`evaluation: ${cpu.mean.toFixed(0)} ms CPU, ${summarize(wallMs).p50.toFixed(0)} ms wall, ${queriesPerEval} queries → ${cpuPct.toFixed(2)} % of a core at ${INTERVAL_S} s`);

    // Event → notification, at random phases of the schedule.
    const probes = opts.quick ? 3 : 8;
    const threshold: number[] = [];
    const event: number[] = [];
    for (let i = 0; i < probes; i++) {
      await sleep(Math.random() * intervalS * 1000);
      const id = `p${i}-${Date.now()}`;
      const sent = Date.now();
      await post(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'alert-probe', value: 1, attributes: { probe: id } }] });
      const eid = `q${i}-${Date.now()}`;
      const sentE = Date.now();
      await post(`${pulse.url}/v1/events`, { events: [{ type: 'error', name: 'queue_failure', status: 'error', attributes: { alert: 'queue_failure', queue_name: eid } }] });
      for (let w = 0; w < (intervalS + 30) * 50 && !(notifier.arrivals.has(id) && notifier.arrivals.has(eid)); w++) await sleep(20);
      if (!notifier.arrivals.has(id) || !notifier.arrivals.has(eid)) throw new Error(`probe ${i}: no notification`);
      threshold.push(notifier.arrivals.get(id)! - sent);
      event.push(notifier.arrivals.get(eid)! - sentE);
    }
    const th = summarize(threshold);
    const ev = summarize(event);
    log(`threshold rule: max ${th.max} ms (interval ${intervalS} s); event rule: max ${ev.max} ms`);
    return section({ size, stored: load.accepted, intervalS, cpu, cpuPct, wall: summarize(wallMs), queriesPerEval, th, ev, quick: opts.quick });
  } finally {
    await pulse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}) satisfies Bench;

interface Figures {
  size: number;
  stored: number;
  intervalS: number;
  cpu: Summary;
  cpuPct: number;
  wall: Summary;
  queriesPerEval: number;
  th: Summary;
  ev: Summary;
  quick: boolean;
}

function section(f: Figures): BenchSection {
  const thTarget = f.intervalS * 1000 + 1000;
  const markdown = [
    `${RULES.toLocaleString('en-US')} rules (threshold over 8 measures × 3 windows × 10 filters, a quarter grouped by model; 1 % budget, 1 % anomaly) over ${fmtInt(f.stored)} stored events${f.quick ? ' (quick mode: small dataset, 3 s schedule for the latency probes)' : ''}.`,
    '',
    table(['figure', 'value', 'target'], [
      ['CPU per evaluation (mean, all threads)', fmtMs(f.cpu.mean), ''],
      [`CPU share of one core at a ${INTERVAL_S} s interval`, `${f.cpuPct.toFixed(2)} %`, `≤ ${ALERT_CPU_TARGET_PCT} %`],
      ['Evaluation wall time p50 / max', `${fmtMs(f.wall.p50)} / ${fmtMs(f.wall.max)}`, ''],
      ['Queries per evaluation (shared by window + filters + group-by)', f.queriesPerEval.toFixed(1), ''],
      [`Offending event → notification, threshold rule (max of ${f.th.n}, ${f.intervalS} s schedule)`, fmtMs(f.th.max), `≤ ${fmtMs(thTarget)}`],
      [`Offending event → notification, event rule (max of ${f.ev.n})`, fmtMs(f.ev.max), '≤ 1,000 ms'],
    ], ['left', 'right', 'right']),
  ].join('\n');
  return {
    id: 'alerting',
    title: 'Alert evaluation: 1,000 rules',
    markdown,
    results: {
      events: f.stored, rules: RULES, cpu_ms_per_eval: Math.round(f.cpu.mean), cpu_pct_one_core: Number(f.cpuPct.toFixed(3)),
      eval_wall_p50_ms: Math.round(f.wall.p50), queries_per_eval: f.queriesPerEval, interval_s: f.intervalS,
      threshold_latency_max_ms: f.th.max, threshold_latency_target_ms: thTarget, threshold_latency_over_interval_ms: f.th.max - f.intervalS * 1000,
      event_latency_max_ms: f.ev.max, size_label: f.quick ? 'quick' : '10M',
    },
  };
}
