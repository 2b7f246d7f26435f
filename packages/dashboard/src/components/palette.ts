import type { Theme } from '../state/theme';

/** Series colours chosen to stay distinct (and readable on the background) in each theme. */
const PALETTES: Record<Theme, string[]> = {
  light: ['#1c6fd1', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0c8599', '#b7791f', '#5c636a'],
  dark: ['#4dabf7', '#ff922b', '#51cf66', '#f06595', '#9775fa', '#3bc9db', '#fcc419', '#adb5bd'],
};

export function seriesColor(theme: Theme, i: number): string {
  const p = PALETTES[theme];
  return p[i % p.length]!;
}
