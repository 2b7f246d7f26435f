import { describe, expect, it } from 'vitest';
import type { MetricsUpdate } from '../../live/messages.js';
import { MetricsConnection, metricsUrl, type Timers } from './connection.js';
import type { Connection } from './render.js';
import type { SocketFactory, SocketHandlers } from './socket.js';

/** Timers and a clock that move only when the test says so. */
function fakeTime(): Timers & { now(): number; advance(ms: number): void; pending(): number } {
  let t = 1_000_000;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    setTimeout: (fn, ms) => (due.set(++seq, { at: t + ms, fn }), seq),
    clearTimeout: (h) => void due.delete(h as number),
    pending: () => due.size,
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const next = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        due.delete(next[0]);
        t = next[1].at;
        next[1].fn();
      }
      t = end;
    },
  };
}

function fakeSockets(): { factory: SocketFactory; urls: string[]; last(): SocketHandlers; closed: number } {
  const made: SocketHandlers[] = [];
  const out = {
    urls: [] as string[],
    closed: 0,
    factory: ((url, h) => {
      out.urls.push(url);
      made.push(h);
      return { close: () => void out.closed++ };
    }) as SocketFactory,
    last: () => made[made.length - 1]!,
  };
  return out;
}

const frame = (n: number): string =>
  JSON.stringify({ type: 'metrics_update', timestamp: new Date().toISOString(), project: 'p', filters: {}, skipped_frames: 0, data: { events_seen: n } });

function setup() {
  const time = fakeTime();
  const sockets = fakeSockets();
  const states: Connection[] = [];
  const frames: MetricsUpdate[] = [];
  const fatal: string[] = [];
  const conn = new MetricsConnection(
    { url: 'http://h:1', key: 'k', project: 'p', socket: sockets.factory, timers: time, now: time.now, initialBackoffMs: 1000, maxBackoffMs: 8000, silenceMs: 5000 },
    { state: (s) => states.push(s), frame: (f) => frames.push(f), fatal: (m) => fatal.push(m) },
  );
  return { time, sockets, states, frames, fatal, conn };
}

describe('metricsUrl', () => {
  it('maps http(s) to ws(s), keeps a path prefix, sends the key and project as query parameters', () => {
    expect(metricsUrl('http://127.0.0.1:8000', 'a b', 'bot')).toBe('ws://127.0.0.1:8000/ws/metrics?api_key=a+b&project=bot');
    expect(metricsUrl('https://x.example/pulse/')).toBe('wss://x.example/pulse/ws/metrics');
    expect(metricsUrl('ws://h:1/?old=1')).toBe('ws://h:1/ws/metrics');
    expect(() => metricsUrl('ftp://h')).toThrow(/http/);
    expect(() => metricsUrl('localhost:8000x')).toThrow(/--url/);
    expect(() => metricsUrl('not a url')).toThrow('--url: expected http(s):// or ws(s)://, got not a url');
  });
});

describe('MetricsConnection', () => {
  it('passes frames on; when the socket drops, says when it retries, backing off 1, 2, 4, 8, 8 s; a frame resets the backoff', () => {
    const { time, sockets, states, frames, conn } = setup();
    conn.start();
    expect(sockets.urls).toEqual(['ws://h:1/ws/metrics?api_key=k&project=p']);
    sockets.last().open();
    sockets.last().message(frame(1));
    sockets.last().message('not json');
    sockets.last().message(JSON.stringify({ type: 'hello', stream: 'metrics' }));
    expect(frames.map((f) => f.data.events_seen)).toEqual([1]);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      sockets.last().error(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
      sockets.last().close(1006, '');
      const s = states[states.length - 1]!;
      expect(s).toMatchObject({ state: 'disconnected', reason: 'connection refused' });
      delays.push((s as { retryAt: number }).retryAt - time.now());
      const before = sockets.urls.length;
      time.advance(delays[i]! - 1);
      expect(sockets.urls.length).toBe(before);
      time.advance(1);
      expect(sockets.urls.length).toBe(before + 1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
    sockets.last().open();
    sockets.last().message(frame(2));
    sockets.last().close(1001, 'going away');
    expect(states[states.length - 1]).toMatchObject({ state: 'disconnected', reason: 'closed: going away', retryAt: time.now() + 1000 });
  });

  it('the watchdog follows a slow server interval from the hello frame', () => {
    const { time, sockets, conn } = setup();
    conn.start();
    sockets.last().open();
    sockets.last().message(JSON.stringify({ type: 'hello', stream: 'metrics', project: 'p', filters: {}, interval_ms: 10_000, server_time: '' }));
    time.advance(29_999);
    expect(sockets.closed).toBe(0);
    time.advance(1);
    expect(sockets.closed).toBe(1);
  });

  it('an open socket that goes silent is dropped and reconnected', () => {
    const { time, sockets, states, conn } = setup();
    conn.start();
    sockets.last().open();
    sockets.last().message(frame(1));
    time.advance(4999);
    expect(sockets.closed).toBe(0);
    time.advance(1);
    expect(sockets.closed).toBe(1);
    expect(states[states.length - 1]).toMatchObject({ state: 'disconnected', reason: 'no frame for 5 s' });
  });

  it.each([401, 403, 404])('%i on the upgrade is fatal, with the reason, and nothing is retried', (status) => {
    const { time, sockets, fatal, conn } = setup();
    conn.start();
    sockets.last().rejected(status, JSON.stringify({ error: { code: 'x', message: 'invalid API key' } }));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toContain(String(status));
    expect(fatal[0]).toContain('invalid API key');
    time.advance(60_000);
    expect(sockets.urls).toHaveLength(1);
    expect(time.pending()).toBe(0);
  });

  it('a 503 on the upgrade is retried; stop() ends everything and later callbacks are ignored', () => {
    const { time, sockets, states, frames, conn } = setup();
    conn.start();
    const first = sockets.last();
    first.rejected(503, '');
    expect(states[states.length - 1]).toMatchObject({ state: 'disconnected', reason: 'server answered 503' });
    time.advance(1000);
    expect(sockets.urls).toHaveLength(2);
    first.message(frame(9)); // a late callback of the replaced socket
    expect(frames).toHaveLength(0);
    conn.stop();
    const n = states.length;
    sockets.last().open();
    sockets.last().close(1006, '');
    time.advance(60_000);
    expect(states.length).toBe(n);
    expect(sockets.urls).toHaveLength(2);
  });
});
