import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import { connect } from '../live/test-support/ws-client.js';

/**
 * Without ANALYTICS_API_KEY Pulse serves loopback callers only (CONTRACT §2). A web page the user happens to visit
 * runs in a browser on that loopback too: it must not read the live tail over a WebSocket (no CORS there), post
 * events with a no-preflight `text/plain` request, or reach the API by DNS rebinding (a foreign Host).
 */
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;

beforeAll(async () => {
  pulse = await startTestPulse({ corsOrigins: ['https://app.example'] });
});
afterAll(async () => {
  await pulse?.dispose();
});

/** A GET with the Host header given (fetch always sends the URL's). */
const getWithHost = (path: string, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(`${pulse.url}${path}`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

const count = async (): Promise<number> => Number((await pulse.store.query('SELECT count(*) AS n FROM events', []))[0]!.n);

describe('no-key loopback mode', () => {
  it('answers local callers: no Origin, a loopback Origin (the dashboard), or a listed one', async () => {
    expect((await getJson(`${pulse.url}/v1/query?measures=count`)).status).toBe(200);
    expect((await getJson(`${pulse.url}/v1/query?measures=count`, { origin: pulse.url })).status).toBe(200);
    expect((await getJson(`${pulse.url}/v1/query?measures=count`, { origin: 'http://localhost:3000' })).status).toBe(200);
    expect((await getJson(`${pulse.url}/v1/query?measures=count`, { origin: 'https://app.example' })).status).toBe(200);
    const ws = await connect(`${pulse.url.replace('http', 'ws')}/ws/events`, { origin: pulse.url });
    expect((await ws.next()).type).toBe('hello');
    ws.close();
  });

  it('refuses a foreign web page: its WebSocket, its simple POST, and a rebound Host', async () => {
    const err = await connect(`${pulse.url.replace('http', 'ws')}/ws/events`, { origin: 'http://evil.example' }).then(() => null, (e) => e);
    expect(err?.status).toBe(403);
    const before = await count();
    const post = await postJson(`${pulse.url}/v1/events`, '[{"type":"llm"}]', { origin: 'http://evil.example', 'content-type': 'text/plain' });
    expect(post.status).toBe(403);
    expect(post.json.error.message).toMatch(/ANALYTICS_API_KEY/);
    expect(await count()).toBe(before);
    expect((await getJson(`${pulse.url}/v1/query?measures=count`, { origin: 'null' })).status).toBe(403);
    expect(await getWithHost('/v1/query?measures=count', 'attacker.example:8000')).toBe(403);
    expect(await getWithHost('/v1/query?measures=count', 'localhost:8000')).toBe(200);
    expect(await getWithHost('/v1/query?measures=count', '[::1]:8000')).toBe(200);
    // The liveness probe stays public.
    expect(await getWithHost('/health', 'attacker.example:8000')).toBe(200);
  });
});
