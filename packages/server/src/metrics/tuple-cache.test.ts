import { describe, expect, it } from 'vitest';
import { TupleCache } from './tuple-cache.js';

describe('TupleCache', () => {
  it('keeps one entry per tuple, and past its bound makes entries without keeping them', () => {
    const made: string[] = [];
    const make = (k: readonly string[]): { key: string } => {
      made.push(k.join('/'));
      return { key: k.join('/') };
    };
    const c = new TupleCache<{ key: string }>(2);
    const ab = c.get(['a', 'b'], make);
    expect(c.get(['a', 'b'], make)).toBe(ab);
    expect(c.get(['a', 'c'], make).key).toBe('a/c');
    const xy = c.get(['x', 'y'], make);
    expect(xy.key).toBe('x/y');
    expect(c.get(['x', 'y'], make)).not.toBe(xy);
    expect(c.get(['a', 'd'], make).key).toBe('a/d');
    expect(c.get(['a', 'c'], make).key).toBe('a/c');
    expect(c.size).toBe(2);
    expect(made).toEqual(['a/b', 'a/c', 'x/y', 'x/y', 'a/d']);
    // Nothing was indexed for the tuples past the bound.
    expect([...(c as unknown as { root: Map<string, Map<string, unknown>> }).root.keys()]).toEqual(['a']);
  });
});
