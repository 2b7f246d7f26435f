import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { extractKey } from '../http/auth.js';
import { badRequest, HttpError } from '../http/errors.js';
import { hashSecret } from '../keys/secrets.js';
import type { MetaStore } from '../store/types.js';
import type { AppDeps } from '../http/types.js';
import { parseReadParams } from '../query/params.js';
import type { Filter } from '../query/types.js';
import { filtersObject } from './filters.js';
import type { HelloFrame } from './messages.js';
import { TooManyWindowsError, type MetricsHub } from './metrics-hub.js';
import { Heartbeat, type LiveSocket } from './socket.js';
import { closeLiveSockets } from './shutdown.js';
import type { TailHub } from './tail-hub.js';

export interface LiveDeps extends AppDeps {
  metricsHub: MetricsHub;
  tailHub: TailHub;
}

const intParam = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,6}$/.test(value)) throw badRequest(name, `must be an integer from ${min} to ${max}`);
  const n = Number(value);
  if (n < min || n > max) throw badRequest(name, `must be an integer from ${min} to ${max}`);
  return n;
};

/**
 * `WS /ws/metrics` and `WS /ws/events`. Authentication (read scope, `?api_key=` accepted) and the
 * parameters are checked before the upgrade, so a bad key or filter gets an ordinary 4xx; after it,
 * the socket only receives. Filters are the query API's (`model=…&persona=…&status=error`).
 */
export async function registerLiveRoutes(app: FastifyInstance, deps: LiveDeps): Promise<void> {
  await app.register(websocket, {
    options: { perMessageDeflate: deps.config.websocketCompression, maxPayload: 64 * 1024 },
    // The default sends close frames and lets the HTTP server's close wait for every handshake (up to 30 s each).
    preClose: async function (this: FastifyInstance) {
      await closeLiveSockets(this.websocketServer.clients);
      this.websocketServer.close();
    },
  });
  // A refused upgrade (401, 403, 400…) is answered over the raw socket, which nothing else would close:
  // left open it would hold the server's shutdown (and a file descriptor) for as long as the client likes.
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket') request.raw.socket?.destroy();
  });
  const heartbeat = new Heartbeat();
  app.addHook('onClose', async () => heartbeat.stop());
  const revocations = watchRevocations(deps.meta);
  app.addHook('onClose', async () => revocations.stop());
  const now = (): number => deps.clock.now();

  /**
   * One live route: `prepare` parses the parameters and does any async set-up before the upgrade (its
   * errors are ordinary HTTP answers); `open` attaches the socket after the hello frame and returns
   * what to do when it closes.
   */
  function liveRoute<P>(
    stream: HelloFrame['stream'],
    controls: Record<string, 'single'>,
    prepare: (project: string, filters: readonly Filter[], controls: Record<string, string | undefined>) => Promise<P>,
    hello: (p: P) => Partial<HelloFrame>,
    open: (socket: LiveSocket, p: P, project: string, filters: readonly Filter[]) => () => void,
  ): void {
    const url = `/ws/${stream}`;
    const prepared = new WeakMap<FastifyRequest, { project: string; filters: readonly Filter[]; p: P }>();
    app.route({
      method: 'GET',
      url,
      config: { scope: 'read' },
      preHandler: async (request) => {
        const { filters, controls: values } = parseReadParams(request.query, now(), controls);
        if (!request.pulseAuth) throw new HttpError(401, 'unauthorized', 'missing API key');
        const project = request.pulseAuth.project;
        prepared.set(request, { project, filters, p: await prepare(project, filters, values) });
      },
      handler: (_request, reply) => {
        reply.code(426).send({ error: { code: 'upgrade_required', message: `${url} is a WebSocket endpoint` } });
      },
      wsHandler: (socket, request) => {
        const { project, filters, p } = prepared.get(request)!;
        const ws = socket as unknown as LiveSocket;
        heartbeat.watch(ws);
        const secret = extractKey(request);
        if (request.pulseAuth?.keyId != null && secret !== null) revocations.watch(ws, hashSecret(secret));
        socket.on('error', () => socket.terminate());
        const frame: HelloFrame = {
          type: 'hello', stream, project, filters: filtersObject(filters), ...hello(p), server_time: new Date(now()).toISOString(),
        };
        socket.send(JSON.stringify(frame));
        socket.on('close', open(ws, p, project, filters));
      },
    });
  }

  liveRoute(
    'metrics',
    { interval_ms: 'single' },
    async (project, filters, values) => {
      const intervalMs = intParam('interval_ms', values.interval_ms, 250, 60_000) ?? deps.config.live.intervalMs;
      try {
        return { intervalMs, window: await deps.metricsHub.window(project, filters) };
      } catch (err) {
        if (err instanceof TooManyWindowsError) throw new HttpError(503, 'too_many_live_views', err.message, { 'retry-after': '60' });
        throw err;
      }
    },
    (p) => ({ interval_ms: p.intervalMs }),
    (socket, p) => {
      const client = deps.metricsHub.attach(p.window, socket, p.intervalMs);
      return () => deps.metricsHub.detach(client);
    },
  );

  liveRoute(
    'events',
    { max_rate: 'single' },
    async (_project, _filters, values) => {
      const max = deps.config.live.tailMaxRate;
      return { maxRate: intParam('max_rate', values.max_rate, 1, max) ?? max };
    },
    (p) => ({ max_events_per_second: p.maxRate }),
    (socket, p, project, filters) => {
      const client = deps.tailHub.attach(socket, project, filters, p.maxRate);
      return () => deps.tailHub.detach(client);
    },
  );
}

/**
 * Sockets opened with a project key stay open only while the key does: whenever keys change (a revocation here, or on
 * another instance through PostgreSQL's notification), each such socket's key is looked up again and the socket is
 * closed (1008, "API key revoked") when it is gone — the key was checked once, at the upgrade.
 */
function watchRevocations(meta: MetaStore): { watch(socket: LiveSocket, keyHash: string): void; stop(): void } {
  const sockets = new Map<LiveSocket, string>();
  let checking: Promise<void> = Promise.resolve();
  const recheck = async (): Promise<void> => {
    // One lookup per key, however many of its sockets are open (a dashboard per browser tab).
    for (const hash of new Set(sockets.values())) {
      if ((await meta.findKeyByHash(hash).catch(() => undefined)) !== null) continue;
      for (const [socket, h] of sockets) {
        if (h !== hash) continue;
        sockets.delete(socket);
        socket.close(1008, 'API key revoked');
      }
    }
  };
  const unfollow = meta.onKeysChanged?.(() => {
    checking = checking.then(recheck);
  }) ?? (() => {});
  return {
    watch(socket, keyHash) {
      sockets.set(socket, keyHash);
      socket.on('close', () => sockets.delete(socket));
    },
    stop() {
      unfollow();
      sockets.clear();
    },
  };
}

