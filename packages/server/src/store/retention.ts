import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { TaskSpec } from '../tasks/background-tasks.js';
import type { EventStore } from './types.js';

/** The background task deleting raw events older than METRICS_RETENTION_DAYS: a minute after start, then hourly. */
export function retentionTask(opts: {
  store: EventStore;
  clock: Clock;
  retentionDays: number;
  logger: Pick<Logger, 'info'>;
  firstDelayMs?: number;
  everyMs?: number;
}): TaskSpec {
  return {
    name: 'retention',
    description: `deletes raw events older than ${opts.retentionDays} days`,
    intervalMs: opts.everyMs ?? 3_600_000,
    firstDelayMs: opts.firstDelayMs ?? 60_000,
    run: async () => {
      const cutoff = opts.clock.now() - opts.retentionDays * 86_400_000;
      const n = await opts.store.deleteBefore(cutoff);
      if (n > 0) opts.logger.info({ deleted: n, cutoff: new Date(cutoff).toISOString() }, 'retention');
    },
  };
}
