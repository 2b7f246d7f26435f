import { statfs } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { HostReader } from './host-reader.js';
import type { HostSample, HostSampler } from './host-sample.js';

/** Everything `/api/system` shows about the host, in bytes and percent (rounded for display by system-report.ts). */
export interface HostDetail extends HostSample {
  cores: number;
  loadAverage: number[];
  memoryTotalBytes: number;
  diskPath: string;
  diskTotalBytes: number | null;
  /** Since boot, every interface but loopback. */
  networkBytesSent: number;
  networkBytesReceived: number;
  sampledAt: number;
}

/**
 * The host's resources through systeminformation (CPU use over the interval since the previous sample, memory,
 * network counters; read in a helper process, see host-reader.ts) and statfs for the file system of the data
 * directory. Sampling CPU needs two readings, so the system-sample task calls `refresh()` periodically and
 * `sample()` answers the latest reading at once.
 */
export class SystemHostSampler implements HostSampler {
  private latest: HostDetail | null = null;
  private refreshing: Promise<HostDetail> | null = null;
  private readonly reader = new HostReader();

  constructor(private readonly deps: { dataDir: string; now: () => number }) {}

  async sample(): Promise<HostSample> {
    return this.latest ?? (await this.refresh());
  }

  /** The latest full reading, taking one when there is none yet. */
  async detail(): Promise<HostDetail> {
    return this.latest ?? (await this.refresh());
  }

  refresh(): Promise<HostDetail> {
    this.refreshing ??= this.read().then((d) => {
      this.latest = d;
      return d;
    }).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Stops the helper process (server shutdown). */
  close(): Promise<void> {
    return this.reader.close();
  }

  private async read(): Promise<HostDetail> {
    const [host, disk] = await Promise.all([this.reader.read(), diskOf(this.deps.dataDir)]);
    const outside = host.network.filter((n) => !n.iface.startsWith('lo'));
    const total = host.memoryTotalBytes;
    return {
      cpuPercent: clampPct(host.cpuPercent),
      memoryPercent: total > 0 ? clampPct(((total - host.memoryAvailableBytes) / total) * 100) : 0,
      memoryAvailableBytes: host.memoryAvailableBytes,
      memoryTotalBytes: total,
      diskPercent: disk ? clampPct(((disk.total - disk.free) / disk.total) * 100) : 0,
      diskFreeBytes: disk?.free ?? 0,
      diskTotalBytes: disk?.total ?? null,
      diskPath: this.deps.dataDir,
      cores: availableParallelism(),
      loadAverage: loadavg(),
      networkBytesSent: outside.reduce((a, n) => a + n.txBytes, 0),
      networkBytesReceived: outside.reduce((a, n) => a + n.rxBytes, 0),
      sampledAt: this.deps.now(),
    };
  }
}

const clampPct = (v: number): number => (Number.isFinite(v) ? Math.min(100, Math.max(0, v)) : 0);

/** Space on the file system holding `path` (as `df` counts it: blocks available to unprivileged users). */
async function diskOf(path: string): Promise<{ total: number; free: number } | null> {
  try {
    const s = await statfs(path);
    return { total: s.blocks * s.bsize, free: s.bavail * s.bsize };
  } catch {
    return null;
  }
}
