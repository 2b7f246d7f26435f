import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestPulse } from '../test-support/pulse.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;
const T0 = Date.parse('2026-11-20T12:00:00Z');

beforeAll(async () => {
  pulse = await startTestPulse({ clock: { now: () => T0 + 3_600_000 } });
});
afterAll(async () => {
  await pulse?.dispose();
});

const count = async (where = 'true', params: (string | number)[] = []): Promise<number> => {
  const rows = await pulse.store.query(`SELECT count(*) AS n FROM events WHERE ${where}`, params);
  return Number(rows[0]!.n);
};

describe('POST /v1/events', () => {
  it('stores {events:[…]} durably and answers 200 with the count; enriches cost and sentiment, drops text', async () => {
    const r = await postJson(`${pulse.url}/v1/events`, {
      events: [
        { type: 'llm', ts: T0, model: 'gpt-4o-mini', provider: 'openai', input_tokens: 1_000_000, output_tokens: 1_000_000, duration_ms: 1200, user_id: 'u1', name: 'e1' },
        { type: 'message', ts: new Date(T0).toISOString(), persona: 'scav', text: 'I love this, it is wonderful and great', name: 'e2' },
        { type: 'llm', ts: T0, model: 'gpt-4o-mini', input_tokens: 10, output_tokens: 10, cost_usd: 0.5, name: 'e3' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ accepted: 3, rejected: [] });
    const rows = await pulse.store.query(`SELECT name, cost_usd, sentiment, text, status, project FROM events WHERE name IN ('e1','e2','e3') ORDER BY name`, []);
    // gpt-4o-mini list price: $0.15 per M input, $0.60 per M output.
    expect(rows[0]!.cost_usd).toBeCloseTo(0.75, 6);
    expect(rows[0]!.status).toBe('ok');
    expect(rows[0]!.project).toBe('default');
    expect(rows[1]!.sentiment as number).toBeGreaterThan(0.3);
    expect(rows[1]!.text).toBeNull();
    expect(rows[2]!.cost_usd).toBe(0.5); // a client-supplied cost wins
  });

  it('accepts a bare array, NDJSON, and gzip on the seed 004 alias', async () => {
    const a = await postJson(`${pulse.url}/v1/client/usage/log`, [{ type: 'llm', name: 'arr' }]);
    expect(a.json).toEqual({ accepted: 1, rejected: [] });
    const nd = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"type":"http","name":"nd1"}\n\n{"type":"http","name":"nd2"}\n' });
    expect(await nd.json()).toEqual({ accepted: 2, rejected: [] });
    const gz = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ events: [{ type: 'job', name: 'gz' }] })) });
    expect(await gz.json()).toEqual({ accepted: 1, rejected: [] });
    expect(await count(`name IN ('arr','nd1','nd2','gz')`)).toBe(4);
  });

  it('reports bad events by index with a 207 and stores the good ones', async () => {
    const r = await postJson(`${pulse.url}/v1/events`, [
      { type: 'llm', name: 'good-a' },
      { type: 'llm', input_tokens: -1 },
      { type: 'llm', name: 'good-b' },
      { type: 'llm', bogus: true },
      'not an object',
    ]);
    expect(r.status).toBe(207);
    expect(r.json.accepted).toBe(2);
    expect(r.json.rejected.map((x: { index: number }) => x.index)).toEqual([1, 3, 4]);
    expect(r.json.rejected[0].error).toMatch(/input_tokens/);
    expect(r.json.rejected[1].error).toMatch(/bogus/);
    expect(await count(`name IN ('good-a','good-b')`)).toBe(2);
  });

  it('answers malformed bodies with 400 and never 5xx', async () => {
    for (const body of ['{"events": [', '{"foo": 1}', '42', 'null']) {
      const r = await postJson(`${pulse.url}/v1/events`, body);
      expect(r.status, body).toBe(400);
      expect(r.json.error.code).toBe('malformed_body');
    }
    const empty = await postJson(`${pulse.url}/v1/events`, '');
    expect(empty.status).toBe(400);
    const nd = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"type":"http"}\n{oops\n' });
    expect(nd.status).toBe(400);
    expect(((await nd.json()) as { error: { message: string } }).error.message).toMatch(/line 2/);
    const badGz = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip' });
    expect(badGz.status).toBe(400);
    const enc = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd-ish' }, body: '[]' });
    expect(enc.status).toBe(415);
  });

  it('answers 413 above 10,000 events or 5 MB, including a gzip bomb, and stores nothing from them', async () => {
    const many = Array.from({ length: 10_001 }, () => ({ type: 'metric', name: 'too-many' }));
    const r1 = await postJson(`${pulse.url}/v1/events`, { events: many });
    expect(r1.status).toBe(413);
    const big = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'huge', attributes: { a: 'x'.repeat(1000) } }], pad: 'y'.repeat(5 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const bomb = gzipSync(Buffer.from('[' + ' '.repeat(6 * 1024 * 1024) + ']'));
    const r3 = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(r3.status).toBe(413);
    expect(await count(`name IN ('too-many','huge')`)).toBe(0);
  });

  it('accepts exactly 10,000 events', async () => {
    const r = await postJson(`${pulse.url}/v1/events`, Array.from({ length: 10_000 }, (_, i) => ({ type: 'metric', name: 'exactly', value: i })));
    expect(r.json).toEqual({ accepted: 10_000, rejected: [] });
    const rows = await pulse.store.query(`SELECT count(*) AS n, sum(value) AS s FROM events WHERE name = 'exactly'`, []);
    expect(rows[0]).toEqual({ n: 10_000, s: (9_999 * 10_000) / 2 });
  });

  it('stores a retried request once (Idempotency-Key), sequentially and concurrently', async () => {
    const body = { events: [{ type: 'llm', name: 'idem' }, { type: 'llm', input_tokens: -5 }] };
    const h = { 'idempotency-key': 'batch-0001' };
    const first = await postJson(`${pulse.url}/v1/events`, body, h);
    const second = await postJson(`${pulse.url}/v1/events`, body, h);
    expect(first.status).toBe(207);
    expect(second.status).toBe(207);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => postJson(`${pulse.url}/v1/events`, { events: [{ type: 'llm', name: 'idem-c' }] }, { 'idempotency-key': 'batch-0002' })));
    expect(concurrent.every((r) => r.status === 200 && r.json.accepted === 1)).toBe(true);
    expect(await count(`name = 'idem'`)).toBe(1);
    expect(await count(`name = 'idem-c'`)).toBe(1);
    // The key is per project: the same key in another project is a different request.
    await postJson(`${pulse.url}/v1/events?project=other`, body, h);
    expect(await count(`name = 'idem'`)).toBe(2);
    const bad = await postJson(`${pulse.url}/v1/events`, body, { 'idempotency-key': 'x'.repeat(300) });
    expect(bad.status).toBe(400);
    const empty = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'llm', name: 'idem-empty' }] }, { 'idempotency-key': '' });
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toMatch(/^Idempotency-Key: empty/);
    expect(await count(`name = 'idem-empty'`)).toBe(0);
  });

  it('refuses a key reused with another body (422, nothing stored), and replays the same body however it is compressed', async () => {
    const h = { 'idempotency-key': 'batch-reused' };
    const first = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'llm', name: 'reuse-1' }] }, h);
    expect(first.status).toBe(200);
    const other = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'llm', name: 'reuse-2' }, { type: 'llm', name: 'reuse-2' }] }, h);
    expect(other.status).toBe(422);
    expect(other.json.error).toEqual({ code: 'idempotency_key_reused', message: expect.stringMatching(/^Idempotency-Key: already used with a different body/) });
    expect(await count(`name = 'reuse-2'`)).toBe(0);
    expect(await (await fetch(`${pulse.url}/metrics`)).text()).toContain('pulse_ingest_requests_total{endpoint="/v1/events",outcome="key_reused"} 1');
    // The same JSON gzip'd again with a time in its header (as Python's gzip module writes): the same request.
    const json = Buffer.from(JSON.stringify({ events: [{ type: 'llm', name: 'reuse-1' }] }));
    const stamped = gzipSync(json);
    stamped.writeUInt32LE(1_700_000_000, 4);
    const retry = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { ...h, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: stamped });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(first.json);
    expect(await count(`name = 'reuse-1'`)).toBe(1);
  });

  it('tags rows with the project and defaults ts to the server clock', async () => {
    await postJson(`${pulse.url}/v1/events?project=proj-a`, [{ type: 'user', name: 'proj-row' }]);
    const rows = await pulse.store.query(`SELECT project, ts FROM events WHERE name = 'proj-row'`, []);
    expect(rows).toEqual([{ project: 'proj-a', ts: T0 + 3_600_000 }]);
    const bad = await postJson(`${pulse.url}/v1/events?project=Bad%20Name`, [{ type: 'user' }]);
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/project/);
  });
});

  it('an empty or unparseable Content-Type is a 415 naming the header and its value', async () => {
    for (const [ct, message] of [
      ['', 'Content-Type: empty; send application/json'],
      ['garbage', 'Content-Type: "garbage" is not supported; send application/json'],
    ] as const) {
      for (const path of ['/v1/events', '/v1/keys']) {
        const res = await fetch(`${pulse.url}${path}`, { method: 'POST', headers: { 'content-type': ct }, body: '{"events":[]}' });
        expect(res.status).toBe(415);
        expect(await res.json()).toEqual({ error: { code: 'unsupported_media_type', message } });
      }
    }
  });

