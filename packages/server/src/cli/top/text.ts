import type { Level } from './thresholds.js';

/** A run of text with one style. Lines are built from segments so widths are counted before colour is added. */
export type Style = Level | 'bold' | 'dim' | 'title';
export interface Seg {
  text: string;
  style?: Style;
}
export type Line = Seg[];

const SGR: Record<Style, string> = { ok: '32', warn: '33', crit: '1;31', bold: '1', dim: '2', title: '1;36' };

/** Zero-width: combining marks, zero-width space/joiners, variation selectors. */
const ZERO = /^[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff\u200b-\u200f\ufe00-\ufe0f\ufe20-\ufe2f]$/;
/** Emoji shown as emoji by default (🚀 ⚡ ✅ ⭐ …, in and beyond the blocks below): two columns, as wcwidth counts them. */
const EMOJI = /^\p{Emoji_Presentation}$/u;
/** Two columns: East Asian wide and fullwidth ranges, and the emoji planes (a close approximation of wcwidth). */
function isWide(cp: number, ch: string): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x1fa70 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd) ||
    (cp >= 0x231a && EMOJI.test(ch))
  );
}

/** Terminal columns of one code point. */
export const charWidth = (ch: string): number => (ZERO.test(ch) ? 0 : isWide(ch.codePointAt(0)!, ch) ? 2 : 1);

/** Visible width in terminal columns (names from events may hold CJK or emoji). */
export const width = (s: string): number => {
  let n = 0;
  for (const ch of s) n += charWidth(ch);
  return n;
};

export const lineWidth = (line: Line): number => line.reduce((n, s) => n + width(s.text), 0);

/** Cuts a line to `max` columns; a cut line ends in `…`. */
export function fit(line: Line, max: number): Line {
  if (lineWidth(line) <= max) return line;
  if (max <= 0) return [];
  const out: Line = [];
  let left = max - 1;
  for (const seg of line) {
    const w = width(seg.text);
    if (w <= left) {
      out.push(seg);
      left -= w;
      continue;
    }
    let text = '';
    for (const ch of seg.text) {
      const cw = charWidth(ch);
      if (cw > left) break;
      text += ch;
      left -= cw;
    }
    if (text) out.push({ ...seg, text });
    break;
  }
  out.push({ text: '…' + ' '.repeat(left) });
  return out;
}

/** Pads a line with spaces to exactly `w` columns (cutting it first when longer). */
export function pad(line: Line, w: number): Line {
  const cut = fit(line, w);
  const n = w - lineWidth(cut);
  return n > 0 ? [...cut, { text: ' '.repeat(n) }] : cut;
}

/**
 * Control characters (C0, DEL, C1) become `?`: names come from events anyone with an ingest key can
 * send, and an escape sequence in a persona name must not reach the terminal. One for one, so widths hold.
 */
export const sanitize = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export function paint(line: Line, color: boolean): string {
  return line.map((s) => {
    const text = sanitize(s.text);
    return color && s.style && text ? `\x1b[${SGR[s.style]}m${text}\x1b[0m` : text;
  }).join('');
}

export const padStart = (s: string, w: number): string => ' '.repeat(Math.max(0, w - width(s))) + s;
export const padEnd = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

/** A plain string cut to `max` columns, ending in `…` when cut. */
export const cut = (s: string, max: number): string => fit([{ text: s }], max).map((x) => x.text).join('');
