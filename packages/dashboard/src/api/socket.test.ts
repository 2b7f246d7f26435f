import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ReconnectingSocket } from './socket';

/** A stand-in for the browser's WebSocket (none in Node 20): each connection is driven by `script`. */
class FakeSocket {
  static CONNECTING = 0;
  static instances: FakeSocket[] = [];
  static script: (ws: FakeSocket) => void = () => {};
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
    setTimeout(() => FakeSocket.script(this), 0);
  }
  open(): void { this.readyState = 1; this.onopen?.(); }
  frame(f: unknown): void { this.onmessage?.({ data: JSON.stringify(f) }); }
  drop(): void { this.readyState = 3; this.onclose?.({ code: 1006, reason: '' }); }
  close(): void { this.readyState = 3; }
}

const handlers = { onOpen: () => {}, onFrame: () => {}, onDown: () => {}, onRefused: () => {} };

/** Advances the clock in small steps until the n-th connection was made (at most a minute). */
function until(n: number): void {
  for (let t = 0; FakeSocket.instances.length < n && t < 60_000; t += 10) vi.advanceTimersByTime(10);
  expect(FakeSocket.instances.length).toBe(n);
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('ReconnectingSocket', () => {
  test('a server that greets and drops at once is retried with growing delays, not every half second', () => {
    FakeSocket.script = (ws) => { ws.open(); ws.frame({ type: 'hello' }); ws.drop(); };
    const s = new ReconnectingSocket(() => 'ws://pulse.test/ws/events', handlers);
    vi.advanceTimersByTime(60_000);
    s.close();
    // 0.5 s, 1, 2, 4, 8, 15, 15 … (each between half and all of it): at most ~12 in a minute; every ~0.5 s would be 120+.
    expect(FakeSocket.instances.length).toBeLessThanOrEqual(14);
    expect(FakeSocket.instances.length).toBeGreaterThanOrEqual(6);
  });

  test('a connection that carried frames after the greeting starts the backoff over', () => {
    let n = 0;
    FakeSocket.script = (ws) => {
      ws.open();
      ws.frame({ type: 'hello' });
      if (++n === 6) ws.frame({ type: 'events', events: [] }); // the sixth connection works for a while
      ws.drop();
    };
    const s = new ReconnectingSocket(() => 'ws://pulse.test/ws/events', handlers);
    until(6); // five failures, delays growing
    vi.advanceTimersByTime(510); // the sixth carried an event: the next retry comes within 0.5 s, not 8–15 s
    expect(FakeSocket.instances.length).toBe(7);
    s.close();
  });

  test('a connection open for a while before it dropped starts the backoff over too (a quiet stream sends no frames)', () => {
    let n = 0;
    FakeSocket.script = (ws) => {
      ws.open();
      ws.frame({ type: 'hello' });
      if (++n === 6) setTimeout(() => ws.drop(), 60_000);
      else ws.drop();
    };
    const s = new ReconnectingSocket(() => 'ws://pulse.test/ws/events', handlers);
    until(6);
    vi.advanceTimersByTime(60_000); // the sixth stays open a minute, then drops
    vi.advanceTimersByTime(510);
    expect(FakeSocket.instances.length).toBe(7);
    s.close();
  });
});
