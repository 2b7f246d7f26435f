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
 * How far a statistic of the two settings' rows could move with other rows of the same kind: rows are
 * redrawn with replacement within each setting `iterations` times (a seeded generator, so a run is
 * reproducible) and the statistic recomputed; the result is its `level` central interval.
 */
export function bootstrapInterval<R extends { setting: Setting }>(
  rows: readonly R[],
  statistic: (off: readonly R[], on: readonly R[]) => number,
  level = 0.9,
  iterations = 2000,
  seed = 1,
): { low: number; high: number } {
  let state = seed >>> 0;
  // mulberry32: small, fast, good enough to redraw rows.
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const off = rows.filter((r) => r.setting === 'off');
  const on = rows.filter((r) => r.setting === 'on');
  const redraw = (xs: readonly R[]): R[] => xs.map(() => xs[Math.floor(random() * xs.length)]!);
  const values: number[] = [];
  for (let i = 0; i < iterations; i++) values.push(statistic(redraw(off), redraw(on)));
  values.sort((a, b) => a - b);
  return { low: quantileSorted(values, (1 - level) / 2), high: quantileSorted(values, 1 - (1 - level) / 2) };
}

/** The interval (percent) of the change of the medians, median(on) / median(off) − 1. */
export function bootstrapChange(rows: readonly SettingRow[], level = 0.9, iterations = 2000, seed = 1): { lowPct: number; highPct: number } {
  const med = (xs: readonly SettingRow[]): number => median(xs.filter((r) => Number.isFinite(r.value)).map((r) => r.value));
  const { low, high } = bootstrapInterval(rows, (off, on) => (med(on) / med(off) - 1) * 100, level, iterations, seed);
  return { lowPct: low, highPct: high };
}
