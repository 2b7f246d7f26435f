/**
 * Seed 001's browser settings ("Optimize Dashboard Settings"): `localStorage.setItem('refreshInterval', '5000')` makes
 * the panels refresh at most that often (milliseconds) as events arrive — never more often than the dashboard's own
 * gap for the range. Values outside 1 s … 1 h, or not a whole number, are ignored.
 */
export function userRefreshGapMs(raw: string | null): number {
  if (raw === null || !/^\d+$/.test(raw.trim())) return 0;
  const ms = Number(raw.trim());
  return ms >= 1000 && ms <= 3_600_000 ? ms : 0;
}
