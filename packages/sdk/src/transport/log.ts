import pino from 'pino';
import type { SdkLogger } from './types.js';

let fallback: SdkLogger | undefined;

/** Warnings to stderr, so the SDK never writes into the host's stdout log stream uninvited. */
export function defaultLogger(): SdkLogger {
  fallback ??= pino({ name: 'pulse-sdk', level: 'warn' }, pino.destination(2));
  return fallback;
}

export const silentLogger: SdkLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * Logs the first occurrence of a reason and then at most one line per interval with the count since,
 * so a dead server or a bad event in a hot loop cannot flood the host's log.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: SdkLogger,
    private readonly intervalMs = 10_000,
    /** Monotonic by default: a wall-clock step neither floods nor silences the log. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  warn(reason: string, fields: object, msg: string): void {
    const t = this.now();
    const seen = this.last.get(reason);
    // A clock that stepped back (t < seen.at) counts as the interval passed: else the reason stays silent until it catches up.
    if (seen && t >= seen.at && t - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(reason, { at: t, suppressed: 0 });
    this.logger.warn({ reason, ...fields, ...(suppressed ? { suppressed } : {}) }, msg);
  }
}
