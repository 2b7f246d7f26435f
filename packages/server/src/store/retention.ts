import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { TaskSpec } from '../tasks/background-tasks.js';
import type { EventStore } from './types.js';
import type { UserRollups } from '../analytics/user-rollups/maintain.js';
import type { IdempotencyClaims } from '../ingest/idempotency-claims.js';
import { bucketStart } from '../query/time.js';

const DAY_MS = 86_400_000;

/**
 * The background task deleting raw events older than METRICS_RETENTION_DAYS: a minute after start, then hourly. With
 * `archiveDir` (PULSE_ARCHIVE=true), the expired events are first written to
 * `<archiveDir>/events-before-<cutoff>.parquet`, and only events in that file are deleted.
 */
export function retentionTask(opts: {
  store: EventStore;
  clock: Clock;
  retentionDays: number;
  /** Hourly rollups' retention (PULSE_ROLLUP_RETENTION_DAYS); minute rollups follow the raw events'. */
  rollupRetentionDays?: number;
  /** Daily rollups' retention (PULSE_DAILY_RETENTION_DAYS); the user rollups' too. */
  dailyRetentionDays?: number;
  /** The user rollups (analytics/user-rollups/): caught up before events are deleted; day tables expired with the daily rollups, hour tables with the hourly. */
  userRollups?: Pick<UserRollups, 'catchUp' | 'deleteBefore'> | null;
  /** Claims on idempotency keys left by instances that died (ingest/idempotency-claims.ts): deleted on each run. */
  idempotencyClaims?: Pick<IdempotencyClaims, 'deleteExpired'> | null;
  logger: Pick<Logger, 'info'>;
  archiveDir?: string | null;
  firstDelayMs?: number;
  everyMs?: number;
}): TaskSpec {
  return {
    name: 'retention',
    description: `deletes raw events older than ${opts.retentionDays} days${opts.archiveDir ? ', archived to Parquet first' : ''}` +
      (opts.store.rollups ? `, hourly rollups after ${opts.rollupRetentionDays ?? 400} days, daily after ${opts.dailyRetentionDays ?? 1095}` : ''),
    intervalMs: opts.everyMs ?? 3_600_000,
    firstDelayMs: opts.firstDelayMs ?? 60_000,
    run: async () => {
      const now = opts.clock.now();
      const cutoff = now - opts.retentionDays * DAY_MS;
      let archivePath: string | undefined;
      if (opts.archiveDir) {
        await mkdir(opts.archiveDir, { recursive: true });
        archivePath = join(opts.archiveDir, `events-before-${new Date(cutoff).toISOString().replace(/[:.]/g, '-')}.parquet`);
      }
      const t0 = performance.now();
      // Events are rolled up per user before they go: a catch-up first, and nothing past its watermark is deleted.
      const maxSeq = opts.userRollups ? (await opts.userRollups.catchUp()).watermark : undefined;
      const n = await opts.store.deleteBefore(cutoff, { ...(archivePath === undefined ? {} : { archivePath }), ...(maxSeq === undefined ? {} : { maxSeq }) });
      const ms = Math.round(performance.now() - t0);
      if (n > 0) opts.logger.info({ deleted: n, ms, cutoff: new Date(cutoff).toISOString(), ...(archivePath && { archive: archivePath }) }, 'retention');
      // A rollup bucket the cutoff falls in is kept whole: it goes once it has ended before the cutoff. (Deleting
      // `bucket < cutoff` dropped up to a day still inside the daily retention, which the user rollups keep.)
      const rollupRows = await opts.store.rollups?.deleteBefore({
        minute: bucketStart(cutoff, 'minute'),
        hour: bucketStart(now - (opts.rollupRetentionDays ?? 400) * DAY_MS, 'hour'),
        day: bucketStart(now - (opts.dailyRetentionDays ?? 1095) * DAY_MS, 'day'),
      });
      if (rollupRows) opts.logger.info({ deleted: rollupRows }, 'rollup retention');
      const userRows = await opts.userRollups?.deleteBefore(now - (opts.dailyRetentionDays ?? 1095) * DAY_MS, now - (opts.rollupRetentionDays ?? 400) * DAY_MS);
      if (userRows) opts.logger.info({ deleted: userRows }, 'user rollup retention');
      const claims = await opts.idempotencyClaims?.deleteExpired();
      if (claims) opts.logger.info({ deleted: claims }, 'expired idempotency claims');
    },
  };
}
