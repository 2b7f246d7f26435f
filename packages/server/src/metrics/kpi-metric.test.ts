import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { KpiCounter, KpiHistogram } from './kpi-metric.js';
import { parseExposition, total } from './test-support/exposition.js';

describe('KpiCounter and KpiHistogram', () => {
  it('render through prom-client\'s registry like its own metrics, cumulative buckets included', async () => {
    const registry = new Registry();
    const c = new KpiCounter({ name: 'x_total', help: 'x', labelNames: ['a', 'b'], maxSeries: 10, onOverflow: () => undefined, registry });
    const h = new KpiHistogram({ name: 'd_seconds', help: 'd', labelNames: ['a'], maxSeries: 10, onOverflow: () => undefined, registry, buckets: [1, 2, 5] });
    c.add(['p', 'q'], 2);
    c.add(['p', 'q'], 3);
    c.add(['p', 'r'], 1);
    c.add(['p', 'r'], 0); // no-op, and no negative increments
    c.add(['p', 'r'], -4);
    for (const v of [0.5, 1, 1.5, 4, 9]) h.observe(['p'], v);
    const s = parseExposition(await registry.metrics());
    expect(total(s, 'x_total', { a: 'p', b: 'q' })).toBe(5);
    expect(total(s, 'x_total', { b: 'r' })).toBe(1);
    expect([1, 2, 5].map((le) => total(s, 'd_seconds_bucket', { le: String(le) }))).toEqual([2, 3, 4]);
    expect(total(s, 'd_seconds_bucket', { le: '+Inf' })).toBe(5);
    expect(total(s, 'd_seconds_sum')).toBe(16);
    expect(total(s, 'd_seconds_count')).toBe(5);
  });

  it('fold series past the cap into __other__, count every folded update, and keep nothing for them', async () => {
    const registry = new Registry();
    const folded: string[] = [];
    const c = new KpiCounter({ name: 'y_total', help: 'y', labelNames: ['a', 'b'], maxSeries: 2, onOverflow: (f) => folded.push(f), registry });
    c.add(['1', 'x'], 1);
    c.add(['2', 'x'], 1);
    for (let i = 3; i < 1000; i++) c.add([String(i), 'x'], 1);
    c.add(['1', 'x'], 1);
    expect(c.size).toBe(2);
    expect(folded).toHaveLength(997);
    expect(folded[0]).toBe('y_total');
    const s = parseExposition(await registry.metrics());
    expect(total(s, 'y_total', { a: '__other__', b: '__other__' })).toBe(997);
    expect(total(s, 'y_total', { a: '1' })).toBe(2);
    // The nested index holds only the two kept series' paths.
    expect((c as unknown as { root: Map<string, unknown> }).root.size).toBe(2);
  });

  it('update through a bound ref as through label values, finding the series again after a reset', async () => {
    const registry = new Registry();
    const folded: string[] = [];
    const c = new KpiCounter({ name: 'z_total', help: 'z', labelNames: ['a'], maxSeries: 1, onOverflow: (f) => folded.push(f), registry });
    const h = new KpiHistogram({ name: 'e_seconds', help: 'e', labelNames: ['a'], maxSeries: 5, onOverflow: () => undefined, registry, buckets: [1] });
    const kept = c.bind(['k']);
    const later = c.bind(['l']);
    // Binding makes nothing: the first update does, so `l` (updated first) takes the one series.
    expect(c.size).toBe(0);
    c.addRef(later, 2);
    c.addRef(kept, 3);
    c.addRef(kept, 4);
    c.addRef(kept, 0);
    c.add(['l'], 1);
    h.observeRef(h.bind(['k']), 0.5);
    h.observeRef(h.bind(['k']), 7);
    let s = parseExposition(await registry.metrics());
    expect(total(s, 'z_total', { a: 'l' })).toBe(3);
    expect(total(s, 'z_total', { a: '__other__' })).toBe(7);
    expect(folded).toHaveLength(2);
    expect(total(s, 'e_seconds_bucket', { a: 'k', le: '1' })).toBe(1);
    expect(total(s, 'e_seconds_sum', { a: 'k' })).toBe(7.5);
    c.reset();
    c.addRef(kept, 5);
    s = parseExposition(await registry.metrics());
    expect(s.filter((x) => x.name === 'z_total').map((x) => [x.labels.a, x.value])).toEqual([['k', 5]]);
    const used = h.bind(['k']);
    h.observeRef(used, 1);
    expect(() => c.addRef(used as never, 1)).toThrow(/e_seconds used on z_total/);
  });
});
