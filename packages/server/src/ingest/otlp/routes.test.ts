/** The OTLP routes over HTTP: encodings, errors and their OTLP Status bodies, limits, auth, backpressure. */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestPulse } from '../../test-support/pulse.js';
import { HttpError } from '../../http/errors.js';
import { decodeProtobufResponse, decodeProtobufStatus, encodeProtobufRequest } from './protobuf.js';
import { unreadable, unreadableAsync } from './routes.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const ADMIN = 'admin-key-for-otlp-route-tests';
let pulse: Pulse;
let ingestKey: string;
let readKey: string;
const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
const nowNs = (): string => `${Date.now() - 1000}000000`;

/** One resource with GenAI spans named `names` (JSON form; protobufjs' fromObject takes the same shape with bytes ids). */
function request(names: string[], opts: { session?: string; startNs?: (i: number) => string } = {}): Record<string, unknown> {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'routes-test' } }] },
      scopeSpans: [{
        scope: { name: 'manual' },
        spans: names.map((name, i) => ({
          traceId: '5b8efff798038103d269b633813fc60c',
          spanId: `eee19b7ec3c1b17${i}`,
          name,
          kind: 3,
          startTimeUnixNano: opts.startNs?.(i) ?? nowNs(),
          endTimeUnixNano: opts.startNs?.(i) ?? nowNs(),
          attributes: [
            { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
            { key: 'gen_ai.usage.input_tokens', value: { intValue: '12' } },
            { key: 'session.id', value: { stringValue: opts.session ?? 'routes' } },
          ],
          status: {},
        })),
      }],
    }],
  };
}

/** The same request in protobuf: ids as bytes. */
function protobufBody(json: Record<string, unknown>): Buffer {
  const copy = JSON.parse(JSON.stringify(json), (k, v) => (k === 'traceId' || k === 'spanId' ? Buffer.from(v as string, 'hex') : v));
  return Buffer.from(encodeProtobufRequest(copy));
}

const post = (path: string, body: Buffer | string, headers: Record<string, string>): Promise<Response> =>
  fetch(`${pulse.url}${path}`, { method: 'POST', headers, body });

const count = async (session: string): Promise<number> =>
  Number((await pulse.store.query(`SELECT count(*) AS n FROM events WHERE session_id = ?`, [session]))[0]!.n);

beforeAll(async () => {
  pulse = await startTestPulse({ apiKey: ADMIN });
  ingestKey = (await postJson(`${pulse.url}/v1/keys`, { project: 'otel', scope: 'ingest', name: 'i' }, auth(ADMIN))).json.key;
  readKey = (await postJson(`${pulse.url}/v1/keys`, { project: 'otel', scope: 'read', name: 'r' }, auth(ADMIN))).json.key;
});
afterAll(async () => {
  await pulse?.dispose();
});

