import type { AlertStore } from '../alerts/store/alert-store.js';
import type { DeliveryStore } from '../alerts/delivery/delivery-store.js';
import type { Clock } from '../clock.js';
import { ConfigError } from '../config/load.js';
import type { PulseConfig } from '../config/types.js';
import type { ExportJobStore } from '../export/types.js';
import type { ReportRunStore } from '../reports/runner.js';
import { openClickHouseEvents } from './clickhouse/open.js';
import { openEmbeddedEventStore, openEmbeddedStores, type DuckDbHandle } from './duckdb/index.js';
import { openPostgresMetaStores, type PostgresMetaStores } from './postgres/index.js';
import type { EventStore, MetaStore } from './types.js';
import type { UserRollups } from '../analytics/user-rollups/maintain.js';

/** Everything Pulse keeps: events, and the meta parts (projects, keys, alerting, exports, reports). */
export interface PulseStores {
  store: EventStore;
  meta: MetaStore;
  exportJobs: ExportJobStore;
  reportRuns: ReportRunStore;
  alerts: AlertStore;
  deliveries: DeliveryStore;
  /** Where the meta parts live: the embedded file, or PostgreSQL (`PULSE_POSTGRES_URL`). */
  metaBackend: 'duckdb' | 'postgres';
  /** The PostgreSQL side (pool, LISTEN session) when `metaBackend` is `postgres`: what cluster/ builds on. */
  postgres: PostgresMetaStores | null;
  /** Per-user day rows for the user analytics (embedded event store only; null elsewhere or when not kept). */
  userRollups: UserRollups | null;
  /**
   * The embedded DuckDB file's handle when events or meta live there (null with ClickHouse): the server watches it for
   * DuckDB invalidating the database (supervise.ts).
   */
  duckdb: DuckDbHandle | null;
  /** Closes every store. Idempotent. */
  close(): Promise<void>;
}

export type StoresConfig = Pick<PulseConfig, 'dataDir' | 'duckdbMemoryLimit' | 'duckdbLoadMemoryLimit' | 'duckdbThreads' | 'limits' | 'rollups' | 'userRollups' | 'postgresUrl' | 'postgresSchema' | 'postgresPoolSize' | 'store' | 'clickhouseUrl' | 'clickhouseShards' | 'clickhouseCluster'>
  & Partial<Pick<PulseConfig, 'instanceId'>>;

export interface OpenStoresOptions {
  clock?: Clock;
  /** Errors nobody awaits: an idle pooled connection or the LISTEN session dropping. */
  onError?: (err: Error, what: string) => void;
}

function postgresOptions(config: StoresConfig, onError: OpenStoresOptions['onError'], listen: boolean) {
  return {
    url: config.postgresUrl!, schema: config.postgresSchema, poolSize: config.postgresPoolSize, listen,
    ...(config.instanceId !== undefined ? { instance: config.instanceId } : {}),
    ...(onError ? { onError } : {}),
  };
}

/**
 * Opens the stores the configuration asks for. Events are in the embedded DuckDB file, or with `PULSE_STORE=clickhouse`
 * in ClickHouse (`PULSE_CLICKHOUSE_URL`, migrated on open); the meta parts are in the same file unless
 * `PULSE_POSTGRES_URL` is set, and then in PostgreSQL, migrated on open (docs/scaling.md). ClickHouse always goes with
 * PostgreSQL (config/load.ts refuses it alone): the instance then keeps nothing locally.
 * PostgreSQL is opened first, so an unreachable database fails the start before the data file is locked.
 */
export async function openStores(config: StoresConfig, options: OpenStoresOptions = {}): Promise<PulseStores> {
  const embedded = {
    dataDir: config.dataDir, memoryLimit: config.duckdbMemoryLimit, loadMemoryLimit: config.duckdbLoadMemoryLimit,
    ...(config.duckdbThreads !== null ? { threads: config.duckdbThreads } : {}),
    queryTimeoutMs: config.limits.queryTimeoutMs, rollups: config.rollups,
    userRollups: config.userRollups,
    ...(options.clock ? { clock: options.clock } : {}),
  };
  if (config.postgresUrl === null) {
    if (config.store === 'clickhouse') throw new ConfigError('PULSE_STORE=clickhouse needs PULSE_POSTGRES_URL for the metadata');
    const stores = await openEmbeddedStores(embedded);
    return { ...stores, duckdb: stores.db, metaBackend: 'duckdb', postgres: null };
  }
  const meta: PostgresMetaStores = await openPostgresMetaStores(postgresOptions(config, options.onError, true));
  let events: { store: EventStore; userRollups?: UserRollups | null; db?: DuckDbHandle; close(): Promise<void> };
  try {
    events = config.store === 'clickhouse'
      ? await openClickHouseEvents({ ...embedded, clickhouseUrl: config.clickhouseUrl ?? '', clickhouseShards: config.clickhouseShards, clickhouseCluster: config.clickhouseCluster, queryTimeoutMs: config.limits.queryTimeoutMs })
      : await openEmbeddedEventStore(embedded);
  } catch (err) {
    await meta.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    store: events.store, meta: meta.meta, exportJobs: meta.exportJobs, reportRuns: meta.reportRuns, alerts: meta.alerts,
    deliveries: meta.deliveries, metaBackend: 'postgres', postgres: meta, userRollups: events.userRollups ?? null,
    duckdb: events.db ?? null,
    close() {
      closing ??= (async () => {
        await Promise.all([events.close(), meta.close()]);
      })();
      return closing;
    },
  };
}

/**
 * The meta store alone, for one-shot commands (`pulse keys …`). With PostgreSQL the data file is not opened at all,
 * so the command works while a server runs; without it, the embedded file is opened (and must be free).
 */
export async function openMetaStore(config: StoresConfig): Promise<{ meta: MetaStore; close(): Promise<void> }> {
  if (config.postgresUrl !== null) return openPostgresMetaStores(postgresOptions(config, undefined, false));
  return openEmbeddedStores({ dataDir: config.dataDir, memoryLimit: config.duckdbMemoryLimit });
}
