import { describe, expect, it } from 'vitest';
import { RecentlyUsed } from './recently-used.js';

describe('RecentlyUsed', () => {
  it('tells a key seen among the last few from a new one, the least recent forgotten first', () => {
    const recent = new RecentlyUsed<true>(2);
    expect(recent.seen('a', true)).toBe(false);
    expect(recent.seen('a', true)).toBe(true);
    expect(recent.seen('b', true)).toBe(false);
    // 'a' is the least recent now that 'b' came; seeing 'a' again makes 'b' the least recent.
    expect(recent.seen('a', true)).toBe(true);
    expect(recent.seen('c', true)).toBe(false);
    expect(recent.seen('b', true)).toBe(false);
    expect(recent.seen('c', true)).toBe(true);
  });

  it('hands each value it drops to `evicted`, on overflow and on clear', () => {
    const dropped: number[] = [];
    const recent = new RecentlyUsed<number>(2, (v) => dropped.push(v));
    recent.set('a', 1);
    recent.set('b', 2);
    expect(recent.get('a')).toBe(1); // 'b' is now the least recent
    recent.set('c', 3);
    expect(dropped).toEqual([2]);
    expect(recent.get('b')).toBeUndefined();
    recent.clear();
    expect(dropped).toEqual([2, 1, 3]);
    expect(recent.get('a')).toBeUndefined();
  });
});
