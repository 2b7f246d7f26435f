/**
 * RFC 3339 date-times (`2024-05-01T12:34:56.789Z`, `…+02:00`). The pattern is the rule and lives in the
 * JSON Schema; `parseRfc3339` only converts a string that already matched it. Date.parse would do the
 * conversion too, but it costs ~130 ns (an eighth of the whole per-event budget) and silently rolls
 * 2024-02-30 over into March, so the fixed-position fields are read directly here.
 */

/** Date, `T` (or `t`, or a space as RFC 3339 §5.6 allows), time, optional fraction, `Z` or ±HH:MM. */
export const RFC3339_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:[Zz]|[+-]\\d{2}:\\d{2})$';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * Epoch milliseconds (fraction truncated to the millisecond) of a string matching RFC3339_PATTERN,
 * or NaN when a field is out of range (month 13, 30 February, hour 24, offset +25:00). A leap second
 * (`:60`) counts as the first second of the next minute, as POSIX time does.
 */
export function parseRfc3339(s: string): number {
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return NaN;
  const dim = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
  if (day > dim) return NaN;

  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    let scale = 100;
    for (let c = s.charCodeAt(i); c >= 48 && c <= 57; c = s.charCodeAt(++i)) {
      ms += (c - 48) * scale;
      scale = scale === 1 ? 0 : scale / 10;
    }
  }

  let offsetMin = 0;
  const sign = s.charCodeAt(i);
  if (sign === 43 /* + */ || sign === 45 /* - */) {
    const oh = two(s, i + 1);
    const om = two(s, i + 4);
    if (oh > 23 || om > 59) return NaN;
    offsetMin = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  }

  // Date.UTC maps years 0–99 to 1900–1999; such dates are rejected as too early by the caller anyway.
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
}
