import type { Clock } from '../../clock.js';
import { ClickHouseEventStore } from './event-store.js';
import { parseClickHouseUrl } from './url.js';

export interface ClickHouseEventsConfig {
  /** `PULSE_CLICKHOUSE_URL`: `http(s)://[user[:password]@]host:port[/database]`. */
  clickhouseUrl: string;
  /** `PULSE_ROLLUPS`: keep the rollup tables (materialized views, rollups.ts) and let queries read them. */
  rollups: boolean;
  queryTimeoutMs: number;
  /** `PULSE_CLICKHOUSE_SHARDS` and `PULSE_CLICKHOUSE_CLUSTER`: events in a Distributed table over these servers (no rollups then). */
  clickhouseShards?: readonly string[] | null;
  clickhouseCluster?: string;
  clock?: Clock;
}

/**
 * The ClickHouse event store of `PULSE_STORE=clickhouse`: connects to `PULSE_CLICKHOUSE_URL`, creates its database
 * when missing and runs the migrations (schema.ts; idempotent, so instances may start together). Rejects with a
 * StoreUnavailableError when the server cannot be reached.
 */
export async function openClickHouseEvents(config: ClickHouseEventsConfig): Promise<{ store: ClickHouseEventStore; close(): Promise<void> }> {
  const store = new ClickHouseEventStore({
    ...parseClickHouseUrl(config.clickhouseUrl),
    queryTimeoutMs: config.queryTimeoutMs,
    rollups: config.rollups,
    ...(config.clickhouseShards ? { shards: config.clickhouseShards } : {}),
    ...(config.clickhouseCluster ? { cluster: config.clickhouseCluster } : {}),
    ...(config.clock ? { clock: config.clock } : {}),
  });
  try {
    await store.init();
  } catch (err) {
    await store.close();
    throw err;
  }
  return { store, close: () => store.close() };
}
