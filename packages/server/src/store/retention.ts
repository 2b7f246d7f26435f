import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { TaskSpec } from '../tasks/background-tasks.js';
import type { EventStore } from './types.js';

/**
 * The background task deleting raw events older than METRICS_RETENTION_DAYS: a minute after start, then hourly. With
 * `archiveDir` (PULSE_ARCHIVE=true), the expired events are first written to
 * `<archiveDir>/events-before-<cutoff>.parquet`, and only events in that file are deleted.
 */
export function retentionTask(opts: {
  store: EventStore;
  clock: Clock;
  retentionDays: number;
  logger: Pick<Logger, 'info'>;
  archiveDir?: string | null;
  firstDelayMs?: number;
  everyMs?: number;
}): TaskSpec {
  return {
    name: 'retention',
    description: `deletes raw events older than ${opts.retentionDays} days${opts.archiveDir ? ', archived to Parquet first' : ''}`,
    intervalMs: opts.everyMs ?? 3_600_000,
    firstDelayMs: opts.firstDelayMs ?? 60_000,
    run: async () => {
      const cutoff = opts.clock.now() - opts.retentionDays * 86_400_000;
      let archivePath: string | undefined;
      if (opts.archiveDir) {
        await mkdir(opts.archiveDir, { recursive: true });
        archivePath = join(opts.archiveDir, `events-before-${new Date(cutoff).toISOString().replace(/[:.]/g, '-')}.parquet`);
      }
      const t0 = performance.now();
      const n = await opts.store.deleteBefore(cutoff, archivePath === undefined ? {} : { archivePath });
      const ms = Math.round(performance.now() - t0);
      if (n > 0) opts.logger.info({ deleted: n, ms, cutoff: new Date(cutoff).toISOString(), ...(archivePath && { archive: archivePath }) }, 'retention');
    },
  };
}
