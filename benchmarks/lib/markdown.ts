/** Markdown rendering and number formatting for docs/benchmarks.md. Missing figures print as "—". */
export type Align = 'left' | 'right';
export type Cell = string | number | null | undefined;

const DASH = '—';

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return DASH;
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : DASH;
  // A pipe would end the cell; a newline would end the row.
  return cell.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured table. Columns without an explicit alignment are left-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], align: readonly Align[] = []): string {
  const width = headers.length;
  for (const [i, row] of rows.entries()) {
    if (row.length !== width) throw new Error(`row ${i} has ${row.length} cells, the header ${width}`);
  }
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const rule = headers.map((_, i) => (align[i] === 'right' ? '---:' : '---'));
  return [line(headers.map(cellText)), line(rule), ...rows.map((r) => line(r.map(cellText)))].join('\n');
}

const isNum = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** 1234567 → "1,234,567". */
export function fmtInt(n: number | null | undefined): string {
  return isNum(n) ? Math.round(n).toLocaleString('en-US') : DASH;
}

/** Milliseconds with precision that suits the size: 0.42, 7.3, 123. */
export function fmtMs(n: number | null | undefined): string {
  if (!isNum(n)) return DASH;
  if (n < 1) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** A ratio as "12.3×" (two significant decimals below 10). */
export function fmtRatio(n: number | null | undefined): string {
  if (!isNum(n)) return DASH;
  return `${n < 10 ? n.toFixed(2) : n.toFixed(1)}×`;
}

export function fmtBytes(n: number | null | undefined): string {
  if (!isNum(n)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function fmtMiB(bytes: number | null | undefined): string {
  return isNum(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : DASH;
}

/** Seconds as "4.2 s" or "3 min 12 s". */
export function fmtDuration(seconds: number | null | undefined): string {
  if (!isNum(seconds)) return DASH;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

/** Events per second with thousands separators. */
export function fmtRate(n: number | null | undefined): string {
  return isNum(n) ? `${fmtInt(n)}/s` : DASH;
}
