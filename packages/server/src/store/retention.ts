import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EventStore } from './types.js';

/** Deletes raw events older than METRICS_RETENTION_DAYS, a minute after start and then hourly. */
export function scheduleRetention(opts: {
  store: EventStore;
  clock: Clock;
  retentionDays: number;
  logger: Pick<Logger, 'info' | 'error'>;
  firstDelayMs?: number;
  everyMs?: number;
}): () => void {
  const run = async (): Promise<void> => {
    try {
      const cutoff = opts.clock.now() - opts.retentionDays * 86_400_000;
      const n = await opts.store.deleteBefore(cutoff);
      if (n > 0) opts.logger.info({ deleted: n, cutoff: new Date(cutoff).toISOString() }, 'retention');
    } catch (err) {
      opts.logger.error({ err }, 'retention failed');
    }
  };
  const first = setTimeout(() => void run(), opts.firstDelayMs ?? 60_000);
  const every = setInterval(() => void run(), opts.everyMs ?? 3_600_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
