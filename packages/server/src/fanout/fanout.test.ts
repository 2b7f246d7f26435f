import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import { FanOut } from './fanout.js';
import { WriteBuffer } from '../ingest/write-buffer.js';
import { emptyEvent } from '../store/contract/fixtures.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';

const ev = (n: number, tag = 'e'): StoredEvent[] =>
  Array.from({ length: n }, (_, i) => emptyEvent({ type: 'llm', name: `${tag}${i}`, ts: Date.now() }));
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('FanOut', () => {
  it('delivers every batch in order, off the publisher\'s call', async () => {
    const f = new FanOut();
    const got: Array<[string, number]> = [];
    f.subscribe('a', (b, seq) => { for (const e of b) got.push([e.name!, seq]); });
    f.publish(ev(2, 'x'));
    f.publish(ev(1, 'y'));
    expect(got).toEqual([]); // nothing ran inside publish()
    await tick();
    expect(got).toEqual([['x0', 1], ['x1', 1], ['y0', 2]]);
    expect(f.lastSeq).toBe(2);
    expect(f.stats().subscribers[0]).toMatchObject({ delivered: 3, dropped: 0, errors: 0, queued: 0 });
  });

  it('a subscriber that hangs fills and drops its own queue and delays nobody else', async () => {
    const f = new FanOut();
    const fast: string[] = [];
    f.subscribe('stuck', () => new Promise<void>(() => {}), { maxQueuedEvents: 5 });
    f.subscribe('fast', (b) => { for (const e of b) fast.push(e.name!); });
    for (let i = 0; i < 10; i++) f.publish(ev(2, `b${i}-`));
    await tick(10);
    expect(fast).toHaveLength(20);
    const stuck = f.stats().subscribers.find((s) => s.name === 'stuck')!;
    // All ten were published before any drain: two batches fit the bound (4 ≤ 5 events), eight were
    // dropped; then the first was handed over and hangs, so one batch stays queued behind it.
    expect(stuck).toMatchObject({ delivered: 2, queued: 2, dropped: 16, errors: 0 });
    expect(stuck.delivered + stuck.queued + stuck.dropped).toBe(20);
  });

  it('a subscriber that throws is counted and keeps receiving; the others are unaffected', async () => {
    const errors: string[] = [];
    const f = new FanOut({ onError: (name) => errors.push(name) });
    const good: number[] = [];
    let calls = 0;
    f.subscribe('thrower', () => { calls++; throw new Error('boom'); });
    f.subscribe('rejecter', async () => { throw new Error('async boom'); });
    f.subscribe('good', (b) => { good.push(b.length); });
    f.publish(ev(1));
    f.publish(ev(3));
    await tick(5);
    expect(calls).toBe(2);
    expect(good).toEqual([1, 3]);
    expect(errors.sort()).toEqual(['rejecter', 'rejecter', 'thrower', 'thrower']);
    expect(f.stats().subscribers.map((s) => [s.name, s.errors, s.delivered])).toEqual([['thrower', 2, 4], ['rejecter', 2, 4], ['good', 0, 4]]);
  });

  it('unsubscribe stops delivery and forgets the queue', async () => {
    const f = new FanOut();
    const got: number[] = [];
    const s = f.subscribe('a', (b) => { got.push(b.length); });
    f.publish(ev(1));
    s.unsubscribe();
    f.publish(ev(1));
    await tick();
    expect(got).toEqual([]);
    expect(f.stats().subscribers).toEqual([]);
  });

  it('on a real store: a blocked and a throwing subscriber delay no acknowledgement, commit or other subscriber', async () => {
    const { store, close } = await openEmbeddedStores({ dataDir: ':memory:', memoryLimit: '128MB' });
    try {
      const f = new FanOut();
      f.subscribe('blocked', () => new Promise<void>(() => {}), { maxQueuedEvents: 100 });
      f.subscribe('throws', () => { throw new Error('nope'); });
      const seen: string[] = [];
      f.subscribe('tail', (b) => { for (const e of b) seen.push(e.name!); });
      const buf = new WriteBuffer({ store, flushMaxEvents: 1000, flushIntervalMs: 1, maxQueuedEvents: 100_000, sink: f });
      for (let i = 0; i < 20; i++) await buf.submit({ events: ev(50, `r${i}-`) });
      await tick(10);
      const rows = await store.query('SELECT count(*) AS n FROM events', []);
      expect(Number(rows[0]!.n)).toBe(1000);
      expect(seen).toHaveLength(1000);
      const stats = Object.fromEntries(f.stats().subscribers.map((s) => [s.name, s]));
      expect(stats.blocked!.dropped).toBeGreaterThanOrEqual(850);
      expect(stats.throws!.errors).toBe(20);
      await buf.close();
    } finally {
      await close();
    }
  });
});
