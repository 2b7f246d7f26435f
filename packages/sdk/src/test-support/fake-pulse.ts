/**
 * A local stand-in for the Pulse ingest endpoint that misbehaves on cue. It decodes requests exactly as
 * CONTRACT.md §4 describes (gzip JSON `{events}`), honours `Idempotency-Key` the way the real server
 * does (a repeated key gets the stored answer and stores nothing), and records every attempt.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

export type Behaviour =
  | { kind: 'ok' }
  /** Closes the connection before reading the answer: a network error for the client. */
  | { kind: 'drop' }
  /** Stores the batch, then closes the connection: the client cannot know it was stored. */
  | { kind: 'store-then-drop' }
  /** Never answers (until the server closes). */
  | { kind: 'stall' }
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Rejects the events at these indexes with 207, stores the others. */
  | { kind: 'partial'; reject: number[] };

export interface Attempt {
  key: string | undefined;
  count: number;
  bodyHash: string;
  behaviour: Behaviour['kind'];
  status: number | null;
  at: number;
  authorization: string | undefined;
  contentEncoding: string | undefined;
}

export interface StoredBatchEvent {
  key: string | undefined;
  event: Record<string, unknown>;
}

export interface FakePulse {
  url: string;
  /** Decides how the n-th request (0-based) is treated; default every request is `ok`. */
  plan: (n: number, key: string | undefined) => Behaviour;
  honourKeys: boolean;
  attempts: Attempt[];
  stored: StoredBatchEvent[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakePulse(opts: { plan?: FakePulse['plan']; honourKeys?: boolean } = {}): Promise<FakePulse> {
  const answers = new Map<string, { status: number; body: unknown }>();
  const sockets = new Set<Socket>();
  let n = 0;
  const fake: FakePulse = {
    url: '',
    plan: opts.plan ?? (() => ({ kind: 'ok' })),
    honourKeys: opts.honourKeys ?? true,
    attempts: [],
    stored: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url !== '/v1/events') return send(res, 404, { error: { code: 'not_found', message: req.url } });
    const raw = await readBody(req);
    const key = req.headers['idempotency-key'] as string | undefined;
    const behaviour = fake.plan(n++, key);
    const json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    const events = (JSON.parse(json.toString('utf8')) as { events: Record<string, unknown>[] }).events;
    const attempt: Attempt = {
      key,
      count: events.length,
      bodyHash: createHash('sha256').update(raw).digest('hex'),
      behaviour: behaviour.kind,
      status: null,
      at: Date.now(),
      authorization: req.headers.authorization,
      contentEncoding: req.headers['content-encoding'],
    };
    fake.attempts.push(attempt);
    if (behaviour.kind === 'drop') return void req.socket.destroy();
    if (behaviour.kind === 'stall') return;
    if (behaviour.kind === 'status') {
      attempt.status = behaviour.status;
      const headers: Record<string, string> = behaviour.retryAfter ? { 'retry-after': behaviour.retryAfter } : {};
      return send(res, behaviour.status, { error: { code: 'fake', message: `planned ${behaviour.status}` } }, headers);
    }
    const previous = key !== undefined && fake.honourKeys ? answers.get(key) : undefined;
    if (previous) {
      attempt.status = previous.status;
      return send(res, previous.status, previous.body);
    }
    const reject = new Set(behaviour.kind === 'partial' ? behaviour.reject : []);
    const rejected: { index: number; error: string }[] = [];
    events.forEach((event, index) => {
      if (reject.has(index)) rejected.push({ index, error: 'value: planned rejection' });
      else fake.stored.push({ key, event });
    });
    const status = rejected.length > 0 ? 207 : 200;
    const body = { accepted: events.length - rejected.length, rejected };
    if (key !== undefined) answers.set(key, { status, body });
    if (behaviour.kind === 'store-then-drop') return void req.socket.destroy();
    attempt.status = status;
    send(res, status, body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 400, { error: { code: 'bad_request', message: String(err) } }));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
