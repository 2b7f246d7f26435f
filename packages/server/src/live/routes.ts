import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import { parseReadParams } from '../query/params.js';
import type { Filter } from '../query/types.js';
import { filtersObject } from './filters.js';
import type { HelloFrame } from './messages.js';
import { TooManyWindowsError, type MetricsHub, type MetricsWindow } from './metrics-hub.js';
import { Heartbeat, type LiveSocket } from './socket.js';
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

interface Prepared {
  project: string;
  filters: readonly Filter[];
  window?: MetricsWindow;
  intervalMs?: number;
  maxRate?: number;
}

/**
 * `WS /ws/metrics` and `WS /ws/events`. Authentication (read scope, `?api_key=` accepted) and the
 * parameters are checked before the upgrade, so a bad key or filter gets an ordinary 4xx; after it,
 * the socket only receives. Filters are the query API's (`model=…&persona=…&status=error`).
 */
export async function registerLiveRoutes(app: FastifyInstance, deps: LiveDeps): Promise<void> {
  await app.register(websocket, {
    options: { perMessageDeflate: deps.config.websocketCompression, maxPayload: 64 * 1024 },
  });
  // A refused upgrade (401, 403, 400…) is answered over the raw socket, which nothing else would close:
  // left open it would hold the server's shutdown (and a file descriptor) for as long as the client likes.
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket') request.raw.socket?.destroy();
  });
  const heartbeat = new Heartbeat();
  app.addHook('onClose', async () => heartbeat.stop());
  const prepared = new WeakMap<FastifyRequest, Prepared>();
  const now = (): number => deps.clock.now();
  const project = (request: FastifyRequest): string => {
    if (!request.pulseAuth) throw new HttpError(401, 'unauthorized', 'missing API key');
    return request.pulseAuth.project;
  };

  app.route({
    method: 'GET',
    url: '/ws/metrics',
    config: { scope: 'read' },
    preHandler: async (request) => {
      const { filters, controls } = parseReadParams(request.query, now(), { interval_ms: 'single' });
      const intervalMs = intParam('interval_ms', controls.interval_ms, 250, 60_000) ?? deps.config.live.intervalMs;
      try {
        const p = project(request);
        prepared.set(request, { project: p, filters, intervalMs, window: await deps.metricsHub.window(p, filters) });
      } catch (err) {
        if (err instanceof TooManyWindowsError) throw new HttpError(503, 'too_many_live_views', err.message, { 'retry-after': '60' });
        throw err;
      }
    },
    handler: (_request, reply) => {
      reply.code(426).send({ error: { code: 'upgrade_required', message: '/ws/metrics is a WebSocket endpoint' } });
    },
    wsHandler: (socket, request) => {
      const p = prepared.get(request)!;
      const ws = socket as unknown as LiveSocket;
      heartbeat.watch(ws);
      socket.on('error', () => socket.terminate());
      const hello: HelloFrame = {
        type: 'hello', stream: 'metrics', project: p.project, filters: filtersObject(p.filters),
        interval_ms: p.intervalMs!, server_time: new Date(now()).toISOString(),
      };
      socket.send(JSON.stringify(hello));
      const client = deps.metricsHub.attach(p.window!, ws, p.intervalMs!);
      socket.on('close', () => deps.metricsHub.detach(client));
    },
  });

  app.route({
    method: 'GET',
    url: '/ws/events',
    config: { scope: 'read' },
    preHandler: async (request) => {
      const { filters, controls } = parseReadParams(request.query, now(), { max_rate: 'single' });
      const max = deps.config.live.tailMaxRate;
      const maxRate = intParam('max_rate', controls.max_rate, 1, max) ?? max;
      prepared.set(request, { project: project(request), filters, maxRate });
    },
    handler: (_request, reply) => {
      reply.code(426).send({ error: { code: 'upgrade_required', message: '/ws/events is a WebSocket endpoint' } });
    },
    wsHandler: (socket, request) => {
      const p = prepared.get(request)!;
      const ws = socket as unknown as LiveSocket;
      heartbeat.watch(ws);
      socket.on('error', () => socket.terminate());
      const hello: HelloFrame = {
        type: 'hello', stream: 'events', project: p.project, filters: filtersObject(p.filters),
        max_events_per_second: p.maxRate!, server_time: new Date(now()).toISOString(),
      };
      socket.send(JSON.stringify(hello));
      const client = deps.tailHub.attach(ws, p.project, p.filters, p.maxRate!);
      socket.on('close', () => deps.tailHub.detach(client));
    },
  });
}
