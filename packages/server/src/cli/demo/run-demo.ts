/**
 * `pulse demo`: backfill recent history fast, then stream live traffic with the diurnal shape —
 * all through the public HTTP API, as any client would.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { EventInput } from '@pulse/protocol';
import { systemClock } from '../../clock.js';
import type { Clock } from '../../clock.js';
import { createWorld, eventTimes, intensity, MEAN_INTENSITY, nextEventAt } from '../../synthetic/index.js';
import { BatchSender, sleep } from './batch-sender.js';
import { formatCount, Progress } from './progress.js';
import type { ProgressState } from './progress.js';

export interface DemoOptions {
  url: string;
  key?: string;
  project?: string;
  /** Live traffic, events/s averaged over a week; the instantaneous rate follows the diurnal curve. */
  rate: number;
  /** Length of the live phase in seconds; 0 = until aborted. */
  durationS: number;
  /** Hours of history sent first (0 = none). */
  backfillHours: number;
  /** Events in the backfill; default: the live rate's volume over those hours, at most 300,000. */
  backfillEvents?: number;
  seed: number;
  users?: number;
  /** Events per request (default 5,000; the API takes up to 10,000 and 5 MB). */
  batchSize?: number;
  /** Requests in flight (default 2). */
  concurrency?: number;
  /** Attempts per batch on 429, 503 and network errors (default 8). */
  maxAttempts?: number;
  /** Progress redraw period (default 250 ms on a terminal, 5 s otherwise). */
  progressIntervalMs?: number;
  /** Draw progress in place (default: whether `out` is a TTY). */
  tty?: boolean;
  /** Where "local time" is for the diurnal shape, minutes east of UTC (default: this machine's zone). */
  utcOffsetMinutes?: number;
  clock?: Clock;
}

export interface DemoSummary {
  stoppedBy: 'duration' | 'signal' | 'error';
  /** Why the run stopped early, when stoppedBy is 'error'. */
  error: string | null;
  sent: number;
  accepted: number;
  rejected: number;
  /** Requests that failed for good (after retries); their events are counted in `lost`. */
  errors: number;
  lost: number;
  retries: number;
  requests: number;
  backfilled: number;
  live: number;
  elapsedMs: number;
  firstRejection: string | null;
  lastError: string | null;
}

// A few seconds of sending on a laptop: enough history for every chart, quick enough for a first look.
export const BACKFILL_CAP = 300_000;
const TICK_MS = 100;
const LIVE_FLUSH_MS = 1_000;

