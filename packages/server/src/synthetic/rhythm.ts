/**
 * The diurnal and weekly shape of traffic. A chat community's activity bottoms out around 04:00,
 * climbs through the working day and peaks at 20:00–21:00 local time; weekends run 25% above
 * weekdays (seed 001: "interaction_times 20:00–22:00", hourly heatmap, day-of-week patterns).
 */
import type { Rng } from './prng.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Relative activity at the start of each local hour, 0–23 (1 = the evening peak). */
export const HOURLY_PROFILE: readonly number[] = [
  0.45, 0.32, 0.22, 0.16, 0.13, 0.14, 0.2, 0.3, 0.42, 0.52, 0.58, 0.62,
  0.66, 0.66, 0.65, 0.66, 0.7, 0.78, 0.88, 0.96, 1.0, 0.98, 0.86, 0.65,
];
export const WEEKEND_FACTOR = 1.25;

/** Relative traffic intensity at `tsMs`; `utcOffsetMinutes` places "local" time (0 = UTC). */
export function intensity(tsMs: number, utcOffsetMinutes = 0): number {
  const local = tsMs + utcOffsetMinutes * 60_000;
  const day = Math.floor(local / DAY_MS);
  const hour = (local - day * DAY_MS) / HOUR_MS;
  const h = Math.floor(hour);
  const frac = hour - h;
  const a = HOURLY_PROFILE[h] as number;
  const b = HOURLY_PROFILE[(h + 1) % 24] as number;
  // 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sundays.
  const weekday = (((day + 4) % 7) + 7) % 7;
  const week = weekday === 0 || weekday === 6 ? WEEKEND_FACTOR : 1;
  return (a + (b - a) * frac) * week;
}

/** Mean of `intensity` over a whole week, so a rate can be given as a daily average. */
export const MEAN_INTENSITY: number = (() => {
  let sum = 0;
  const steps = 7 * 24 * 12;
  for (let i = 0; i < steps; i++) sum += intensity(i * 300_000 + 150_000);
  return sum / steps;
})();

/**
 * `count` timestamps in non-decreasing order over [startMs, endMs), spaced so their density follows
 * `intensity`. The cumulative intensity is tabulated on a grid and inverted; event i sits at the
 * quantile (i + U)/count — stratified, so the order holds by construction and no sort is needed.
 */
export function* eventTimes(startMs: number, endMs: number, count: number, rng: Rng, utcOffsetMinutes = 0): Generator<number> {
  const span = endMs - startMs;
  if (!(span > 0) || count <= 0) return;
  const cells = Math.max(1, Math.min(200_000, Math.ceil(span / 60_000)));
  const cellMs = span / cells;
  const cum = new Float64Array(cells + 1);
  for (let c = 0; c < cells; c++) cum[c + 1] = (cum[c] as number) + intensity(startMs + (c + 0.5) * cellMs, utcOffsetMinutes);
  const total = cum[cells] as number;
  let cell = 0;
  for (let i = 0; i < count; i++) {
    const target = ((i + rng.float()) / count) * total;
    while (cell < cells - 1 && (cum[cell + 1] as number) <= target) cell++;
    const lo = cum[cell] as number;
    const width = (cum[cell + 1] as number) - lo;
    const within = width > 0 ? (target - lo) / width : 0;
    const ts = Math.floor(startMs + (cell + within) * cellMs);
    yield ts < endMs ? ts : endMs - 1;
  }
}
