import type { Row } from '../api/types';

/** Query rows (`bucket` + measures, maybe a dimension) laid out on a fixed time axis for a chart. */

const bucketMs = (row: Row): number => Date.parse(String(row.bucket));

/** One measure per bucket; buckets with no row get `fill` (0 for counts and sums, null for averages). */
export function align(rows: Row[], xs: number[], measure: string, fill: number | null): Array<number | null> {
  const at = new Map<number, number | null>();
  for (const r of rows) {
    const v = r[measure];
    at.set(bucketMs(r), typeof v === 'number' ? v : null);
  }
  return xs.map((x) => (at.has(x) ? at.get(x)! : fill));
}

export interface SplitSeries {
  label: string;
  key: string | null;
  values: Array<number | null>;
  total: number;
}

/**
 * One series per value of `dim` (the `top` largest by total; the rest summed into "other"), for an
 * additive measure (counts, tokens, cost). Events without the dimension are their own series.
 */
export function splitBy(rows: Row[], xs: number[], dim: string, measure: string, top = 6, noneLabel = '(none)'): SplitSeries[] {
  const index = new Map(xs.map((x, i) => [x, i]));
  const byKey = new Map<string | null, SplitSeries>();
  for (const r of rows) {
    const i = index.get(bucketMs(r));
    const v = r[measure];
    if (i === undefined || typeof v !== 'number') continue;
    const raw = r[dim];
    const key = raw === null || raw === undefined ? null : String(raw);
    let s = byKey.get(key);
    if (!s) {
      s = { label: key ?? noneLabel, key, values: xs.map(() => 0), total: 0 };
      byKey.set(key, s);
    }
    s.values[i] = (s.values[i] ?? 0) + v;
    s.total += v;
  }
  const all = [...byKey.values()].sort((a, b) => b.total - a.total || a.label.localeCompare(b.label));
  if (all.length <= top + 1) return all;
  const other: SplitSeries = { label: `other (${all.length - top})`, key: '\u0000other', values: xs.map(() => 0), total: 0 };
  for (const s of all.slice(top)) {
    s.values.forEach((v, i) => (other.values[i] = (other.values[i] ?? 0) + (v ?? 0)));
    other.total += s.total;
  }
  return [...all.slice(0, top), other];
}

/** Indices of values with no value on either side (null or the series' ends): a line has nothing to join them to. */
export function isolatedPoints(values: ArrayLike<number | null | undefined>): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (values[i] == null) continue;
    if ((i === 0 || values[i - 1] == null) && (i === values.length - 1 || values[i + 1] == null)) out.push(i);
  }
  return out.length > 0 ? out : null;
}

