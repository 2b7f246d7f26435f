import type { StoreRestarts } from '../ops/parts.js';
import type { EventStore } from '../store/types.js';
import type { HostDetail } from './host-sampler.js';
import type { ServiceHealth } from './registry.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const r = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;
const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

/** Queries per second between two readings of the store's query counter, taken by the system-sample task. */
export class QueryRate {
  private prev: { at: number; queries: number } | null = null;
  private rate: number | null = null;

  observe(at: number, queries: number): void {
    if (this.prev && at > this.prev.at) this.rate = ((queries - this.prev.queries) / (at - this.prev.at)) * 1000;
    this.prev = { at, queries };
  }

  get perSecond(): number | null {
    return this.rate === null ? null : r(this.rate, 2);
  }
}

export interface SystemReportInput {
  host: HostDetail;
  store: EventStore;
  storeHealth: ServiceHealth | null;
  connections: number;
  queryRate: number | null;
  lastBackup: { at: number; file: string } | null;
  restarts: StoreRestarts;
  dataDir: string;
  now: number;
}

/** `GET /api/system`: seed 001's `system_resources` and `database_health`, plus the Pulse process itself. */
export async function systemReport(input: SystemReportInput) {
  const { host } = input;
  const stats = await input.store.stats();
  const mem = process.memoryUsage();
  const used = host.memoryTotalBytes - host.memoryAvailableBytes;
  return {
    timestamp: new Date(input.now).toISOString(),
    sampled_at: new Date(host.sampledAt).toISOString(),
    system_resources: {
      cpu: { usage_percent: r(host.cpuPercent), cores: host.cores, load_average: host.loadAverage.map((l) => r(l, 2)) },
      memory: { total_gb: r(host.memoryTotalBytes / GB, 2), used_gb: r(used / GB, 2), usage_percent: r(host.memoryPercent), available_gb: r(host.memoryAvailableBytes / GB, 2) },
      disk: host.diskTotalBytes === null ? null : {
        path: host.diskPath,
        total_gb: r(host.diskTotalBytes / GB, 2),
        used_gb: r((host.diskTotalBytes - host.diskFreeBytes) / GB, 2),
        usage_percent: r(host.diskPercent),
        free_gb: r(host.diskFreeBytes / GB, 2),
      },
      network: { bytes_sent: host.networkBytesSent, bytes_received: host.networkBytesReceived, connections: input.connections },
      process: { pid: process.pid, rss_mb: r(mem.rss / MB), heap_used_mb: r(mem.heapUsed / MB), uptime_seconds: Math.round(process.uptime()), node: process.version },
    },
    database_health: {
      [input.store.dialect]: {
        status: input.storeHealth?.status ?? 'unknown',
        path: input.dataDir,
        file_size_mb: stats.bytes === null ? null : r(stats.bytes / MB, 2),
        wal_size_mb: stats.walBytes == null ? null : r(stats.walBytes / MB, 2),
        rows: stats.events,
        connections: stats.connections ?? null,
        queries_per_second: input.queryRate,
        last_checkpoint: iso(stats.lastCheckpointAt),
        checkpoints_failed: stats.checkpointsFailed ?? null,
        last_backup: iso(input.lastBackup?.at),
        last_backup_file: input.lastBackup?.file ?? null,
        // Times this process reopened the file after DuckDB invalidated it (supervise.ts; docs/operations.md).
        restarts: input.restarts.count,
        last_restart: iso(input.restarts.last?.at),
        last_restart_reason: input.restarts.last?.reason ?? null,
      },
    },
  };
}
