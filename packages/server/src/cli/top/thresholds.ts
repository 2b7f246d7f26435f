/**
 * Seed 001's "Key Indicators" table (docs: Metrics Interpretation → Response Time Metrics), as bands.
 * A value below `warnFrom` is OK, from `warnFrom` up to and including `critAbove` is WARN, above is CRIT:
 * the seed writes "<2s | 2-5s | >5s", so 2 s and 5 s themselves are WARN.
 */
export type Level = 'ok' | 'warn' | 'crit';

export interface Band {
  warnFrom: number;
  critAbove: number;
}

/** Milliseconds, as the frame carries them. */
export const BANDS = {
  avgResponse: { warnFrom: 2_000, critAbove: 5_000 },
  p95Response: { warnFrom: 3_000, critAbove: 8_000 },
  p99Response: { warnFrom: 5_000, critAbove: 15_000 },
  /** The seed's "Time to First Token" row; p95 TTFT uses it too (the seed has no separate row). */
  ttft: { warnFrom: 1_000, critAbove: 3_000 },
} as const satisfies Record<string, Band>;

/**
 * Error rate, 0…1. Not in the seed's table: these are the server's own `bot_status` bounds
 * (degraded from 5 % — seed 001's ALERT_ERROR_RATE_PERCENT example — unhealthy from 25 %), so the
 * colour of a rate and the status word beside it agree.
 */
export const ERROR_RATE = { warnFrom: 0.05, critFrom: 0.25 } as const;

/** null when there is no value: nothing to judge, nothing to colour. */
export function levelOf(value: number | null, band: Band): Level | null {
  if (value === null || !Number.isFinite(value)) return null;
  if (value < band.warnFrom) return 'ok';
  if (value <= band.critAbove) return 'warn';
  return 'crit';
}

export function errorRateLevel(rate: number | null): Level | null {
  if (rate === null || !Number.isFinite(rate)) return null;
  if (rate < ERROR_RATE.warnFrom) return 'ok';
  if (rate < ERROR_RATE.critFrom) return 'warn';
  return 'crit';
}

export function statusLevel(status: string): Level | null {
  if (status === 'healthy') return 'ok';
  if (status === 'degraded') return 'warn';
  if (status === 'unhealthy') return 'crit';
  return null;
}

/** The word every judged value carries, so the view reads the same without colour. */
export const LEVEL_WORD: Record<Level, string> = { ok: 'OK', warn: 'WARN', crit: 'CRIT' };
