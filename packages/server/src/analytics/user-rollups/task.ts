import type { Logger } from 'pino';
import type { TaskSpec } from '../../tasks/background-tasks.js';
import type { UserRollupRun, UserRollups } from './maintain.js';

/**
 * Queries read raw events past the watermark meanwhile. Every write appends a row per key active since the last one,
 * and appending a row costs DuckDB about what appending an event does: the longer the interval, the more events share
 * each row. Under heavy ingest a write starts sooner, once a million events are held (maintain.ts).
 */
export const USER_ROLLUP_INTERVAL_MS = 60_000;

/**
 * The background task keeping the user rollups current: every minute, the rows aggregated in memory since the last run
 * (a backlog from the table first, in slices), merging a day's delta rows once they have piled up.
 */
export function userRollupTask(opts: { userRollups: UserRollups; logger: Pick<Logger, 'info'>; everyMs?: number }): TaskSpec {
  let last: UserRollupRun | null = null;
  let total = 0;
  return {
    name: 'user-rollups',
    description: 'rolls committed events up into per-user day rows and first-seen times (user analytics)',
    intervalMs: opts.everyMs ?? USER_ROLLUP_INTERVAL_MS,
    firstDelayMs: 1_000,
    run: async () => {
      const t0 = performance.now();
      last = await opts.userRollups.catchUp();
      total += last.events;
      if (last.events >= 1_000_000 || last.compacted > 0) opts.logger.info({ ...last, ms: Math.round(performance.now() - t0) }, 'user rollups');
    },
    detail: () => (last === null ? null : {
      last_run_events: last.events, watermark: last.watermark, slices: last.slices, compacted: last.compacted, events_rolled_up: total,
    }),
  };
}
