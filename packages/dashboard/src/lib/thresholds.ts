/**
 * Seed 001's good / warning / critical bands ("Metrics interpretation"). A value on a boundary is the
 * milder band (2 s average is a warning, 5 s still a warning, above 5 s critical) — except the error
 * rate, which follows the server's bot_status (unhealthy from 25 % on).
 */
export type Level = 'good' | 'warn' | 'crit' | 'none';

/** `[warn from, critical above]`; with `'crit-from'`, critical already at the second bound (≥). */
export type Band = readonly [warnFrom: number, crit: number, mode?: 'crit-from'];

export const BANDS = {
  avgResponseMs: [2000, 5000],
  p95ResponseMs: [3000, 8000],
  p99ResponseMs: [5000, 15000],
  ttftMs: [1000, 3000],
  /** Not in seed 001's table: the server's own bot_status rule (degraded ≥ 5 %, unhealthy ≥ 25 %; live/messages.ts). */
  errorRate: [0.05, 0.25, 'crit-from'],
} as const satisfies Record<string, Band>;

export function levelOf(value: number | null | undefined, band: Band): Level {
  if (value == null) return 'none';
  if (value < band[0]) return 'good';
  if (band[2] === 'crit-from' ? value < band[1] : value <= band[1]) return 'warn';
  return 'crit';
}

export const LEVEL_TEXT: Record<Level, string> = { good: 'good', warn: 'warning', crit: 'critical', none: 'no data' };
