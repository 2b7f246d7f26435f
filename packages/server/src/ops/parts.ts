import type { HealthRegistry } from '../health/registry.js';
import type { SystemHostSampler } from '../health/host-sampler.js';
import type { QueryRate } from '../health/system-report.js';
import type { ErrorLog } from './error-log.js';
import type { CpuProfiler } from './profiler.js';
import type { ReloadHooks } from './reload.js';

/** The last backup this server made (ops/backup.ts), for `/api/system`. */
export interface BackupRecord {
  at: number;
  file: string;
  bytes: number;
}

/** Restarts of the server after DuckDB invalidated its database (supervise.ts), for `/api/system`. */
export interface StoreRestarts {
  count: number;
  last: { at: number; reason: string } | null;
}

/** What the operations feature adds to the app (AppParts.ops, RunningPulse.ops). */
export interface OpsParts {
  health: HealthRegistry;
  /** The HostSampler alert rules on host resources read (`sample()`), refreshed by the `system-sample` task. */
  host: SystemHostSampler;
  queryRate: QueryRate;
  lastBackup: BackupRecord | null;
  errors: ErrorLog;
  profiler: CpuProfiler;
  /** Run on SIGUSR2 with the re-read configuration (health checks; the alert engine adds its rules). */
  reload: ReloadHooks;
  startedAtMs: number;
  /** This process's earlier restarts of the server (none unless it runs under supervise.ts). */
  restarts: StoreRestarts;
}
