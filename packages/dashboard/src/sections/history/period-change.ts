/**
 * A figure of this period against the previous period of equal length: a relative change for amounts
 * (events, tokens, cost, latency), a difference in percentage points for rates (2 % → 3 % is "+1.0 pt",
 * not "+50 %"). Nothing to compare with — no figure in either period, or an amount that was 0 — is said
 * in words, never as an invented percentage.
 */
export interface Change {
  /** The relative change (0.123 = +12.3 %) or the difference in points (0.004 = +0.4 pt); null when there is none. */
  value: number | null;
  /** `▲ 12.3%`, `▼ 0.4 pt`, `no change`, `new`, `—`. */
  text: string;
}

const arrow = (v: number): string => (v > 0 ? '▲' : '▼');

export function relativeChange(current: number | null, previous: number | null): Change {
  if (current === null || previous === null) return { value: null, text: '—' };
  if (previous === 0) return current === 0 ? { value: 0, text: 'no change' } : { value: null, text: 'new' };
  const value = (current - previous) / previous;
  const pct = Math.abs(value * 100);
  if (pct < 0.05) return { value, text: 'no change' };
  return { value, text: `${arrow(value)} ${pct < 9.95 ? pct.toFixed(1) : Math.round(pct).toLocaleString('en-US')}%` };
}

/** Rates on a 0…1 scale; the difference in percentage points. */
export function pointChange(current: number | null, previous: number | null): Change {
  if (current === null || previous === null) return { value: null, text: '—' };
  const value = current - previous;
  const pts = Math.abs(value * 100);
  if (pts < 0.005) return { value, text: 'no change' };
  return { value, text: `${arrow(value)} ${pts < 0.995 ? pts.toFixed(2) : pts.toFixed(1)} pt` };
}