describe('backpressure and store failure', () => {
  it('answers 429 with Retry-After when the write queue is full', async () => {
    const p = await startTestPulse({ ingest: { flushMaxEvents: 100_000, flushIntervalMs: 400, maxQueuedEvents: 1000, retryAfterSeconds: 2 } });
    try {
      const batch = Array.from({ length: 800 }, () => ({ type: 'metric', name: 'bp' }));
      const first = postJson(`${p.url}/v1/events`, batch);
      await new Promise((r) => setTimeout(r, 100));
      const second = await postJson(`${p.url}/v1/events`, batch);
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('2');
      expect((await first).status).toBe(200);
      const rows = await p.store.query(`SELECT count(*) AS n FROM events WHERE name = 'bp'`, []);
      expect(rows[0]!.n).toBe(800);
    } finally {
      await p.dispose();
    }
  });

  it('answers a retry whose Idempotency-Key is still held by a stalled commit with 503 within the commit time limit', async () => {
    const p = await startTestPulse({ env: { LOG_LEVEL: 'warn', PULSE_COMMIT_TIMEOUT_MS: '200' } });
    const store = p.store as { append: typeof p.store.append };
    const append = store.append.bind(p.store);
    let stalls = 1;
    // The first commit stalls for 3 s before reaching the store (as behind a hung fsync), then goes on.
    store.append = async (batch, options) => {
      if (stalls-- > 0) await new Promise((r) => setTimeout(r, 3_000));
      return append(batch, options);
    };
    try {
      const h = { 'idempotency-key': 'stalled-0001' };
      const first = await postJson(`${p.url}/v1/events`, [{ type: 'metric', name: 'stalled' }], h);
      expect(first.status).toBe(503);
      const started = performance.now();
      const retry = await postJson(`${p.url}/v1/events`, [{ type: 'metric', name: 'stalled' }], h);
      expect(retry.status).toBe(503);
      expect(retry.headers.get('retry-after')).toBe('1');
      expect(retry.json.error.message).toMatch(/Idempotency-Key/);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await p.dispose();
    }
  });

  it('answers 503 with Retry-After when the store cannot commit', async () => {
    const p = await startTestPulse();
    try {
      await p.store.close(); // the store is gone underneath the server
      const r = await postJson(`${p.url}/v1/events`, [{ type: 'metric' }]);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.json.error.code).toBe('store_unavailable');
    } finally {
      await p.dispose().catch(() => undefined);
    }
  });
});
