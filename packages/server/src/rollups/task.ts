import type { Logger } from 'pino';
import type { TaskSpec } from '../tasks/background-tasks.js';
import type { RollupRun, Rollups } from '../store/types.js';

/** How often committed events are rolled up; queries read the events after the watermark raw meanwhile. */
export const ROLLUP_INTERVAL_MS = 5_000;

/**
 * The background task keeping the rollups current: every 5 s, everything committed since the last run (in slices of
 * 500k events, so catching up on a large store never holds much memory), then merging delta rows when enough wait.
 */
export function rollupTask(opts: { rollups: Rollups; logger: Pick<Logger, 'info'>; everyMs?: number }): TaskSpec {
  let last: RollupRun | null = null;
  let total = 0;
  return {
    name: 'rollups',
    description: 'rolls committed events up into minute, hourly and daily rows (and latency sketches)',
    intervalMs: opts.everyMs ?? ROLLUP_INTERVAL_MS,
    firstDelayMs: 1_000,
    run: async () => {
      const t0 = performance.now();
      last = await opts.rollups.catchUp();
      total += last.events;
      if (last.events >= 100_000 || last.compacted > 0) {
        opts.logger.info({ ...last, ms: Math.round(performance.now() - t0) }, 'rollups');
      }
    },
    detail: () => (last === null ? null : { last_run_events: last.events, watermark: last.watermark, compacted: last.compacted, events_rolled_up: total }),
  };
}
