import { describe, expect, it } from 'vitest';
import { SKETCH_GAMMA, ZERO_BIN } from './definition.js';
import { compareRows, finishQuantiles, quantiles } from './quantiles.js';

const value = (bin: number): number => (bin === ZERO_BIN ? 0 : (2 * SKETCH_GAMMA ** bin) / (SKETCH_GAMMA + 1));

describe('quantiles from merged sketch bins', () => {
  it('picks the bins either side of rank q·(n−1) and interpolates between their values', () => {
    // 10 values: bins 100 ×4, 200 ×5, 300 ×1 → sorted positions 0–3 in 100, 4–8 in 200, 9 in 300.
    const bins = [[300, 1], [100, 4], [200, 5]];
    const [p50, p95, p0] = quantiles(bins, [0.5, 0.95, 0]);
    // rank 4.5: positions 4 and 5 are both in bin 200.
    expect(p50).toBe(value(200));
    // rank 8.55: position 8 in bin 200, position 9 in bin 300, 0.55 of the way.
    expect(p95).toBeCloseTo(value(200) + 0.55 * (value(300) - value(200)), 12);
    expect(p0).toBe(value(100));
  });

  it('computes the rank exactly where doubles would not (0.29 · 101 = 29.29, 0.29 · 100 = 29)', () => {
    // total 101: rank 0.29 · 100 = 29 exactly, so no interpolation; in doubles it is 28.999…, which would take
    // position 28 and interpolate towards 29.
    const bins = [[10, 29], [20, 72]];
    expect(quantiles(bins, [0.29])).toEqual([value(20)]);
    expect(0.29 * 100).toBeLessThan(29);
  });

  it('values the zero bin at 0 and refuses quantiles it cannot rank exactly', () => {
    expect(quantiles([[ZERO_BIN, 3], [5, 1]], [0.5])).toEqual([0]);
    expect(() => quantiles([[1, 1]], [0.12345])).toThrow(/three decimals/);
  });

  it('turns group and bin rows into answer rows in the query order, null where a group has no bins', () => {
    const rows = [
      { part: 0, d0: 'b', m0: 2, bins: null },
      { part: 0, d0: null, m0: 5, bins: null },
      { part: 0, d0: 'a', m0: 5, bins: null },
      { part: 1, d0: 'a', m0: null, bins: '[[7, 5]]' },
      { part: 1, d0: 'b', m0: null, bins: '[[9, 1], [-32768, 1]]' },
    ];
    const plan = {
      keys: ['d0'],
      sides: [{ qs: [{ q: 0.5, as: 'm1' }] }],
      order: [{ alias: 'm0', desc: true }, { alias: 'd0', desc: false }],
      limit: null,
    };
    expect(finishQuantiles(rows, plan)).toEqual([
      { d0: 'a', m0: 5, m1: value(7) },
      { d0: null, m0: 5, m1: null },
      // Two values, 0 and value(9): the median interpolates half way.
      { d0: 'b', m0: 2, m1: 0 + 0.5 * (value(9) - 0) },
    ]);
    // Ordered by the quantile and cut after it.
    expect(finishQuantiles(rows, { ...plan, order: [{ alias: 'm1', desc: true }, { alias: 'd0', desc: false }], limit: 2 }).map((r) => r.d0))
      .toEqual(['a', 'b']);
  });

  it('gives an ungrouped query over no sketch rows null quantiles', () => {
    const out = finishQuantiles([{ part: 0, m0: 0, bins: null }, { part: 1, m0: null, bins: null }], {
      keys: [], sides: [{ qs: [{ q: 0.95, as: 'm1' }] }], order: [], limit: null,
    });
    expect(out).toEqual([{ m0: 0, m1: null }]);
  });

  it('orders as DuckDB does: nulls last both ways, strings by code point', () => {
    const order = (desc: boolean) => [{ alias: 'k', desc }];
    const sorted = (values: Array<string | null>, desc: boolean) =>
      values.map((k) => ({ k })).sort((a, b) => compareRows(a, b, order(desc))).map((r) => r.k);
    // U+1F600 is above U+FFFD by code point; UTF-16 units (0xD83D…) would put it first.
    expect(sorted(['\u{1F600}', null, '\uFFFD', 'a'], false)).toEqual(['a', '\uFFFD', '\u{1F600}', null]);
    expect(sorted(['a', null, 'ab', 'b'], true)).toEqual(['b', 'ab', 'a', null]);
  });
});