export async function runDemo(opts: DemoOptions, out: NodeJS.WritableStream, signal?: AbortSignal): Promise<DemoSummary> {
  const clock = opts.clock ?? systemClock;
  const offset = opts.utcOffsetMinutes ?? -new Date().getTimezoneOffset();
  const batchSize = Math.min(10_000, Math.max(1, opts.batchSize ?? 5_000));
  const world = createWorld({ seed: opts.seed, users: opts.users, project: opts.project, utcOffsetMinutes: offset });
  const sender = new BatchSender({ url: opts.url, key: opts.key, project: opts.project, concurrency: opts.concurrency, maxAttempts: opts.maxAttempts, signal });
  const started = clock.now();
  const hours = Math.max(0, opts.backfillHours);
  const backfillCount = Math.max(0, Math.floor(opts.backfillEvents ?? Math.min(BACKFILL_CAP, Math.max(opts.rate, 1) * hours * 3600)));
  const state: ProgressState = { phase: 'backfill', fraction: 0, targetRate: opts.rate, simTs: started - hours * 3_600_000 };
  const tty = opts.tty ?? (out as { isTTY?: boolean }).isTTY === true;
  const progress = new Progress(out, tty, opts.progressIntervalMs ?? (tty ? 250 : 5_000), () => clock.now(), sender.counters, state);
  const stopped = (): boolean => signal?.aborted === true || sender.fatal !== null;

  out.write(`pulse demo → ${opts.url}${opts.project ? ` (project ${opts.project})` : ''}: ` +
    `${hours > 0 && backfillCount > 0 ? `${formatCount(backfillCount)} events of history over the last ${hours} h, then ` : ''}` +
    `live traffic at ~${formatCount(opts.rate)} events/s ${opts.durationS > 0 ? `for ${opts.durationS} s` : 'until Ctrl-C'} (seed ${opts.seed})\n` +
    `  watch it live: ${dashboardUrl(opts)}\n`);
  progress.start();

  let backfilled = 0;
  if (backfillCount > 0 && hours > 0) {
    let batch: EventInput[] = [];
    for (const ts of eventTimes(started - hours * 3_600_000, started, backfillCount, world.rng, offset)) {
      batch.push(nextEventAt(world, ts));
      if (batch.length >= batchSize) {
        if (await sender.submit(batch)) backfilled += batch.length;
        state.simTs = ts;
        state.fraction = backfilled / backfillCount;
        batch = [];
        await yieldToLoop();
        if (stopped()) break;
      }
    }
    if (!stopped() && batch.length > 0 && (await sender.submit(batch))) {
      backfilled += batch.length;
      state.fraction = 1;
    }
  }

  let live = 0;
  let stoppedBy: DemoSummary['stoppedBy'] = 'duration';
  if (!stopped()) {
    state.phase = 'live';
    const liveEnd = opts.durationS > 0 ? clock.now() + opts.durationS * 1000 : Number.POSITIVE_INFINITY;
    let last = clock.now();
    let lastFlush = last;
    let carry = 0;
    let batch: EventInput[] = [];
    while (!stopped()) {
      await sleep(TICK_MS, signal);
      const now = Math.min(clock.now(), liveEnd);
      const dt = now - last;
      const rateNow = (opts.rate * intensity(now, offset)) / MEAN_INTENSITY;
      state.targetRate = rateNow;
      state.simTs = now;
      if (dt > 0) {
        carry += (rateNow * dt) / 1000;
        const n = Math.floor(carry);
        carry -= n;
        // Spread the tick's events over the tick, never later than now.
        for (let k = 1; k <= n; k++) {
          batch.push(nextEventAt(world, Math.floor(last + (dt * k) / n)));
          if (batch.length >= batchSize) {
            if (await sender.submit(batch)) live += batch.length;
            batch = [];
            lastFlush = now;
          }
        }
        last = now;
      }
      const done = now >= liveEnd;
      if (batch.length > 0 && (done || now - lastFlush >= LIVE_FLUSH_MS || signal?.aborted)) {
        if (await sender.submit(batch)) live += batch.length;
        batch = [];
        lastFlush = now;
      }
      if (done) break;
    }
  }
  if (signal?.aborted) stoppedBy = 'signal';
  await sender.drain();
  if (sender.fatal) stoppedBy = 'error';
  progress.render();
  progress.stop();

  const c = sender.counters;
  const summary: DemoSummary = {
    stoppedBy, error: sender.fatal?.message ?? null, sent: c.sent, accepted: c.accepted, rejected: c.rejected,
    errors: c.errors, lost: c.lost, retries: c.retries, requests: c.requests, backfilled, live,
    elapsedMs: clock.now() - started, firstRejection: c.firstRejection, lastError: c.lastError,
  };
  out.write(formatSummary(summary, opts));
  return summary;
}

/** The dashboard for the demo's project (the key is not put in the URL: the page asks for it once). */
export function dashboardUrl(opts: Pick<DemoOptions, 'url' | 'project'>): string {
  const base = `${opts.url.replace(/\/+$/, '')}/`;
  return opts.project ? `${base}?project=${encodeURIComponent(opts.project)}` : base;
}

export function formatSummary(s: DemoSummary, opts: Pick<DemoOptions, 'url' | 'backfillHours' | 'project'>): string {
  const secs = s.elapsedMs / 1000;
  const how = s.stoppedBy === 'signal' ? 'stopped' : s.stoppedBy === 'error' ? 'failed' : 'done';
  const lines = [
    `pulse demo ${how} after ${secs.toFixed(1)} s: ${formatCount(s.sent)} events sent (${formatCount(secs > 0 ? s.sent / secs : 0)}/s) in ${formatCount(s.requests)} requests, ${formatCount(s.retries)} retried`,
    `  accepted ${formatCount(s.accepted)} · rejected ${formatCount(s.rejected)} · errors ${formatCount(s.errors)} (${formatCount(s.lost)} events lost)`,
    `  history ${formatCount(s.backfilled)} events over the last ${opts.backfillHours} h · live ${formatCount(s.live)} events`,
  ];
  if (s.firstRejection) lines.push(`  first rejection: ${s.firstRejection}`);
  if (s.error) lines.push(`  error: ${s.error}`);
  else if (s.lastError) lines.push(`  last error: ${s.lastError}`);
  if (s.accepted > 0) lines.push(`  see it: open ${dashboardUrl(opts)} (or curl -s '${opts.url.replace(/\/+$/, '')}/api/metrics')`);
  return lines.join('\n') + '\n';
}
