import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { EventInput } from '@pulse/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { intensity, MEAN_INTENSITY } from '../../synthetic/index.js';
import { retryAfterMs } from './batch-sender.js';
import { runDemo } from './run-demo.js';
import type { DemoOptions } from './run-demo.js';

interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  url: string;
  events: EventInput[];
}
type Reply = (req: Received, n: number) => { status: number; headers?: Record<string, string>; body: unknown };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A stand-in ingest endpoint: decodes gzip'd JSON, records every request, answers with `reply`. */
async function ingestServer(reply: Reply = (r) => ({ status: 200, body: { accepted: r.events.length, rejected: [] } })): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      const rec: Received = { at: Date.now(), headers: req.headers, url: req.url ?? '', events: (JSON.parse(text) as { events: EventInput[] }).events };
      requests.push(rec);
      const out = reply(rec, requests.length);
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
      res.end(JSON.stringify(out.body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

const base: Omit<DemoOptions, 'url'> = { rate: 0, durationS: 0.2, backfillHours: 0, seed: 3, tty: false, progressIntervalMs: 100, utcOffsetMinutes: 0 };

describe('runDemo', () => {
  it('backfills history, then streams live traffic, with gzip, auth and one idempotency key per batch', async () => {
    const srv = await ingestServer();
    const out = sink();
    const t0 = Date.now();
    const s = await runDemo({ ...base, url: srv.url, key: 'k-123', project: 'demo', rate: 40, durationS: 1.5, backfillHours: 1, backfillEvents: 12_000, batchSize: 5_000 }, out.stream);
    const t1 = Date.now();

    // Two requests are in flight at once, so batches may arrive out of order: order them by key.
    const seq = (r: Received): number => Number(String(r.headers['idempotency-key']).split('-').at(-1));
    const ordered = [...srv.requests].sort((a, b) => seq(a) - seq(b));
    const received = ordered.flatMap((r) => r.events);
    expect(s.stoppedBy).toBe('duration');
    expect(s.backfilled).toBe(12_000);
    expect(received).toHaveLength(s.sent);
    expect(s.sent).toBe(s.backfilled + s.live);
    expect(s.accepted).toBe(s.sent);
    expect([s.rejected, s.errors, s.retries]).toEqual([0, 0, 0]);
    expect(ordered.slice(0, 3).map((r) => r.events.length)).toEqual([5_000, 5_000, 2_000]);
    expect(ordered.map(seq)).toEqual(ordered.map((_, i) => i + 1));
    for (const r of srv.requests) {
      expect(r.url).toBe('/v1/events?project=demo');
      expect(r.headers.authorization).toBe('Bearer k-123');
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(r.headers['content-type']).toBe('application/json');
    }
    const keys = srv.requests.map((r) => r.headers['idempotency-key']);
    expect(keys.every((k) => typeof k === 'string' && k.length > 8)).toBe(true);
    expect(new Set(keys).size).toBe(srv.requests.length);

    const history = received.slice(0, 12_000).map((e) => e.ts as number);
    expect(history[0]!).toBeGreaterThanOrEqual(t0 - 3_600_000);
    expect(history.at(-1)!).toBeLessThanOrEqual(t1);
    expect(history.every((ts, i) => i === 0 || ts >= history[i - 1]!)).toBe(true);
    // Live: the rate follows the diurnal curve (local time = UTC here) over the 1.5 s.
    const expected = (40 * intensity(t0, 0) * 1.5) / MEAN_INTENSITY;
    expect(s.live).toBeGreaterThanOrEqual(Math.floor(expected * 0.8) - 1);
    expect(s.live).toBeLessThanOrEqual(Math.ceil(expected * 1.2) + 1);
    expect(received.slice(12_000).every((e) => (e.ts as number) >= t0 && (e.ts as number) <= t1)).toBe(true);

    expect(out.text()).toMatch(/\[(backfill \d+%|live ~\d+\/s)\] sent [\d,]+ · [\d,]+ ev\/s · accepted/);
    expect(out.text()).toContain(`accepted ${s.accepted.toLocaleString('en-US')} · rejected 0 · errors 0`);
    expect(out.text()).not.toContain('\r');
  });

  it('retries a 429 after its Retry-After, with the same idempotency key', async () => {
    const srv = await ingestServer((r, n) => n === 1
      ? { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'overloaded', message: 'write queue full' } } }
      : { status: 200, body: { accepted: r.events.length, rejected: [] } });
    const s = await runDemo({ ...base, url: srv.url, backfillHours: 1, backfillEvents: 300 }, sink().stream);
    expect(srv.requests).toHaveLength(2);
    const [first, second] = srv.requests as [Received, Received];
    expect(second.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.events).toEqual(first.events);
    expect([s.sent, s.accepted, s.retries, s.requests, s.errors]).toEqual([300, 300, 1, 2, 0]);
  });

  it('counts per-event rejections from a 207 and reports the first reason', async () => {
    const srv = await ingestServer((r) => ({ status: 207, body: { accepted: r.events.length - 1, rejected: [{ index: 0, error: 'type: must match pattern' }] } }));
    const out = sink();
    const s = await runDemo({ ...base, url: srv.url, backfillHours: 2, backfillEvents: 2_500, batchSize: 1_000 }, out.stream);
    expect(srv.requests).toHaveLength(3);
    expect([s.accepted, s.rejected]).toEqual([2_497, 3]);
    expect(s.firstRejection).toBe('event 0: type: must match pattern');
    expect(out.text()).toContain('first rejection: event 0: type: must match pattern');
  });

  it('stops cleanly on abort, sends what it generated, and redraws one line on a TTY', async () => {
    const srv = await ingestServer();
    const out = sink();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 700);
    const t0 = Date.now();
    const s = await runDemo({ ...base, url: srv.url, rate: 300, durationS: 0, tty: true }, out.stream, ac.signal);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(s.stoppedBy).toBe('signal');
    expect(s.live).toBeGreaterThan(0);
    expect(srv.requests.flatMap((r) => r.events)).toHaveLength(s.sent);
    expect(s.accepted).toBe(s.sent);
    expect(out.text()).toContain('\r\x1b[K[live');
    expect(out.text()).toContain('pulse demo stopped after');
  });

  it('stops with a clear error when the key is refused or no server answers', async () => {
    const srv = await ingestServer(() => ({ status: 401, body: { error: { code: 'unauthorized', message: 'missing or unknown API key' } } }));
    const refused = await runDemo({ ...base, url: srv.url, rate: 100, durationS: 5, backfillHours: 1, backfillEvents: 20_000, batchSize: 1_000, concurrency: 1 }, sink().stream);
    expect(refused.stoppedBy).toBe('error');
    expect(refused.error).toMatch(/refused the key \(401: missing or unknown API key\)/);
    expect(srv.requests).toHaveLength(1);
    expect(refused.accepted).toBe(0);

    const closed = srv.url;
    await new Promise((r) => servers.pop()!.close(r));
    const down = await runDemo({ ...base, url: closed, rate: 100, durationS: 5 }, sink().stream);
    expect(down.stoppedBy).toBe('error');
    expect(down.error).toMatch(/cannot reach .*ECONNREFUSED/);
  });
});

