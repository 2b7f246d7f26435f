import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import { createConnection } from 'node:net';
import { CLOSE_GRACE_MS } from './shutdown.js';
import { connect } from './test-support/ws-client.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const ADMIN = 'admin-secret-for-live-tests';
const wsUrl = (p: Pulse, path: string, q = ''): string => `${p.url.replace('http', 'ws')}${path}?api_key=${ADMIN}${q}`;
const auth = { authorization: `Bearer ${ADMIN}` };

async function send(p: Pulse, events: unknown[], project = 'default', headers: Record<string, string> = auth): Promise<void> {
  const r = await postJson(`${p.url}/v1/events?project=${project}`, { events }, headers);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

describe('WS /ws/metrics', () => {
  let pulse: Pulse;
  beforeAll(async () => {
    pulse = await startTestPulse({ apiKey: ADMIN, live: { intervalMs: 250, tailMaxRate: 100 } });
  });
  afterAll(async () => pulse?.dispose());

  it('pushes seed 001\'s metrics_update with the values the events imply, and the API agrees', async () => {
    const c = await connect(wsUrl(pulse, '/ws/metrics'));
    const hello = await c.next((f) => f.type === 'hello');
    expect(hello).toMatchObject({ stream: 'metrics', project: 'default', filters: {}, interval_ms: 250 });
    const first = await c.next((f) => f.type === 'metrics_update');
    expect(first.data.events_seen).toBe(0);
    await send(pulse, [
      { type: 'llm', model: 'gpt-4o-mini', duration_ms: 1000, ttft_ms: 100, user_id: 'u1', input_tokens: 10, output_tokens: 20 },
      { type: 'llm', model: 'gpt-4o-mini', duration_ms: 2000, ttft_ms: 300, user_id: 'u2', status: 'error', error_type: 'Timeout' },
      { type: 'message', persona: 'scav', user_id: 'u1', guild: 'g1', sentiment: 0.4 },
      { type: 'message', persona: 'scav', user_id: 'u3', guild: 'g1', sentiment: 0 },
      { type: 'message', persona: 'dagoth_ur', user_id: 'u3', guild: 'g2', text: 'what a wonderful day' },
    ]);
    const f = await c.fresh((x) => x.type === 'metrics_update' && x.data.events_seen === 5);
    expect(Date.parse(f.timestamp)).toBeGreaterThan(Date.now() - 5000);
    const d = f.data;
    expect(d.active_users).toBe(3);
    expect(d.avg_response_time_ms).toBe(1500);
    expect(d.avg_ttft_ms).toBe(200);
    expect(d.error_rate).toBe(0.2);
    expect(d.personas.scav).toEqual({ messages: 2, sentiment: 0.2 });
    expect(d.personas.dagoth_ur.messages).toBe(1);
    expect(d.personas.dagoth_ur.sentiment).toBeGreaterThan(0); // computed from the text at ingest
    expect(d.system).toMatchObject({ active_guilds: 2, active_users: 3, total_messages_today: 3, current_response_time: '1.5s', bot_status: 'degraded' });
    expect(d.tokens_by_model['gpt-4o-mini']).toMatchObject({ input_tokens: 10, output_tokens: 20 });
    // The same numbers through the query API.
    const q = await getJson(`${pulse.url}/v1/query?measures=count,errors,unique_users&start_date=${new Date(Date.now() - 300_000).toISOString()}`, auth);
    expect(q.json.data[0]).toMatchObject({ count: 5, errors: 1, unique_users: 3 });
    c.close();
  });

  it('serves a filtered stream that counts only matching events', async () => {
    const c = await connect(wsUrl(pulse, '/ws/metrics', '&model=claude-3-haiku'));
    const hello = await c.next((f) => f.type === 'hello');
    expect(hello.filters).toEqual({ model: ['claude-3-haiku'] });
    const before = (await c.next((f) => f.type === 'metrics_update')).data;
    await send(pulse, [
      { type: 'llm', model: 'claude-3-haiku', duration_ms: 700, user_id: 'h1' },
      { type: 'llm', model: 'gpt-4o', duration_ms: 9000, user_id: 'h2' },
    ]);
    const f = await c.fresh((x) => x.type === 'metrics_update' && x.data.events_seen === before.events_seen + 1);
    expect(f.data.avg_response_time_ms).toBe(700);
    expect(f.data.active_users).toBe(1);
    c.close();
  });

  it('authenticates like the API: a missing or wrong key is refused, a project key reads only its project', async () => {
    const base = pulse.url.replace('http', 'ws');
    await expect(connect(`${base}/ws/metrics`)).rejects.toMatchObject({ status: 401 });
    await expect(connect(`${base}/ws/metrics?api_key=nope`)).rejects.toMatchObject({ status: 401 });
    const created = await postJson(`${pulse.url}/v1/keys`, { project: 'bot', scope: 'read', name: 'dash' }, auth);
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    await expect(connect(`${base}/ws/metrics?api_key=${key}&project=default`)).rejects.toMatchObject({ status: 403 });
    const ingestKey = (await postJson(`${pulse.url}/v1/keys`, { project: 'bot', scope: 'ingest' }, auth)).json.key as string;
    await expect(connect(`${base}/ws/metrics?api_key=${ingestKey}`)).rejects.toMatchObject({ status: 403 });
    const c = await connect(`${base}/ws/metrics?api_key=${key}`);
    expect((await c.next((f) => f.type === 'hello')).project).toBe('bot');
    await send(pulse, [{ type: 'message', persona: 'only-bot' }], 'bot');
    await send(pulse, [{ type: 'message', persona: 'only-default' }], 'default');
    const f = await c.fresh((x) => x.type === 'metrics_update' && x.data.events_seen >= 1);
    expect(Object.keys(f.data.personas)).toEqual(['only-bot']);
    c.close();
  });

  it('closes a socket whose key is revoked (1008), and only that one', async () => {
    const base = pulse.url.replace('http', 'ws');
    const make = async () => (await postJson(`${pulse.url}/v1/keys`, { project: 'bot', scope: 'read', name: 'dash' }, auth)).json as { id: string; key: string };
    const [doomed, kept] = [await make(), await make()];
    const a = await connect(`${base}/ws/metrics?api_key=${doomed.key}`);
    const b = await connect(`${base}/ws/metrics?api_key=${kept.key}`);
    const admin = await connect(`${base}/ws/metrics?api_key=${ADMIN}`);
    for (const c of [a, b, admin]) await c.next((f) => f.type === 'hello');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => a.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    expect((await fetch(`${pulse.url}/v1/keys/${doomed.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect(await closed).toEqual({ code: 1008, reason: 'API key revoked' });
    // The others stream on.
    await send(pulse, [{ type: 'message', persona: 'after-revoke' }], 'bot');
    await b.fresh((x) => x.type === 'metrics_update' && 'after-revoke' in x.data.personas);
    expect(b.ws.readyState).toBe(1);
    expect(admin.ws.readyState).toBe(1);
    b.close();
    admin.close();
  });

  it('answers 400 naming a bad parameter before the upgrade', async () => {
    await expect(connect(wsUrl(pulse, '/ws/metrics', '&interval_ms=5'))).rejects.toMatchObject({ status: 400, body: expect.stringContaining('interval_ms') });
    await expect(connect(wsUrl(pulse, '/ws/metrics', '&bogus=1'))).rejects.toMatchObject({ status: 400, body: expect.stringContaining('bogus') });
    const plain = await getJson(`${pulse.url}/ws/metrics`, auth);
    expect(plain.status).toBe(426);
  });
});

describe('WS /ws/events', () => {
  let pulse: Pulse;
  beforeAll(async () => {
    pulse = await startTestPulse({ apiKey: ADMIN, live: { intervalMs: 1000, tailMaxRate: 100 } });
  });
  afterAll(async () => pulse?.dispose());

  it('streams committed events matching the filters, without text unless the project stores it', async () => {
    const c = await connect(wsUrl(pulse, '/ws/events', '&status=error&persona=scav'));
    expect((await c.next((f) => f.type === 'hello')).filters).toEqual({ status: ['error'], persona: ['scav'] });
    const sentAt = Date.now();
    await send(pulse, [
      { type: 'message', persona: 'scav', status: 'error', error_type: 'Rate Limit', text: 'secret words', user_id: 'u9' },
      { type: 'message', persona: 'scav', status: 'ok' },
      { type: 'message', persona: 'toad', status: 'error' },
    ]);
    const f = await c.next((x) => x.type === 'events' && x.events.length > 0, 2000);
    expect(Date.now() - sentAt).toBeLessThan(2000);
    expect(f.events).toHaveLength(1);
    expect(f.events[0]).toMatchObject({ type: 'message', persona: 'scav', status: 'error', error_type: 'Rate Limit', user_id: 'u9' });
    expect(f.events[0].text).toBeUndefined();
    expect(f.events[0].project).toBeUndefined();
    expect(f.skipped).toBe(0);
    c.close();
  });

  it('caps each client\'s rate and reports how many it skipped', async () => {
    const c = await connect(wsUrl(pulse, '/ws/events', '&max_rate=5'));
    await c.next((f) => f.type === 'hello');
    await send(pulse, Array.from({ length: 40 }, (_, i) => ({ type: 'metric', name: `m${i}`, value: i })));
    const f = await c.next((x) => x.type === 'events' && x.events.length + x.skipped >= 40, 3000);
    // One second of burst: 5 events pass, the other 35 are counted.
    expect(f.events.map((e: { name: string }) => e.name)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(f.skipped).toBe(35);
    await expect(connect(wsUrl(pulse, '/ws/events', '&max_rate=100000'))).rejects.toMatchObject({ status: 400 });
    c.close();
  });
});

describe('live windows across a restart', () => {
  it('seeds from the store, so a restarted server does not read zeros', async () => {
    const first = await startTestPulse({ apiKey: ADMIN, live: { intervalMs: 250, tailMaxRate: 100 } });
    const dataDir = first.dataDir;
    await send(first, [
      { type: 'message', persona: 'scav', user_id: 'a', guild: 'g', sentiment: 0.5 },
      { type: 'message', persona: 'scav', user_id: 'b', guild: 'g', sentiment: -0.5 },
      { type: 'llm', duration_ms: 1200, ttft_ms: 100, user_id: 'a', status: 'error' },
      { type: 'llm', duration_ms: 800, ttft_ms: 300, user_id: 'c' },
      ...Array.from({ length: 30 }, (_, i) => ({ type: 'llm', duration_ms: 37 + i * 311.7, ttft_ms: i === 0 ? 0 : i * 13.1 })),
    ]);
    const c1 = await connect(wsUrl(first, '/ws/metrics'));
    const before = (await c1.next((f) => f.type === 'metrics_update' && f.data.events_seen === 34)).data;
    c1.close();
    await first.close();
    const second = await startTestPulse({ apiKey: ADMIN, dataDir, live: { intervalMs: 250, tailMaxRate: 100 } });
    try {
      const c2 = await connect(wsUrl(second, '/ws/metrics'));
      const after = (await c2.next((f) => f.type === 'metrics_update')).data;
      expect(after.events_seen).toBe(0);
      const same = ['active_users', 'avg_response_time_ms', 'avg_ttft_ms', 'error_rate', 'personas', 'tokens_by_model',
        'p50_response_time_ms', 'p95_response_time_ms', 'p99_response_time_ms', 'p95_ttft_ms'] as const;
      for (const k of same) {
        expect(after[k], k).toEqual(before[k]);
      }
      expect(after.system.total_messages_today).toBe(2);
      expect(after.system.error_rate_24h).toBe(before.system.error_rate_24h);
      expect(after.p95_response_time_ms).not.toBeNull();
      // New events after the restart are added on top of the seed, never twice.
      await send(second, [{ type: 'llm', duration_ms: 2000, user_id: 'd' }]);
      const next = (await c2.fresh((f) => f.type === 'metrics_update' && f.data.events_seen === 1)).data;
      const durations = [1200, 800, 2000, ...Array.from({ length: 30 }, (_, i) => 37 + i * 311.7)];
      expect(next.avg_response_time_ms).toBeCloseTo(durations.reduce((a, b) => a + b, 0) / durations.length, 0);
      expect(next.active_users).toBe(4);
      c2.close();
    } finally {
      await second.dispose();
    }
  });
});

describe('WEBSOCKET_COMPRESSION', () => {
  it('negotiates permessage-deflate only when enabled', async () => {
    for (const enabled of [true, false]) {
      const p = await startTestPulse({ websocketCompression: enabled });
      try {
        const c = await connect(`${p.url.replace('http', 'ws')}/ws/metrics`);
        expect(c.ws.extensions.includes('permessage-deflate')).toBe(enabled);
        expect((await c.next((f) => f.type === 'metrics_update')).project).toBe('default');
        c.close();
      } finally {
        await p.dispose();
      }
    }
  });
});

describe('live sockets at shutdown', () => {
  it('closes them with 1001 "going away", and cuts a client that never answers the close frame after the grace', async () => {
    const p = await startTestPulse();
    const polite = await connect(`${p.url.replace('http', 'ws')}/ws/metrics`);
    const code = new Promise<number>((resolve) => polite.ws.once('close', (c) => resolve(c)));
    // A raw client: it upgrades, then reads nothing and never answers the server's close frame.
    const u = new URL(p.url);
    const silent = createConnection(Number(u.port), u.hostname).on('error', () => {});
    const upgraded = new Promise<string>((resolve) => silent.once('data', (d) => resolve(d.toString('latin1'))));
    silent.write(`GET /ws/events HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    expect(await upgraded).toMatch(/^HTTP\/1\.1 101 /);
    const cut = new Promise<number>((resolve) => silent.once('close', () => resolve(Date.now())));
    const t0 = Date.now();
    await p.dispose();
    const closeMs = Date.now() - t0;
    expect(await code).toBe(1001);
    // Cut after CLOSE_GRACE_MS (1 s), not after ws's own 30-s closing timeout.
    expect((await cut) - t0).toBeGreaterThanOrEqual(CLOSE_GRACE_MS - 50);
    expect(closeMs).toBeLessThan(CLOSE_GRACE_MS + 15_000);
    silent.destroy();
  });
});
