import type { Clock } from '../../clock.js';
import { sizeBytes } from '../../config/load.js';
import type { ExportJobStore } from '../../export/types.js';
import type { EventStore, MetaStore } from '../types.js';
import { DuckDbExportJobStore } from './export-jobs.js';
import { DuckDbReportRunStore } from './report-runs.js';
import type { ReportRunStore } from '../../reports/runner.js';
import { DuckDbEventStore, type DuckDbEventStoreOptions } from './event-store.js';
import { DuckDbMetaStore } from './meta-store.js';
import { migrate } from './migrate.js';
import { DuckDbAlertStore } from '../../alerts/store/duckdb-alert-store.js';
import type { AlertStore } from '../../alerts/store/alert-store.js';
import { DuckDbDeliveryStore } from '../../alerts/delivery/duckdb-delivery-store.js';
import type { DeliveryStore } from '../../alerts/delivery/delivery-store.js';
import { openDuckDb, type DuckDbHandle } from './open.js';
import { UserRollups, type UserRollupsOptions } from '../../analytics/user-rollups/maintain.js';
import type { DuckDbRollupsOptions } from './rollups.js';

export { DuckDbEventStore, type DuckDbEventStoreOptions } from './event-store.js';
export { DuckDbMetaStore } from './meta-store.js';
export { migrate } from './migrate.js';
export { DB_FILE_NAME, MEMORY, openDuckDb, type DuckDbHandle, type OpenDuckDbOptions } from './open.js';

export interface EmbeddedStoresOptions {
  /** PULSE_DATA_DIR; the file is `<dataDir>/pulse.duckdb`. ':memory:' for a throwaway store. */
  dataDir: string;
  memoryLimit?: string;
  /** The pool's limit while events are loaded (DuckDbEventStoreOptions.memoryLimits); needs `memoryLimit`. */
  loadMemoryLimit?: string;
  threads?: number;
  /** How often DuckDB is probed for having invalidated the database (OpenDuckDbOptions; tests use a short one). */
  probeIntervalMs?: number;
  clock?: Clock;
  queryTimeoutMs?: number;
  /** PULSE_ROLLUPS (default true); options (tests use small bounds) keep them on. */
  rollups?: boolean | DuckDbRollupsOptions;
  /** See DuckDbEventStoreOptions (tests use small slices). */
  deleteSliceRows?: number;
  /** See DuckDbEventStoreOptions (tests use a short interval and a small log). */
  idleCheckpoint?: DuckDbEventStoreOptions['idleCheckpoint'];
  /** Keep the user rollups (analytics/user-rollups/; default true, never without `rollups`). Options for tests (small slices). */
  userRollups?: boolean | UserRollupsOptions;
}

export interface EmbeddedStores {
  store: EventStore;
  meta: MetaStore;
  exportJobs: ExportJobStore;
  reportRuns: ReportRunStore;
  /** Alert rules, alerts, groups and silences (alerts/store); its tables are created by its `init()`. */
  alerts: AlertStore;
  /** Alert delivery attempts (alerts/delivery); its table is created by its `init()`. */
  deliveries: DeliveryStore;
  /** Per-user day rows and first-seen times for the user analytics (analytics/user-rollups/); null when not kept. */
  userRollups: UserRollups | null;
  /** The DuckDB instance behind them all (its `onFatal` tells when DuckDB has invalidated it). */
  db: DuckDbHandle;
  /** Closes both stores and the file (checkpointed). Idempotent. */
  close(): Promise<void>;
}

/** The event store alone over the embedded file (the meta parts live elsewhere, e.g. PostgreSQL: store/open-stores.ts). */
export interface EmbeddedEventStore {
  store: DuckDbEventStore;
  db: DuckDbHandle;
  /** Per-user day rows and first-seen times for the user analytics (analytics/user-rollups/); null when not kept. */
  userRollups: UserRollups | null;
  /** Closes the store and the file (checkpointed) once its other users have released it. Idempotent. */
  close(): Promise<void>;
}

/**
 * Whether loads get a larger pool: both limits given, and the load limit larger. Both are checked as sizes here too
 * (they go into `SET memory_limit`), since a caller of startPulse may pass them without the configuration's parsing.
 */
function raisesPool(options: EmbeddedStoresOptions): boolean {
  if (options.memoryLimit === undefined || options.loadMemoryLimit === undefined) return false;
  return sizeBytes(options.loadMemoryLimit) > sizeBytes(options.memoryLimit);
}

/** Waits for every promise; rejects with the first failure once all have settled. */
async function settleAll(work: ReadonlyArray<Promise<unknown> | undefined>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** Opens `<dataDir>/pulse.duckdb` (refusing when another process holds it), migrates it, and opens the event store. */
export async function openEmbeddedEventStore(options: EmbeddedStoresOptions): Promise<EmbeddedEventStore> {
  const db = await openDuckDb(options);
  const store = new DuckDbEventStore(db, {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
    ...(options.rollups === undefined ? {} : { rollups: options.rollups }),
    ...(options.deleteSliceRows === undefined ? {} : { deleteSliceRows: options.deleteSliceRows }),
    ...(options.idleCheckpoint === undefined ? {} : { idleCheckpoint: options.idleCheckpoint }),
    ...(raisesPool(options) ? { memoryLimits: { base: options.memoryLimit!, load: options.loadMemoryLimit! } } : {}),
  });
  // Only beside the rollups: the event store never numbers new events at or below their watermark (even after
  // retention emptied the table), which the user rollups' watermark never passes when retention deletes.
  const keepUsers = options.rollups === false ? false : options.userRollups ?? true;
  const clock = options.clock;
  const userRollups = keepUsers === false ? null
    : new UserRollups(db, () => store.committedSeq(), { ...(clock === undefined ? {} : { now: () => clock.now() }), ...(keepUsers === true ? {} : keepUsers) });
  try {
    await db.writeLock.run(() => migrate(db.writer));
    await store.init();
    await userRollups?.init();
  } catch (error) {
    await Promise.allSettled([store.close(), userRollups?.close()]);
    await db.release();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    store,
    db,
    userRollups,
    close() {
      // Every part is closed even when one fails (an invalidated database fails them all), so the file is released.
      closing ??= settleAll([store.close(), userRollups?.close()]).finally(() => db.release());
      return closing;
    },
  };
}

/**
 * Opens `<dataDir>/pulse.duckdb` (refusing when another process holds it), migrates it, and returns
 * both stores over the one instance.
 */
export async function openEmbeddedStores(options: EmbeddedStoresOptions): Promise<EmbeddedStores> {
  const events = await openEmbeddedEventStore(options);
  const { store, db, userRollups } = events;
  const meta = new DuckDbMetaStore(db);
  const exportJobs = new DuckDbExportJobStore(db);
  const reportRuns = new DuckDbReportRunStore(db);
  const alerts = new DuckDbAlertStore(db);
  const deliveries = new DuckDbDeliveryStore(db);
  try {
    await meta.init();
    await exportJobs.init();
    await reportRuns.init();
  } catch (error) {
    await Promise.allSettled([meta.close(), exportJobs.close(), reportRuns.close()]);
    await events.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    store,
    meta,
    exportJobs,
    reportRuns,
    alerts,
    deliveries,
    userRollups,
    db,
    close() {
      closing ??= settleAll([meta.close(), exportJobs.close(), reportRuns.close(), alerts.close(), deliveries.close()]).finally(() => events.close());
      return closing;
    },
  };
}
