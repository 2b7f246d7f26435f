import { median } from './stats.js';

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