describe('POST /v1/traces', () => {
  it('answers protobuf with an empty ExportTraceServiceResponse and JSON with {"partialSuccess":{}}', async () => {
    const pb = await post('/v1/traces', protobufBody(request(['a'], { session: 'ok-pb' })), { 'content-type': 'application/x-protobuf', ...auth(ingestKey) });
    expect(pb.status).toBe(200);
    expect(pb.headers.get('content-type')).toBe('application/x-protobuf');
    expect(Buffer.from(await pb.arrayBuffer())).toHaveLength(0);
    const js = await post('/v1/otlp/v1/traces', JSON.stringify(request(['a'], { session: 'ok-json' })), { 'content-type': 'application/json; charset=utf-8', ...auth(ingestKey) });
    expect(js.status).toBe(200);
    expect(await js.json()).toEqual({ partialSuccess: {} });
    expect(await count('ok-pb')).toBe(1);
    expect(await count('ok-json')).toBe(1);
    // An empty protobuf body is an empty request, which is fine.
    const empty = await post('/v1/traces', Buffer.alloc(0), { 'content-type': 'application/x-protobuf', ...auth(ingestKey) });
    expect(empty.status).toBe(200);
  });

  it('accepts gzip in both encodings', async () => {
    const pb = await post('/v1/traces', gzipSync(protobufBody(request(['a', 'b'], { session: 'gz-pb' }))), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', ...auth(ingestKey) });
    const js = await post('/v1/traces', gzipSync(JSON.stringify(request(['a'], { session: 'gz-json' }))), { 'content-type': 'application/json', 'content-encoding': 'gzip', ...auth(ingestKey) });
    expect([pb.status, js.status]).toEqual([200, 200]);
    expect(await count('gz-pb')).toBe(2);
    expect(await count('gz-json')).toBe(1);
  });

  it('reports rejected spans in partial_success (protobuf and JSON) and stores the others', async () => {
    const future = (i: number): string => (i === 1 ? `${Date.now() + 3 * 86_400_000}000000` : nowNs());
    const pb = await post('/v1/traces', protobufBody(request(['good', 'late', 'good2'], { session: 'partial-pb', startNs: future })), { 'content-type': 'application/x-protobuf', ...auth(ingestKey) });
    expect(pb.status).toBe(200);
    const res = decodeProtobufResponse(Buffer.from(await pb.arrayBuffer()));
    expect(res).toEqual({ rejectedSpans: 1, errorMessage: '1 span rejected; span "late" (span_id eee19b7ec3c1b171): ts: more than 24h in the future' });
    expect(await count('partial-pb')).toBe(2);
    const js = await post('/v1/traces', JSON.stringify(request(['late', 'good'], { session: 'partial-json', startNs: (i) => (i === 0 ? future(1) : nowNs()) })), { 'content-type': 'application/json', ...auth(ingestKey) });
    expect(await js.json()).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: expect.stringMatching(/^1 span rejected; span "late"/) } });
    expect(await count('partial-json')).toBe(1);
  });

  it('answers malformed protobuf with 400 and a google.rpc.Status naming the problem', async () => {
    const res = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0x01, 0x02]), { 'content-type': 'application/x-protobuf', ...auth(ingestKey) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = decodeProtobufStatus(Buffer.from(await res.arrayBuffer()));
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.message).toMatch(/^body: not a valid protobuf ExportTraceServiceRequest \(index out of range/);
    const asJson = await post('/v1/traces', JSON.stringify(request(['x'])), { 'content-type': 'application/x-protobuf', ...auth(ingestKey) });
    expect(asJson.status).toBe(400);
  });

  it('answers malformed JSON with 400 naming where, in a JSON Status that also has Pulse\'s error shape', async () => {
    const cases: [string, RegExp][] = [
      ['{"resourceSpans": [', /^body: not valid JSON/],
      ['[1, 2]', /^body: expected an ExportTraceServiceRequest object/],
      ['{"resourceSpans": {}}', /^resourceSpans: expected an array$/],
      [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'W47/95gDgQPSabYzgT/GDA==' }] }] }] }),
        /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected 32 hex characters \(OTLP\/JSON encodes ids as hex, not base64\)$/],
      [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: 'yesterday' }] }] }] }), /spans\[0\]\.startTimeUnixNano: expected Unix nanoseconds/],
      [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: [{ key: 'k', value: { intValue: 'x' } }] }] }] }] }), /attributes\[0\]\.value\.intValue: expected an integer/],
      ['', /^body: not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const res = await post('/v1/traces', body, { 'content-type': 'application/json', ...auth(ingestKey) });
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { code: number; message: string; error: { code: string; message: string } };
      expect(json.code).toBe(3);
      expect(json.message, body).toMatch(message);
      expect(json.error).toEqual({ code: 'malformed_body', message: json.message });
    }
  });

  it('415 for other content types, 415 for an unknown Content-Encoding, 400 for bad gzip', async () => {
    for (const ct of ['text/plain', 'application/x-ndjson']) {
      const res = await post('/v1/traces', '{}', { 'content-type': ct, ...auth(ingestKey) });
      expect(res.status, ct).toBe(415);
      expect(((await res.json()) as { message: string }).message).toMatch(/application\/x-protobuf or application\/json/);
    }
    const enc = await post('/v1/traces', '{}', { 'content-type': 'application/json', 'content-encoding': 'zstd', ...auth(ingestKey) });
    expect(enc.status).toBe(415);
    const badGz = await post('/v1/traces', 'not gzip', { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', ...auth(ingestKey) });
    expect(badGz.status).toBe(400);
    expect(decodeProtobufStatus(Buffer.from(await badGz.arrayBuffer())).message).toMatch(/gzip/);
  });

  it('413 above 5 MB, raw or after decompression', async () => {
    const big = await post('/v1/traces', Buffer.alloc(5 * 1024 * 1024 + 10, 0x20), { 'content-type': 'application/json', ...auth(ingestKey) });
    expect(big.status).toBe(413);
    const bomb = await post('/v1/traces', gzipSync(Buffer.alloc(6 * 1024 * 1024, 0x20)), { 'content-type': 'application/json', 'content-encoding': 'gzip', ...auth(ingestKey) });
    expect(bomb.status).toBe(413);
    expect(((await bomb.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('413 for more spans than 5 MB of spans with ids and times can hold, refused before they are decoded', async () => {
    // 1.5 M empty spans: 3 MB of protobuf, or 4.5 MB of JSON, that would take seconds and gigabytes to decode.
    const n = 1_500_000;
    const varint = (v: number): number[] => (v < 128 ? [v] : [(v % 128) | 128, ...varint(Math.floor(v / 128))]);
    const spans = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) spans[2 * i] = 0x12; // ScopeSpans.spans (field 2), length 0
    const scopeSpans = Buffer.concat([Buffer.from([0x12, ...varint(spans.length)]), spans]);
    const pb = Buffer.concat([Buffer.from([0x0a, ...varint(scopeSpans.length)]), scopeSpans]);
    const res = await post('/v1/traces', pb, { 'content-type': 'application/x-protobuf', ...auth(ingestKey) });
    expect(res.status).toBe(413);
    expect(decodeProtobufStatus(Buffer.from(await res.arrayBuffer())).message).toMatch(/^body: more than 100000 spans/);
    // Empty resources (ExportTraceServiceRequest.resource_spans, field 1, length 0) cost as much: they count too.
    const resources = await post('/v1/traces', Buffer.alloc(n * 2).fill(Buffer.from([0x0a, 0x00])), { 'content-type': 'application/x-protobuf', ...auth(ingestKey) });
    expect(resources.status).toBe(413);
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[${Array.from({ length: n }, () => '{}').join(',')}]}]}]}`;
    const js = await post('/v1/traces', json, { 'content-type': 'application/json', ...auth(ingestKey) });
    expect(js.status).toBe(413);
    expect(await js.json()).toMatchObject({ error: { code: 'payload_too_large', message: expect.stringMatching(/^body: more than 100000 spans/) } });
  });

  it('401 without or with an unknown key, 403 for a read key or another project — as OTLP Status bodies', async () => {
    const body = protobufBody(request(['a'], { session: 'auth' }));
    const pbHeaders = { 'content-type': 'application/x-protobuf' };
    const none = await post('/v1/traces', body, pbHeaders);
    expect(none.status).toBe(401);
    expect(decodeProtobufStatus(Buffer.from(await none.arrayBuffer()))).toEqual({ code: 16, message: expect.stringMatching(/missing API key/) });
    expect((await post('/v1/traces', body, { ...pbHeaders, ...auth('nope') })).status).toBe(401);
    const read = await post('/v1/traces', JSON.stringify(request(['a'])), { 'content-type': 'application/json', ...auth(readKey) });
    expect(read.status).toBe(403);
    expect(await read.json()).toMatchObject({ code: 7, error: { code: 'forbidden' } });
    expect((await post('/v1/traces?project=other', body, { ...pbHeaders, ...auth(ingestKey) })).status).toBe(403);
    // X-API-Key works too; an admin key picks the project.
    expect((await post('/v1/traces?project=otel-admin', body, { ...pbHeaders, 'x-api-key': ADMIN })).status).toBe(200);
    expect(await count('auth')).toBe(1);
  });
});

describe('backpressure and store failure, as on /v1/events', () => {
  it('429 with Retry-After when the write queue is full', async () => {
    const p = await startTestPulse({ ingest: { flushMaxEvents: 100_000, flushIntervalMs: 400, maxQueuedEvents: 1000, retryAfterSeconds: 2 } });
    try {
      const names = Array.from({ length: 800 }, (_, i) => `s${i}`);
      const body = protobufBody(request(names, { session: 'bp' }));
      const first = fetch(`${p.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      await new Promise((r) => setTimeout(r, 100));
      const other = protobufBody(request(names, { session: 'bp-other' }));
      const second = await fetch(`${p.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: other });
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('2');
      expect(decodeProtobufStatus(Buffer.from(await second.arrayBuffer())).code).toBe(8); // RESOURCE_EXHAUSTED
      expect((await first).status).toBe(200);
      expect(Number((await p.store.query(`SELECT count(*) AS n FROM events WHERE session_id = 'bp'`, []))[0]!.n)).toBe(800);
    } finally {
      await p.dispose();
    }
  });

  it('503 with Retry-After when the store cannot commit', async () => {
    const p = await startTestPulse();
    try {
      await p.store.close();
      const res = await fetch(`${p.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(['a'])) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ code: 14, error: { code: 'store_unavailable' } });
    } finally {
      await p.dispose().catch(() => undefined);
    }
  });
});

