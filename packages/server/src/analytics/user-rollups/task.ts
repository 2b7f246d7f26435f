import type { Logger } from 'pino';
import type { TaskSpec } from '../../tasks/background-tasks.js';
import type { UserRollupRun, UserRollups } from './maintain.js';

/** As the hour/day rollups (rollups/task.ts): queries read raw events past the watermark meanwhile. */
export const USER_ROLLUP_INTERVAL_MS = 30_000;

/** The background task keeping the user rollups current: every 30 s, the events committed since, in slices. */
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
      if (last.events >= 1_000_000) opts.logger.info({ ...last, ms: Math.round(performance.now() - t0) }, 'user rollups');
    },
    detail: () => (last === null ? null : { last_run_events: last.events, watermark: last.watermark, slices: last.slices, events_rolled_up: total }),
  };
}
