import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FanOut } from '../fanout/fanout.js';
import { emptyEvent } from '../store/contract/fixtures.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import type { EventStore } from '../store/types.js';
import { MetricsHub } from './metrics-hub.js';
import { MAX_BUFFERED_BYTES, OPEN, type LiveSocket } from './socket.js';

/** A socket whose send buffer the test controls: real sockets cannot be made slow on demand. */
class FakeSocket implements LiveSocket {
  readyState = OPEN;
  bufferedAmount = 0;
  sent: any[] = [];
  send(data: string): void { this.sent.push(JSON.parse(data)); }
  ping(): void {}
  terminate(): void {}
  close(): void {}
  on(): this { return this; }
}

describe('MetricsHub', () => {
  let store: EventStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openEmbeddedStores({ dataDir: ':memory:', memoryLimit: '128MB' }));
  });
  afterAll(async () => close?.());

  it('skips and counts frames for a client that cannot keep up, and never delays the others', async () => {
    const clock = { t: Date.now(), now() { return this.t; } };
    const fanout = new FanOut();
    const hub = new MetricsHub({
      store, fanout, clock, logger: console, startedAtMs: clock.t, intervalMs: 1000, betweenCommits: (fn) => fn(),
    });
    try {
      const w = await hub.window('p1', []);
      const slow = new FakeSocket();
      const fast = new FakeSocket();
      hub.attach(w, slow, 1000);
      hub.attach(w, fast, 1000);
      slow.bufferedAmount = MAX_BUFFERED_BYTES + 1;
      for (let i = 1; i <= 5; i++) {
        clock.t += 1000;
        hub.tick();
      }
      expect(fast.sent).toHaveLength(6); // one on attach, then one a second
      expect(slow.sent).toHaveLength(1);
      expect(hub.stats().framesSkipped).toBe(5);
      slow.bufferedAmount = 0;
      clock.t += 1000;
      hub.tick();
      expect(slow.sent.at(-1).skipped_frames).toBe(5);
      expect(fast.sent.at(-1).skipped_frames).toBe(0);
    } finally {
      hub.close();
    }
  });

  it('drops a window nobody attached to, caps windows while they seed, and keeps the default one', async () => {
    const clock = { t: Date.now(), now() { return this.t; } };
    const hub = new MetricsHub({
      store, fanout: new FanOut(), clock, logger: console, startedAtMs: clock.t, intervalMs: 1000, maxWindows: 2,
      betweenCommits: (fn) => fn(),
    });
    try {
      await hub.window('default', []);
      const f = (v: string) => [{ field: 'model' as const, values: [v] }];
      // Three new combinations at once: the third is refused although none has finished seeding.
      const results = await Promise.allSettled([hub.window('p', f('a')), hub.window('p', f('b')), hub.window('p', f('c'))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      expect(hub.stats().windows).toBe(3);
      // Never attached (a plain GET, a client gone before the upgrade): dropped after a minute idle.
      clock.t += 61_000;
      hub.tick();
      expect(hub.stats().windows).toBe(1);
      await expect(hub.window('p', f('c'))).resolves.toBeTruthy();
    } finally {
      hub.close();
    }
  });

  it('applies only batches published after its seed read, so nothing counts twice', async () => {
    const clock = { now: () => Date.now() };
    const fanout = new FanOut();
    const hub = new MetricsHub({ store, fanout, clock, logger: console, startedAtMs: Date.now(), intervalMs: 1000, betweenCommits: (fn) => fn() });
    try {
      const early = [emptyEvent({ project: 'p2', type: 'message', ts: Date.now() })];
      await store.append({ events: early });
      fanout.publish(early); // published (seq 1) before the window exists, and already in the store
      const w = await hub.window('p2', []);
      const late = [emptyEvent({ project: 'p2', type: 'message', ts: Date.now() })];
      await store.append({ events: late });
      fanout.publish(late);
      await new Promise((r) => setTimeout(r, 5));
      expect(w.window.snapshot().recent.messages).toBe(2);
      expect(w.window.eventsSeen).toBe(1);
    } finally {
      hub.close();
    }
  });
});
