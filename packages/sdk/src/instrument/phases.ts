import type { EventInput } from '@pulse/protocol';
import { LIMITS, PHASE_NAME_PATTERN } from '@pulse/protocol';
import type { EventSink } from './types.js';

/**
 * Seed 001's response-time breakdown: `start(name)` begins a phase (ending the running one), `end()`
 * ends it, `send(fields)` ships one event (default type `message`) with `phases` (name → ms, summed
 * when a phase runs twice) and `duration_ms` (since the timer was created, unless given).
 */
export class PhaseTimer {
  private readonly created = performance.now();
  private readonly totals: Record<string, number> = {};
  private current: { name: string; at: number } | undefined;
  private sent = false;

  constructor(private readonly sink: EventSink) {}

  start(name: string): this {
    this.end();
    if (PHASE_NAME_PATTERN.test(name) && (name in this.totals || Object.keys(this.totals).length < LIMITS.maxPhases)) {
      this.current = { name, at: performance.now() };
    }
    return this;
  }

  end(): this {
    if (this.current) {
      const { name, at } = this.current;
      this.totals[name] = (this.totals[name] ?? 0) + (performance.now() - at);
      this.current = undefined;
    }
    return this;
  }

  /** Times `fn` as phase `name`, ending it even when `fn` throws. */
  async measure<R>(name: string, fn: () => R | Promise<R>): Promise<R> {
    this.start(name);
    try {
      return await fn();
    } finally {
      this.end();
    }
  }

  /** The phases so far, in milliseconds. */
  get phases(): Record<string, number> {
    return { ...this.totals };
  }

  /** Ships the event once (later calls do nothing) and returns the phases sent. */
  send(fields: Partial<EventInput> = {}): Record<string, number> {
    this.end();
    const phases = this.phases;
    if (this.sent) return phases;
    this.sent = true;
    const rounded: Record<string, number> = {};
    for (const [k, v] of Object.entries(phases)) rounded[k] = Math.round(v * 1000) / 1000;
    this.sink.ship({
      ...fields,
      type: fields.type ?? 'message',
      duration_ms: fields.duration_ms ?? performance.now() - this.created,
      phases: { ...rounded, ...fields.phases },
    });
    return phases;
  }
}
