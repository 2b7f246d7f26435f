import type { PostgresMetaStores } from '../store/postgres/index.js';
import { CHANGES_CHANNEL, LIVE_CHANNEL } from '../store/postgres/index.js';
import { PgChanges } from './pg-changes.js';
import { PgLeaderElection, type PgLeaderOptions } from './pg-leader.js';
import { PgLiveFeed } from './pg-live-feed.js';
import type { Cluster } from './types.js';

export interface PgClusterOptions {
  postgres: PostgresMetaStores;
  instance: string;
  onError?: (err: Error, what: string) => void;
  onLog?: (message: string, fields: Record<string, unknown>) => void;
  /** Election timings (tests shorten them). */
  election?: Pick<PgLeaderOptions, 'retryMs' | 'leaseMs' | 'idleTimeoutMs'>;
  maxQueuedLiveEvents?: number;
}

/**
 * Several instances on one PostgreSQL: the leader elected by advisory lock (pg-leader.ts), changes announced by the
 * tables' triggers (pg-changes.ts) and committed events shared by NOTIFY (pg-live-feed.ts), both heard on the meta
 * stores' LISTEN session. Opens one more connection (the election's).
 */
export function pgCluster(options: PgClusterOptions): Cluster {
  const { postgres, instance } = options;
  const { schema, ...config } = postgres.clientConfig;
  const leadership = new PgLeaderElection({
    config, schema, instance, ...options.election,
    ...(options.onError ? { onError: options.onError } : {}), ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  const changes = new PgChanges(instance);
  const liveFeed = new PgLiveFeed({
    instance, channel: LIVE_CHANNEL,
    notify: (channel, messages) => postgres.db.rows('SELECT pg_notify($1, m) FROM unnest($2::text[]) AS m', [channel, messages]),
    ...(options.maxQueuedLiveEvents !== undefined ? { maxQueuedEvents: options.maxQueuedLiveEvents } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const offChanges = postgres.onNotification(CHANGES_CHANNEL, (p) => changes.hear(p));
  const offLive = postgres.onNotification(LIVE_CHANNEL, (p) => liveFeed.hear(p));
  let closing: Promise<void> | null = null;
  return {
    mode: 'postgres', instance, leadership, changes, liveFeed,
    close() {
      closing ??= (async () => {
        offChanges();
        offLive();
        changes.close();
        await Promise.all([leadership.close(), liveFeed.close()]);
      })();
      return closing;
    },
  };
}
