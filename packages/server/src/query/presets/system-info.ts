import { statfs } from 'node:fs/promises';
import os from 'node:os';
import type { EventStore } from '../../store/types.js';
import { round } from './common.js';

/** Host and process resources in seed 001's `system_resources` units (GB, percent). */
export interface SystemInfo {
  cpu: { cores: number; load_average: number[] };
  memory: { total_gb: number; used_gb: number; usage_percent: number; available_gb: number };
  disk: { path: string; total_gb: number; used_gb: number; usage_percent: number; free_gb: number } | null;
  process: { rss_mb: number; heap_used_mb: number; uptime_seconds: number };
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const gb = (bytes: number): number => round(bytes / GB, 2) ?? 0;
const pct = (part: number, whole: number): number => (whole > 0 ? (round((part / whole) * 100, 1) ?? 0) : 0);

export async function systemInfo(dataDir: string): Promise<SystemInfo> {
  const total = os.totalmem();
  const available = os.freemem();
  const mem = process.memoryUsage();
  return {
    cpu: { cores: os.availableParallelism(), load_average: os.loadavg().map((l) => round(l, 2) ?? 0) },
    memory: { total_gb: gb(total), used_gb: gb(total - available), usage_percent: pct(total - available, total), available_gb: gb(available) },
    disk: await diskInfo(dataDir),
    process: {
      rss_mb: round(mem.rss / MB, 1) ?? 0,
      heap_used_mb: round(mem.heapUsed / MB, 1) ?? 0,
      uptime_seconds: Math.round(process.uptime()),
    },
  };
}

async function diskInfo(path: string): Promise<SystemInfo['disk']> {
  try {
    const s = await statfs(path);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { path, total_gb: gb(total), used_gb: gb(total - free), usage_percent: pct(total - free, total), free_gb: gb(free) };
  } catch {
    // The data directory may not exist yet (or be on a file system without statfs): say unknown.
    return null;
  }
}

export interface DatabaseInfo {
  dialect: string;
  /** Events stored, all projects. */
  events: number;
  bytes: number | null;
  bytes_per_event: number | null;
}

export async function databaseInfo(store: EventStore): Promise<DatabaseInfo> {
  const { events, bytes } = await store.stats();
  return {
    dialect: store.dialect,
    events,
    bytes,
    bytes_per_event: bytes !== null && events > 0 ? round(bytes / events, 1) : null,
  };
}
