import type { Level } from './thresholds.js';

/** A run of text with one style. Lines are built from segments so widths are counted before colour is added. */
export type Style = Level | 'bold' | 'dim' | 'title';
export interface Seg {
  text: string;
  style?: Style;
}
export type Line = Seg[];

const SGR: Record<Style, string> = { ok: '32', warn: '33', crit: '1;31', bold: '1', dim: '2', title: '1;36' };

/** Visible width, counted in code points (the view uses no wide characters of its own). */
export const width = (s: string): number => [...s].length;

export const lineWidth = (line: Line): number => line.reduce((n, s) => n + width(s.text), 0);

/** Cuts a line to `max` columns; a cut line ends in `…`. */
export function fit(line: Line, max: number): Line {
  if (lineWidth(line) <= max) return line;
  if (max <= 0) return [];
  const out: Line = [];
  let left = max - 1;
  for (const seg of line) {
    const chars = [...seg.text];
    if (chars.length <= left) {
      out.push(seg);
      left -= chars.length;
      continue;
    }
    if (left > 0) out.push({ ...seg, text: chars.slice(0, left).join('') });
    break;
  }
  out.push({ text: '…' });
  return out;
}

/** Pads a line with spaces to exactly `w` columns (cutting it first when longer). */
export function pad(line: Line, w: number): Line {
  const cut = fit(line, w);
  const n = w - lineWidth(cut);
  return n > 0 ? [...cut, { text: ' '.repeat(n) }] : cut;
}

export function paint(line: Line, color: boolean): string {
  return line.map((s) => (color && s.style && s.text ? `\x1b[${SGR[s.style]}m${s.text}\x1b[0m` : s.text)).join('');
}

export const padStart = (s: string, w: number): string => ' '.repeat(Math.max(0, w - width(s))) + s;
export const padEnd = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

/** A plain string cut to `max` columns, ending in `…` when cut. */
export const cut = (s: string, max: number): string => fit([{ text: s }], max).map((x) => x.text).join('');
