/**
 * A misbehaving hop in front of a real Pulse server: forwards requests unchanged, or drops them, or
 * forwards and then cuts the client off before it sees the answer (so the server stored the batch but
 * the client cannot know), or answers 503 itself. Exactly-once then rests on the real server's
 * Idempotency-Key handling.
 */
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ProxyBehaviour = 'forward' | 'drop' | 'forward-then-drop' | 'unavailable';

export interface FlakyProxy {
  url: string;
  plan: (n: number) => ProxyBehaviour;
  seen: { behaviour: ProxyBehaviour; key: string | undefined; status: number | null }[];
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(target: URL, req: IncomingMessage, payload: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (res) => {
      body(res).then(
        (b) => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: b }),
        reject,
      );
    });
    out.on('error', reject);
    out.end(payload);
  });
}

export async function startFlakyProxy(targetUrl: string, plan: FlakyProxy['plan'] = () => 'forward'): Promise<FlakyProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let n = 0;
  const proxy: FlakyProxy = {
    url: '',
    plan,
    seen: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const payload = await body(req);
      const behaviour = proxy.plan(n++);
      const entry = { behaviour, key: req.headers['idempotency-key'] as string | undefined, status: null as number | null };
      proxy.seen.push(entry);
      if (behaviour === 'drop') return void req.socket.destroy();
      if (behaviour === 'unavailable') {
        entry.status = 503;
        return void res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"error":{"code":"unavailable","message":"proxy"}}');
      }
      const answer = await forward(target, req, payload);
      entry.status = answer.status;
      if (behaviour === 'forward-then-drop') return void req.socket.destroy();
      const { 'transfer-encoding': _te, connection: _c, 'content-length': _cl, ...headers } = answer.headers;
      res.writeHead(answer.status, headers).end(answer.body);
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
