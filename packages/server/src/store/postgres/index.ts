import { PostgresAlertStore } from './alert-store.js';
import { clientConfig, PgDb, type PostgresOptions } from './connection.js';
import { PostgresDeliveryStore } from './delivery-store.js';
import { PostgresExportJobStore } from './export-jobs.js';
import { PostgresMetaStore } from './meta-store.js';
import { migratePostgres } from './migrate.js';
import { PgListener } from './notifications.js';
import { PostgresReportRunStore } from './report-runs.js';
import { CHANGES_CHANNEL, KEYS_CHANNEL, LIVE_CHANNEL } from './schema.js';

export { PgDb, SCHEMA_NAME, type PostgresOptions } from './connection.js';
export { migratePostgres } from './migrate.js';
export { PgListener, type ListenerOptions } from './notifications.js';
export { PG_MIGRATIONS, KEYS_CHANNEL, CHANGES_CHANNEL, LIVE_CHANNEL, ANNOUNCED_TABLES, type AnnouncedTable } from './schema.js';
export { clientConfig, INSTANCE_NAME } from './connection.js';
export { PostgresMetaStore } from './meta-store.js';

export interface PostgresMetaStores {
  meta: PostgresMetaStore;
  exportJobs: PostgresExportJobStore;
  reportRuns: PostgresReportRunStore;
  alerts: PostgresAlertStore;
  deliveries: PostgresDeliveryStore;
  db: PgDb;
  /** The LISTEN session behind `meta.onKeysChanged` and `onNotification`; null when opened with `listen: false`. */
  listener: PgListener | null;
  /**
   * Hears the notifications of `channel` (CHANGES_CHANNEL, LIVE_CHANNEL) on the shared LISTEN session; null when
   * notifications may have been missed (the session dropped or came back). Returns the unsubscribe.
   */
  onNotification(channel: string, fn: (payload: string | null) => void): () => void;
  /** The settings every connection of these stores uses (for a session of one's own: the leader election). */
  clientConfig: ReturnType<typeof clientConfig>;
  /** Ends the listener and the pool. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the pool, migrates the schema (under the migration lock, migrate.ts), and starts listening for key changes.
 * `listen: false` (one-shot CLI commands) skips the listener.
 */
export async function openPostgresMetaStores(options: PostgresOptions & { listen?: boolean }): Promise<PostgresMetaStores> {
  const config = clientConfig(options);
  const db = PgDb.open(options);
  const meta = new PostgresMetaStore(db);
  let listener: PgListener | null = null;
  const hearers = new Map<string, Set<(payload: string | null) => void>>();
  const hear = (channel: string, payload: string | null): void => {
    for (const fn of hearers.get(channel) ?? []) fn(payload);
  };
  try {
    await migratePostgres(db);
    if (options.listen !== false) {
      const { schema: _schema, ...client } = config;
      listener = new PgListener({
        config: client, channels: [KEYS_CHANNEL, CHANGES_CHANNEL, LIVE_CHANNEL],
        onNotify: (n) => {
          if (n === null || n.channel === KEYS_CHANNEL) meta.keysChanged();
          if (n === null) for (const channel of hearers.keys()) hear(channel, null);
          else if (n.channel !== KEYS_CHANNEL) hear(n.channel, n.payload);
        },
        ...(options.onError ? { onError: options.onError } : {}),
      });
      await listener.start();
    }
  } catch (err) {
    await listener?.close();
    await db.end();
    throw err;
  }
  const stores = {
    meta, exportJobs: new PostgresExportJobStore(db), reportRuns: new PostgresReportRunStore(db),
    alerts: new PostgresAlertStore(db), deliveries: new PostgresDeliveryStore(db),
  };
  let closing: Promise<void> | null = null;
  return {
    ...stores, db, listener, clientConfig: config,
    onNotification(channel, fn) {
      const set = hearers.get(channel) ?? new Set();
      hearers.set(channel, set);
      set.add(fn);
      return () => set.delete(fn);
    },
    close() {
      closing ??= (async () => {
        await Promise.all(Object.values(stores).map((s) => s.close()));
        await listener?.close();
        await db.end();
      })();
      return closing;
    },
  };
}
