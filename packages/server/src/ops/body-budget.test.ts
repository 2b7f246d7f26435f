import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyBudget } from './body-budget.js';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

describe('BodyBudget', () => {
  it('takes bytes up to its limit, refuses past it without taking, and gives them back', () => {
    const b = new BodyBudget(1_000);
    expect(b.take(600)).toBe(true);
    expect(b.fits(400)).toBe(true);
    expect(b.fits(401)).toBe(false);
    expect(b.take(500)).toBe(false);
    expect(b.inUse).toBe(600);
    b.release(600);
    expect(b.inUse).toBe(0);
    // Held alone, a body larger than the whole budget still fits: slowed down, never refused for ever.
    expect(b.take(5_000)).toBe(true);
    expect(b.take(1)).toBe(false);
    expect(new BodyBudget(0).take(1e12)).toBe(true);
  });
});

/** A real server with a 1 MiB budget; a raw socket plays the client that holds part of it. */
const ADMIN = 'admin-secret-for-body-budget-tests';
const bearer = { authorization: `Bearer ${ADMIN}` };
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let running: Pulse | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await running?.dispose();
  running = null;
});

/** A `{"events": [...]}` body of about `bytes` bytes: metric events named `name`. */
function body(name: string, bytes: number): string {
  const one = JSON.stringify({ type: 'metric', name, value: 1, attributes: { pad: 'x'.repeat(200) } });
  return JSON.stringify({ events: Array.from({ length: Math.ceil(bytes / (one.length + 1)) }, () => JSON.parse(one)) });
}

/** Announces `announced` bytes on /v1/events and sends `sent` of them, then waits (a slow client holding a body). */
function holdBody(url: string, announced: number, sent: number): Promise<void> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), '127.0.0.1', () => {
      s.write(`POST /v1/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${ADMIN}\r\ncontent-type: application/json\r\ncontent-length: ${announced}\r\n\r\n`);
      s.write(Buffer.alloc(sent, 0x20), () => resolve());
    });
    s.on('error', () => undefined);
    sockets.push(s);
  });
}

/** Sends `payload` until the answer is not `whileStatus` (the server reads a held body asynchronously). */
async function postUntil(url: string, payload: string | Buffer, headers: Record<string, string>, whileStatus: number): Promise<{ status: number; json: any; headers: Headers }> {
  for (let i = 0; ; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer, ...headers }, body: payload });
    const text = await res.text();
    const answer = { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : text, headers: res.headers };
    if (answer.status !== whileStatus || i === 100) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const count = async (pulse: Pulse, name: string): Promise<number> =>
  (await getJson(`${pulse.url}/v1/query?measures=count&name=${name}`, bearer)).json.data[0].count;

describe('ingest bodies held at once (PULSE_INGEST_INFLIGHT_MB)', () => {
  it('answers 503 overloaded with Retry-After past the budget, lets smaller bodies through, and frees the budget when a body is done', async () => {
    const pulse = (running = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, PULSE_INGEST_INFLIGHT_MB: '1' } }));
    const events = `${pulse.url}/v1/events`;
    // A slow client holds 600 KB of a 900 KB body.
    await holdBody(pulse.url, 900_000, 600_000);
    // 500 KB more would pass 1 MiB: refused before its body is read. (A malformed body: 400 whenever it got through.)
    const refused = await postUntil(events, `{"events": [${' '.repeat(500_000)}`, {}, 400);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('connection')).toBe('close');
    expect(refused.json.error.code).toBe('overloaded');
    expect(refused.json.error.message).toMatch(/PULSE_INGEST_INFLIGHT_MB/);
    // The OTLP routes share the budget.
    const otlp = await fetch(`${pulse.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer }, body: `{"resourceSpans": [${' '.repeat(500_000)}]}` });
    expect(otlp.status).toBe(503);
    expect(otlp.headers.get('retry-after')).toBe('1');
    // A small body fits beside it and is stored.
    expect((await postJson(events, body('small', 2_000), bearer)).status).toBe(200);
    // A gzip body small on the wire but 500 KB once decompressed is counted at its decompressed size.
    const zipped = gzipSync(body('zipped', 500_000));
    expect(zipped.length).toBeLessThan(50_000);
    const unzipped = await postUntil(events, zipped, { 'content-encoding': 'gzip' }, 200);
    expect(unzipped.status).toBe(503);
    expect(unzipped.json.error.code).toBe('overloaded');
    // The slow client goes away: its bytes are given back, and the 500 KB bodies get through.
    for (const s of sockets.splice(0)) s.destroy();
    expect((await postUntil(events, body('large', 500_000), {}, 503)).status).toBe(200);
    expect((await postUntil(events, zipped, { 'content-encoding': 'gzip' }, 503)).status).toBe(200);
    const sent = (name: string, bytes: number): number => JSON.parse(body(name, bytes)).events.length;
    expect(await count(pulse, 'small')).toBe(sent('small', 2_000));
    expect(await count(pulse, 'large')).toBe(sent('large', 500_000));
    expect(await count(pulse, 'zipped')).toBe(sent('zipped', 500_000));
  });

  it('stops a body sent without Content-Length once it passes the budget, and keeps nothing of it held', async () => {
    const pulse = (running = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, PULSE_INGEST_INFLIGHT_MB: '1' } }));
    await holdBody(pulse.url, 900_000, 600_000);
    // Chunked: 800 KB in 16 KB pieces, counted as they arrive.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const piece = Buffer.alloc(16_384, 0x20);
      let sent = 0;
      const more = (): void => {
        while (sent < 800_000) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once('drain', more);
        }
        req.end();
      };
      more();
    });
    expect(status).toBe(503);
    // Once the slow client is gone, a body of the whole budget's size gets through: nothing of the stopped one is held.
    for (const s of sockets.splice(0)) s.destroy();
    expect((await postUntil(`${pulse.url}/v1/events`, body('after', 1_000_000), {}, 503)).status).toBe(200);
  });

  it('lets a body larger than the whole budget through when it is the only one held', async () => {
    const pulse = (running = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, PULSE_INGEST_INFLIGHT_MB: '1' } }));
    // 2 MB (under the 5 MiB and 10,000-event limits) against a 1 MiB budget, nothing else held: never refused for ever.
    const big = body('big', 2_000_000);
    const r = await postUntil(`${pulse.url}/v1/events`, big, {}, 503);
    expect(r.status).toBe(200);
    expect(await count(pulse, 'big')).toBe(JSON.parse(big).events.length);
  });
});
