import { connect, type Socket } from 'node:net';

/**
 * The abuse load of issue 9 item 6, shared by ops/abuse.test.ts (short) and benchmarks/operations.bench.ts
 * (60 s): `clients` concurrent clients, each of one kind, looping until the deadline, against a server at `url`,
 * while `/health` is probed every 100 ms.
 */
export type ClientKind = 'valid' | 'malformed' | 'oversized' | 'unauthorized' | 'slowloris';
const MIX: ClientKind[] = ['valid', 'valid', 'valid', 'valid', 'malformed', 'malformed', 'oversized', 'unauthorized', 'slowloris', 'slowloris'];

export interface AbuseOptions {
  url: string;
  key: string;
  clients: number;
  durationMs: number;
  /** Sampled every second (e.g. the server's RSS). */
  sample?: () => Promise<number | null>;
}

export interface AbuseReport {
  /** Status → count, per kind; `error` for requests that got no HTTP answer (connection reset after a 413, …). */
  statuses: Record<ClientKind, Record<string, number>>;
  /** Per valid client (`service` c<n>): events acknowledged with a 200, and events sent in requests with no clear answer. */
  acked: Map<string, number>;
  unsure: Map<string, number>;
  healthLatenciesMs: number[];
  healthFailures: number;
  samples: number[];
  slowConnectionsOpen: number;
}

const MALFORMED = [
  '{"events": [',
  '{"events": "nope"}',
  '[{"type": 5}]',
  '{"events": [{"type": "metric", "ts": "yesterday-ish"}]}',
  '\u0000\u0001binary',
  JSON.stringify({ events: [{ type: 'metric', input_tokens: -5 }] }),
];
const OVERSIZED = JSON.stringify({ events: [{ type: 'message', text: 'x'.repeat(6 * 1024 * 1024) }] });

export async function runAbuse(o: AbuseOptions): Promise<AbuseReport> {
  const deadline = performance.now() + o.durationMs;
  const statuses = Object.fromEntries(MIX.map((k) => [k, {}])) as AbuseReport['statuses'];
  const acked = new Map<string, number>();
  const unsure = new Map<string, number>();
  const count = (kind: ClientKind, status: string): void => {
    statuses[kind][status] = (statuses[kind][status] ?? 0) + 1;
  };
  const post = async (body: string, headers: Record<string, string>): Promise<string> => {
    try {
      const res = await fetch(`${o.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      await res.arrayBuffer();
      return String(res.status);
    } catch {
      return 'error';
    }
  };
  const auth = { authorization: `Bearer ${o.key}` };
  const sockets: Socket[] = [];

  const client = async (i: number): Promise<void> => {
    const kind = MIX[i % MIX.length]!;
    const service = `c${i}`;
    let seq = 0;
    while (performance.now() < deadline) {
      switch (kind) {
        case 'valid': {
          const events = Array.from({ length: 10 }, () => ({ type: 'metric', name: `${service}-${seq++}`, service, value: seq }));
          const status = await post(JSON.stringify({ events }), auth);
          count(kind, status);
          if (status === '200') acked.set(service, (acked.get(service) ?? 0) + events.length);
          else if (status === 'error' || status.startsWith('5')) unsure.set(service, (unsure.get(service) ?? 0) + events.length);
          break;
        }
        case 'malformed':
          count(kind, await post(MALFORMED[seq++ % MALFORMED.length]!, auth));
          break;
        case 'oversized':
          count(kind, await post(OVERSIZED, auth));
          break;
        case 'unauthorized':
          count(kind, await post('{"events":[{"type":"metric"}]}', seq++ % 2 ? { authorization: 'Bearer not-a-key' } : {}));
          break;
        case 'slowloris':
          count(kind, await slowBody(o.url, o.key, deadline, sockets));
          break;
      }
    }
  };

  const healthLatenciesMs: number[] = [];
  let healthFailures = 0;
  const health = (async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const ok = await fetch(`${o.url}/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status === 200, () => false);
      if (ok) healthLatenciesMs.push(performance.now() - t0);
      else healthFailures++;
      await sleep(100);
    }
  })();
  const samples: number[] = [];
  const sampler = (async () => {
    while (o.sample && performance.now() < deadline) {
      const v = await o.sample().catch(() => null);
      if (v !== null) samples.push(v);
      await sleep(1000);
    }
  })();

  await Promise.all([...Array.from({ length: o.clients }, (_, i) => client(i)), health, sampler]);
  const slowConnectionsOpen = sockets.filter((s) => !s.destroyed).length;
  for (const s of sockets) s.destroy();
  return { statuses, acked, unsure, healthLatenciesMs, healthFailures, samples, slowConnectionsOpen };
}

/**
 * Slowloris: headers announce a 64 KiB body, then a byte every 500 ms until the deadline; the request is
 * never completed by the client. Answers `slow` when the deadline came first, else the status the server sent
 * (e.g. 408 after its request timeout) or `closed`.
 */
function slowBody(url: string, key: string, deadline: number, sockets: Socket[]): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    let answer = '';
    let timer: NodeJS.Timeout | null = null;
    const finish = (r: string): void => {
      if (timer) clearInterval(timer);
      socket.destroy();
      resolve(r);
    };
    socket.on('data', (d) => (answer += String(d)));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed'));
    socket.on('connect', () => {
      socket.write(`POST /v1/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 65536\r\n\r\n{"events":[`);
      timer = setInterval(() => {
        if (performance.now() >= deadline) finish('slow');
        else socket.write(' ');
      }, 500);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of `values` (0–100). */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
