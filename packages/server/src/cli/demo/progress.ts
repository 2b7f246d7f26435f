/**
 * The demo's progress display: one line redrawn in place on a terminal, plain periodic lines
 * otherwise (logs, CI, pipes).
 */
import type { SendCounters } from './batch-sender.js';

export interface ProgressState {
  phase: 'backfill' | 'live';
  /** Backfill: share done, 0–1. */
  fraction: number;
  /** Live: the target rate now (events/s), following the diurnal shape. */
  targetRate: number;
  /** Timestamp of the newest generated event. */
  simTs: number;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatSimTime(ts: number): string {
  return new Date(ts).toISOString().slice(0, 19).replace('T', ' ') + 'Z';
}

export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private lastSent = 0;
  private lastAt: number;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly counters: SendCounters,
    private readonly state: ProgressState,
  ) {
    this.lastAt = now();
  }

  start(): void {
    this.timer = setInterval(() => this.render(), this.intervalMs);
    this.timer.unref();
  }

  render(): void {
    const now = this.now();
    const c = this.counters;
    const rate = now > this.lastAt ? ((c.sent - this.lastSent) * 1000) / (now - this.lastAt) : 0;
    this.lastSent = c.sent;
    this.lastAt = now;
    const s = this.state;
    const phase = s.phase === 'backfill' ? `backfill ${Math.floor(s.fraction * 100)}%` : `live ~${formatCount(s.targetRate)}/s`;
    const line = `[${phase}] sent ${formatCount(c.sent)} · ${formatCount(rate)} ev/s · accepted ${formatCount(c.accepted)} · rejected ${formatCount(c.rejected)} · errors ${formatCount(c.errors)} · sim ${formatSimTime(s.simTs)}`;
    if (this.tty) {
      this.out.write(`\r\x1b[K${line}`);
      this.drawn = true;
    } else {
      this.out.write(line + '\n');
    }
  }

  /** Stops the timer and leaves the cursor on a fresh line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.drawn) this.out.write('\n');
  }
}
