import { createAgent } from './http.js';
import { runTimedLoad, type Body, type TimedLoadResult } from './load.js';
import { readCpuSeconds } from './proc.js';
import type { PulseProcess } from './pulse-process.js';
import { percentile } from './stats.js';

/**
 * The cost of one server setting on ingest: Pulse child processes that differ only in that setting, loaded one at a
 * time in rows (never together, so each has the machine to itself), by the same senders cycling through the same
 * pre-serialised requests. Per row: the events acknowledged per second and the server's CPU per event (/proc).
 */
export interface SettingRow<K extends string> {
  setting: K;
  eventsPerSec: number;
  /** Every event acknowledged in the row, warm-up included (what the row added to the store). */
  accepted: number;
  /** Server CPU seconds from the start of the row's load to the end of its settle; null when /proc is unreadable. */
  cpuSeconds: number | null;
  /** `cpuSeconds` per 100k acknowledged events. */
  cpuSecPer100k: number | null;
  /** p99 acknowledgement latency of the requests of the measured window. */
  ackP99Ms: number;
  /** From the end of the load to the end of the settle. */
  settleMs: number;
}

export interface SettingRowsOptions<K extends string> {
  servers: Record<K, PulseProcess>;
  /** The setting of each row, in the order run. */
  order: readonly K[];
  bodies: readonly Body[];
  senders: number;
  warmupMs: number;
  durationMs: number;
  /**
   * Runs after a row's load and before its CPU is read: for work the row caused that finishes later (a background
   * task's share of the row), so it counts in this row and does not steal from the next. Default: none.
   */
  settle?: (setting: K, server: PulseProcess, load: TimedLoadResult) => Promise<void>;
  onRow?: (row: SettingRow<K>, index: number) => void;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** One timed load of `/v1/events` with `senders` requests in flight. */
export async function loadServer(server: PulseProcess, bodies: readonly Body[], senders: number, warmupMs: number, durationMs: number): Promise<TimedLoadResult> {
  const agent = createAgent(senders);
  try {
    return await runTimedLoad({ agent, url: new URL('/v1/events', server.url), bodies, headers: JSON_HEADERS, concurrency: senders, warmupMs, durationMs });
  } finally {
    agent.destroy();
  }
}

export async function runSettingRows<K extends string>(o: SettingRowsOptions<K>): Promise<SettingRow<K>[]> {
  const rows: SettingRow<K>[] = [];
  for (const [i, setting] of o.order.entries()) {
    const server = o.servers[setting];
    const cpu0 = readCpuSeconds(server.pid);
    const load = await loadServer(server, o.bodies, o.senders, o.warmupMs, o.durationMs);
    const loadEnd = performance.now();
    await o.settle?.(setting, server, load);
    const settleMs = performance.now() - loadEnd;
    const cpu1 = readCpuSeconds(server.pid);
    // CPU over the whole row (warm-up and settle included) per event acknowledged in it.
    const cpuSeconds = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
    const row: SettingRow<K> = {
      setting,
      eventsPerSec: load.eventsPerSec,
      accepted: load.totalAccepted,
      cpuSeconds,
      cpuSecPer100k: cpuSeconds === null || load.totalAccepted === 0 ? null : (cpuSeconds / load.totalAccepted) * 100_000,
      ackP99Ms: percentile(load.latenciesMs, 99),
      settleMs,
    };
    rows.push(row);
    o.onRow?.(row, i);
  }
  return rows;
}