describe('a retried export (the same batch sent again) is stored once', () => {
  it('when the exporter resends while the first attempt is still committing (its timeout ran out first)', async () => {
    const p = await startTestPulse({ ingest: { flushMaxEvents: 100_000, flushIntervalMs: 300, maxQueuedEvents: 100_000, retryAfterSeconds: 1 } });
    try {
      const body = gzipSync(protobufBody(request(['a', 'b', 'c'], { session: 'retry-concurrent' })));
      const send = (): Promise<Response> => fetch(`${p.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body });
      const first = send();
      await new Promise((r) => setTimeout(r, 50));
      const [a, b] = await Promise.all([first, send()]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(Number((await p.store.query(`SELECT count(*) AS n FROM events WHERE session_id = 'retry-concurrent'`, []))[0]!.n)).toBe(3);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      // And once more, after both were answered.
      expect((await send()).status).toBe(200);
      expect(Number((await p.store.query(`SELECT count(*) AS n FROM events WHERE session_id = 'retry-concurrent'`, []))[0]!.n)).toBe(3);
    } finally {
      await p.dispose();
    }
  });

  it('when the first attempt was answered 503 by the commit timeout but its commit still went through', async () => {
    const p = await startTestPulse({ env: { PULSE_COMMIT_TIMEOUT_MS: '100' }, ingest: { flushMaxEvents: 1, flushIntervalMs: 0, maxQueuedEvents: 100_000, retryAfterSeconds: 1 } });
    try {
      const append = p.store.append.bind(p.store);
      let slow = true;
      // A commit that outlives the request's timeout and then succeeds (the abort came too late to roll it back).
      p.store.append = async (batch) => {
        if (slow) await new Promise((r) => setTimeout(r, 400));
        return append(batch);
      };
      const body = JSON.stringify(request(['x', 'y'], { session: 'retry-after-503' }));
      const send = (): Promise<Response> => fetch(`${p.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const first = await send();
      expect(first.status).toBe(503);
      slow = false;
      // The exporter retries after Retry-After: Pulse must not store the two spans a second time.
      await new Promise((r) => setTimeout(r, 500));
      const retry = await send();
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual({ partialSuccess: {} });
      expect(Number((await p.store.query(`SELECT count(*) AS n FROM events WHERE session_id = 'retry-after-503'`, []))[0]!.n)).toBe(2);
    } finally {
      await p.dispose();
    }
  });
});

describe('reading a request', () => {
  it('turns anything the decoder or mapper throws into a 400, never the commit path\'s retryable 503', () => {
    const err = (() => { try { unreadable(() => { throw new TypeError('x.map is not a function'); }); } catch (e) { return e; } return null; })();
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ statusCode: 400, code: 'malformed_body', message: expect.stringContaining('x.map is not a function') });
    const own = new HttpError(413, 'payload_too_large', 'too big');
    expect(() => unreadable(() => { throw own; })).toThrow(own);
    expect(unreadable(() => 42)).toBe(42);
  });

  it('does the same for work that yields on the way (a large batch prepared in slices)', async () => {
    await expect(unreadableAsync(async () => { throw new TypeError('x.map is not a function'); })).rejects.toMatchObject({ statusCode: 400, code: 'malformed_body' });
    const own = new HttpError(413, 'payload_too_large', 'too big');
    await expect(unreadableAsync(async () => { throw own; })).rejects.toBe(own);
    expect(await unreadableAsync(async () => 42)).toBe(42);
  });
});
