import { median, quantileSorted } from './stats.js';

/**
 * Comparing two settings of one server on a shared, noisy machine: rows alternate the settings in a
 * balanced order (A B B A A B B A …), so a drift that is linear in time (store growth, a neighbour's
 * load ramping up) weighs on both alike, and each setting is summarised by its median row, which one
 * disturbed row cannot move far.
 */
export type Setting = 'off' | 'on';

/** `rows` settings in ABBA order, starting with `off`; `rows` should be a multiple of 4 for full balance. */
export function balancedOrder(rows: number): Setting[] {
  return Array.from({ length: rows }, (_, i) => ((i + 1) % 4 < 2 ? 'off' : 'on'));
}

export interface SettingRow {
  setting: Setting;
  value: number;
}

export interface SettingComparison {
  off: { median: number; min: number; max: number; n: number };
  on: { median: number; min: number; max: number; n: number };
  /** median(on) / median(off) − 1, in percent. */
  changePct: number;
}

/** Medians and ranges of each setting, and the change of the `on` median against the `off` one. */
export function compareSettings(rows: readonly SettingRow[]): SettingComparison {
  const of = (s: Setting): SettingComparison['off'] => {
    const xs = rows.filter((r) => r.setting === s && Number.isFinite(r.value)).map((r) => r.value);
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
  };
  const off = of('off');
  const on = of('on');
  return { off, on, changePct: (on.median / off.median - 1) * 100 };
}

/**
 * How far the change could move with other rows of the same kind: rows are redrawn with replacement
 * within each setting `iterations` times (a seeded generator, so a run is reproducible) and the change
 * of the medians recomputed; the result is its `level` central interval, in percent.
 */
export function bootstrapChange(rows: readonly SettingRow[], level = 0.9, iterations = 2000, seed = 1): { lowPct: number; highPct: number } {
  let state = seed >>> 0;
  // mulberry32: small, fast, good enough to redraw rows.
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const values = (s: Setting): number[] => rows.filter((r) => r.setting === s && Number.isFinite(r.value)).map((r) => r.value);
  const off = values('off');
  const on = values('on');
  const redraw = (xs: number[]): number => median(xs.map(() => xs[Math.floor(random() * xs.length)]!));
  const changes: number[] = [];
  for (let i = 0; i < iterations; i++) changes.push((redraw(on) / redraw(off) - 1) * 100);
  changes.sort((a, b) => a - b);
  return { lowPct: quantileSorted(changes, (1 - level) / 2), highPct: quantileSorted(changes, 1 - (1 - level) / 2) };
}
