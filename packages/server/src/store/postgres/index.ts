import { PostgresAlertStore } from './alert-store.js';
import { clientConfig, PgDb, type PostgresOptions } from './connection.js';
import { PostgresDeliveryStore } from './delivery-store.js';
import { PostgresExportJobStore } from './export-jobs.js';
import { PostgresMetaStore } from './meta-store.js';
import { migratePostgres } from './migrate.js';
import { PgListener } from './notifications.js';
import { PostgresReportRunStore } from './report-runs.js';
import { KEYS_CHANNEL } from './schema.js';

export { PgDb, SCHEMA_NAME, type PostgresOptions } from './connection.js';
export { migratePostgres } from './migrate.js';
export { PgListener, type ListenerOptions } from './notifications.js';
export { PG_MIGRATIONS, KEYS_CHANNEL } from './schema.js';
export { PostgresMetaStore } from './meta-store.js';

export interface PostgresMetaStores {
  meta: PostgresMetaStore;
  exportJobs: PostgresExportJobStore;
  reportRuns: PostgresReportRunStore;
  alerts: PostgresAlertStore;
  deliveries: PostgresDeliveryStore;
  db: PgDb;
  /** The LISTEN session behind `meta.onKeysChanged`; null when opened with `listen: false`. */
  listener: PgListener | null;
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
  try {
    await migratePostgres(db);
    if (options.listen !== false) {
      const { schema: _schema, ...client } = config;
      listener = new PgListener({
        config: client, channels: [KEYS_CHANNEL], onNotify: () => meta.keysChanged(),
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
    ...stores, db, listener,
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
