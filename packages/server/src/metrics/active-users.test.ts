import { describe, expect, it } from 'vitest';
import { ActiveUsers } from './active-users.js';

const counts = (a: ActiveUsers, now: number): Record<string, number> => {
  const out: Record<string, number> = {};
  a.forEach(now, (p, s, n) => (out[`${p}/${s}`] = n));
  return out;
};

describe('ActiveUsers', () => {
  it('counts distinct users per project and service within the window, and forgets them after it', () => {
    const a = new ActiveUsers(300_000);
    a.touch('p', 'bot', 'u1', 0);
    a.touch('p', 'bot', 'u1', 100_000);
    a.touch('p', 'bot', 'u2', 50_000);
    a.touch('p', 'api', 'u1', 0);
    a.touch('q', 'bot', 'u3', 0);
    expect(counts(a, 200_000)).toEqual({ 'p/bot': 2, 'p/api': 1, 'q/bot': 1 });
    // u2 (seen at 50 s) and the 0 s ones leave the 5-minute window; u1 on p/bot was seen again at 100 s.
    expect(counts(a, 360_000)).toEqual({ 'p/bot': 1, 'p/api': 0, 'q/bot': 0 });
  });

  it('a late (backfilled) event never moves a user\'s last activity back', () => {
    const a = new ActiveUsers(300_000);
    a.touch('p', 'bot', 'u1', 1_000_000);
    a.touch('p', 'bot', 'u1', 1_000_000 - 280_000);
    expect(counts(a, 1_000_000 + 30_000)).toEqual({ 'p/bot': 1 });
    expect(counts(a, 1_000_000 + 300_001)).toEqual({ 'p/bot': 0 });
  });

  it('bounds series (later pairs count under __other__) and users (new ones wait for room)', () => {
    const a = new ActiveUsers(300_000, 2, 3);
    a.touch('p', 's1', 'u1', 0);
    a.touch('p', 's2', 'u1', 0);
    a.touch('p', 's3', 'u2', 0);
    a.touch('p', 's4', 'u3', 0);
    expect(counts(a, 1)).toEqual({ 'p/s1': 1, 'p/s2': 1, '__other__/__other__': 1 });
    a.touch('p', 's1', 'u9', 0);
    expect(counts(a, 1)['p/s1']).toBe(1);
    expect(counts(a, 400_000)).toEqual({ 'p/s1': 0, 'p/s2': 0, '__other__/__other__': 0 });
    a.touch('p', 's1', 'u9', 400_000);
    expect(counts(a, 400_001)['p/s1']).toBe(1);
  });
});
