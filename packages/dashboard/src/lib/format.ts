/** Number and time formatting. A fixed locale keeps the figures identical on every machine (and in tests). */

const LOCALE = 'en-US';
const intFmt = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const dec2 = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const DASH = '—';

type Num = number | null | undefined;

export function fmtInt(n: Num): string {
  return n == null ? DASH : intFmt.format(n);
}

/**
 * A count in a stat tile: exact below ten million (`9,999,999`), then compact with three significant
 * decimals (`150.27M`, `1.2B`) so it fits the tile; the tile's tooltip keeps the exact figure.
 */
export function fmtCount(n: Num): string {
  if (n == null) return DASH;
  if (Math.abs(n) < 1e7) return intFmt.format(n);
  const [div, unit] = Math.abs(n) >= 1e9 ? [1e9, 'B'] : [1e6, 'M'];
  return `${dec2.format(n / div)}${unit}`;
}

/** Up to one decimal: `12.5`, `3`. */
export function fmtDec(n: Num): string {
  return n == null ? DASH : dec1.format(n);
}

const sig4 = new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 4 });

/**
 * A measured value in its own units, at its precision: four significant digits below 1,000 (`0.07143`,
 * `0.003`, `649.6`), one decimal above (`3,403.4`). For raw values whose scale is unknown (an alert rule's
 * `error_rate` is 0…1, its `cost_usd` may be $0.003): one fixed decimal would show them as `0.1` and `0`.
 */
export function fmtSig(n: Num): string {
  if (n == null) return DASH;
  return Math.abs(n) >= 1000 ? dec1.format(n) : sig4.format(n);
}

const sig2 = new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: 2 });

/**
 * A rate (messages a minute): one decimal from 1 up (`12.5`), two significant digits below (`0.35`,
 * `0.00069`), so a quiet range — one message a day is 0.00069 a minute — never reads as 0.
 */
export function fmtRate(n: Num): string {
  if (n == null) return DASH;
  return Math.abs(n) >= 1 ? dec1.format(n) : sig2.format(n);
}

/** Milliseconds as `850 ms` below a second, `1.85 s` above. */
export function fmtMs(ms: Num): string {
  if (ms == null) return DASH;
  if (Math.abs(ms) < 1000) return `${intFmt.format(Math.round(ms))} ms`;
  return `${dec2.format(ms / 1000)} s`;
}

/** A 0…1 rate as a percentage: one decimal, two below 1 %. */
export function fmtPct(rate: Num): string {
  if (rate == null) return DASH;
  const pct = rate * 100;
  if (pct !== 0 && Math.abs(pct) < 1) return `${pct.toFixed(2)}%`;
  return `${pct.toFixed(1)}%`;
}

/** An already-percent figure (0…100), e.g. the API's `usage_percentage`. */
export function fmtPercentValue(pct: Num): string {
  return pct == null ? DASH : `${dec1.format(pct)}%`;
}

/** USD: cents from $1 up, four significant digits below (LLM calls cost fractions of a cent). */
export function fmtUsd(n: Num): string {
  if (n == null) return DASH;
  if (n === 0) return '$0.00';
  // The sign before the currency symbol: -$0.3055, not $-0.3055.
  if (n < 0) return `-${fmtUsd(-n)}`;
  if (n >= 1) return `$${dec2.format(n)}`;
  return `$${Number(n.toPrecision(4))}`;
}

/**
 * USD in a stat tile: cents below $10,000 (`$1,234.50`, `$0.1417`), whole dollars up to ten million
 * (`$1,000,000`), then compact (`$150.27M`) — what fits the tile, like fmtCount; the tooltip keeps the exact sum.
 */
export function fmtUsdTile(n: Num): string {
  if (n == null) return DASH;
  if (Math.abs(n) < 1e4) return fmtUsd(n);
  return n < 0 ? `-$${fmtCount(-n)}` : `$${fmtCount(n)}`;
}

/** Compact axis labels: 950, 1.2k, 3.4M; below 1 two significant digits, so the ticks 0.25 and 0.75 are not 0.3 and 0.8. */
export function fmtCompact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${dec1.format(n / 1e9)}B`;
  if (a >= 1e6) return `${dec1.format(n / 1e6)}M`;
  if (a >= 1e3) return `${dec1.format(n / 1e3)}k`;
  return a < 1 ? sig2.format(n) : dec1.format(n);
}

export function fmtSentiment(s: Num): string {
  if (s == null) return DASH;
  return `${s > 0 ? '+' : ''}${s.toFixed(2)}`;
}

export function fmtBytes(n: Num): string {
  if (n == null) return DASH;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${dec1.format(v)} ${units[i]}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock `HH:MM:SS`. */
export function fmtClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local `YYYY-MM-DD HH:MM`. */
export function fmtDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `3 h 20 min`, `45 s`: for the length of a range. */
export function fmtSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 72) return `${h} h`;
  return `${dec1.format(h / 24)} days`;
}
