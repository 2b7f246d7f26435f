import type { Logger } from 'pino';
import type { TaskSpec } from '../../tasks/background-tasks.js';
import type { UserRollupRun, UserRollups } from './maintain.js';

/** How often the task looks at what waits past the watermark (queries read those events raw meanwhile). */
export const USER_ROLLUP_INTERVAL_MS = 30_000;

/**
 * A run writes once this many events wait, or once USER_ROLLUP_MAX_WAIT_MS has passed since the last write. Every
 * write appends a row per key (day, user, session, persona, type) active since the last one, and appending a row
 * costs DuckDB about what appending an event does: the more events a write covers, the more of them share each row
 * (benchmarks/user-rollups-cost.ts). Under heavy ingest every run writes; under light ingest the events read raw
 * meanwhile are few.
 */
export const USER_ROLLUP_MIN_EVENTS = 100_000;
export const USER_ROLLUP_MAX_WAIT_MS = 120_000;

export interface UserRollupTaskOptions {
  userRollups: Pick<UserRollups, 'catchUp' | 'pending' | 'rolledUpTo' | 'wholeHours'>;
  logger: Pick<Logger, 'info'>;
  everyMs?: number;
  minEvents?: number;
  maxWaitMs?: number;
  now?: () => number;
}

/**
 * The background task keeping the user rollups current: every 30 s, when enough events wait or the last write is old
 * enough, the events committed since, in slices, merging a day's delta rows once they have piled up.
 */
export function userRollupTask(opts: UserRollupTaskOptions): TaskSpec {
  const now = opts.now ?? Date.now;
  const minEvents = opts.minEvents ?? USER_ROLLUP_MIN_EVENTS;
  const maxWaitMs = opts.maxWaitMs ?? USER_ROLLUP_MAX_WAIT_MS;
  let last: UserRollupRun | null = null;
  let total = 0;
  let skipped = 0;
  let wroteAt = now();
  return {
    name: 'user-rollups',
    description: 'rolls committed events up into per-user day rows and first-seen times (user analytics)',
    intervalMs: opts.everyMs ?? USER_ROLLUP_INTERVAL_MS,
    firstDelayMs: 1_000,
    run: async () => {
      const pending = opts.userRollups.pending();
      if (pending === 0 || (pending < minEvents && now() - wroteAt < maxWaitMs)) {
        skipped++;
        return;
      }
      const t0 = performance.now();
      last = await opts.userRollups.catchUp();
      wroteAt = now();
      total += last.events;
      if (last.events >= 1_000_000 || last.compacted > 0) opts.logger.info({ ...last, ms: Math.round(performance.now() - t0) }, 'user rollups');
    },
    detail: () => ({
      watermark: opts.userRollups.rolledUpTo(), behind: opts.userRollups.pending(), last_run_events: last?.events ?? null, slices: last?.slices ?? null,
      compacted: last?.compacted ?? null, events_rolled_up: total, runs_waiting: skipped, whole_hour_cache: opts.userRollups.wholeHours.stats(),
    }),
  };
}