describe('runDemo with a request the server refuses as such', () => {
  it('stops at the first 400 or 404 (a bad --project, a URL that is not Pulse) instead of failing every batch alike', async () => {
    const srv = await ingestServer(() => ({ status: 400, body: { error: { code: 'invalid_parameter', message: 'project: must match ^[a-z0-9][a-z0-9_-]{0,63}$' } } }));
    const s = await runDemo({ ...base, url: srv.url, project: 'Bad Name', rate: 100, durationS: 5, backfillHours: 1, backfillEvents: 20_000, batchSize: 1_000, concurrency: 1 }, sink().stream);
    expect(s.stoppedBy).toBe('error');
    expect(s.error).toMatch(/refused the request \(400: project: must match/);
    expect(srv.requests).toHaveLength(1);
    expect(s.elapsedMs).toBeLessThan(4_000);

    const notPulse = await ingestServer(() => ({ status: 404, body: { message: 'Route POST:/v1/events not found' } }));
    const t = await runDemo({ ...base, url: notPulse.url, rate: 100, durationS: 5 }, sink().stream);
    expect(t.stoppedBy).toBe('error');
    expect(t.error).toMatch(/404/);
    expect(notPulse.requests).toHaveLength(1);
  });
});

describe('runDemo against a server that goes away', () => {
  it('stops once retries are exhausted instead of failing every remaining batch slowly', async () => {
    const srv = await ingestServer((r, n) => {
      if (n === 1) setImmediate(() => { const s = servers.pop()!; s.close(); s.closeAllConnections(); });
      return { status: 200, body: { accepted: r.events.length, rejected: [] } };
    });
    const t0 = Date.now();
    const s = await runDemo({ ...base, url: srv.url, backfillHours: 1, backfillEvents: 10_000, batchSize: 1_000, concurrency: 1, maxAttempts: 3 }, sink().stream);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(s.stoppedBy).toBe('error');
    expect(s.error).toMatch(/lost the server at .*ECONNREFUSED after 3 attempts/);
    expect(srv.requests).toHaveLength(1);
    expect([s.accepted, s.errors, s.lost]).toEqual([1_000, 1, 1_000]);
    expect(s.backfilled).toBeLessThan(10_000);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP-dates, and ignores junk', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
