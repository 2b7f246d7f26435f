/** Value formatting for `pulse top`. Every function shows a missing value as `—`, never as 0. */
export const NONE = '—';

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Cut (not rounded) to `decimals`: the thresholds sit on round numbers, so 1,999.6 ms must read 1.99 s
 * beside its OK, not 2.00 s. The epsilon keeps 0.29 × 100 = 28.999… at 29.
 */
function cutTo(v: number, decimals: number): string {
  const f = 10 ** decimals;
  return (Math.floor(v * f + 1e-9) / f).toFixed(decimals);
}

/** 420 ms · 1.85 s · 12.3 s */
export function formatMs(v: number | null | undefined): string {
  if (!finite(v)) return NONE;
  if (v < 1000) return `${cutTo(v, 0)} ms`;
  if (v < 10_000) return `${cutTo(v / 1000, 2)} s`;
  return `${cutTo(v / 1000, 1)} s`;
}

/** 0.5 → "50.0%"; below 10 % two decimals; a tiny non-zero rate reads "<0.01%", never 0. */
export function formatPercent(rate: number | null | undefined): string {
  if (!finite(rate)) return NONE;
  const pct = rate * 100;
  if (pct === 0) return '0%';
  if (pct < 0.01) return '<0.01%';
  return `${pct < 10 ? cutTo(pct, 2) : cutTo(pct, 1)}%`;
}

export function formatInt(v: number | null | undefined): string {
  if (!finite(v)) return NONE;
  return Math.round(v).toLocaleString('en-US');
}

/** A rate (per minute or second): two decimals below 10, one below 1,000, none above. */
export function formatRate(v: number | null | undefined): string {
  if (!finite(v)) return NONE;
  if (v >= 1000) return formatInt(v);
  return v.toFixed(v < 10 ? 2 : 1);
}

export function formatCost(v: number | null | undefined): string {
  if (!finite(v)) return NONE;
  return `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
}

/** −1…1 with a sign: +0.30, -0.10. */
export function formatSentiment(v: number | null | undefined): string {
  if (!finite(v)) return NONE;
  const s = v.toFixed(2);
  return v >= 0 && !s.startsWith('-') ? `+${s}` : s;
}

/** Local wall-clock time of an epoch-ms instant, HH:MM:SS. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Whole seconds of an age in ms, for "3 s ago". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`;
}
