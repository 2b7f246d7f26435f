import { CLIENT_CLOSED_REQUEST, methodLabel } from './route.js';
import type { HttpRecorder } from './types.js';

/** The parts of Fastify the plugin touches; no dependency on fastify. */
export interface FastifyLikeRequest {
  method: string;
  routeOptions?: { url?: string };
}
export interface FastifyLikeReply {
  statusCode: number;
  elapsedTime: number;
  raw?: { headersSent?: boolean };
}
type ReplyHook = (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<void>;
export interface FastifyLikeInstance {
  addHook(name: 'onRequest' | 'onResponse', hook: ReplyHook): unknown;
  addHook(name: 'onRequestAbort', hook: (request: FastifyLikeRequest) => Promise<void>): unknown;
}

function record(recorder: HttpRecorder, request: FastifyLikeRequest, statusCode: number, durationMs: number): void {
  try {
    recorder.recordHttp({
      // Fastify's template (`/users/:id`); undefined when no route matched (404 handler).
      route: request.routeOptions?.url ?? 'unmatched',
      method: methodLabel(request.method),
      statusCode,
      durationMs,
    });
  } catch {
    // Never break the response path.
  }
}

/** The hook alone, for `app.addHook('onResponse', fastifyOnResponse(monitoring))` (answered requests only). */
export function fastifyOnResponse(recorder: HttpRecorder) {
  return async (request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<void> => {
    record(recorder, request, reply.statusCode, reply.elapsedTime);
  };
}

/**
 * A Fastify plugin: `await app.register(fastifyPlugin(monitoring))`. Marked `skip-override` (what the
 * fastify-plugin package does) so its hooks apply to every route of the app, not only inside its scope.
 * A request the client abandons before the answer never reaches `onResponse`: `onRequestAbort` records
 * it, as 499 (or the status already sent, for a stream cut short). Each request is recorded once.
 */
export function fastifyPlugin(recorder: HttpRecorder) {
  const plugin = async (app: FastifyLikeInstance): Promise<void> => {
    const replies = new WeakMap<FastifyLikeRequest, FastifyLikeReply>();
    const recorded = new WeakSet<FastifyLikeRequest>();
    app.addHook('onRequest', async (request, reply) => {
      replies.set(request, reply);
    });
    app.addHook('onResponse', async (request, reply) => {
      if (recorded.has(request)) return;
      recorded.add(request);
      record(recorder, request, reply.statusCode, reply.elapsedTime);
    });
    app.addHook('onRequestAbort', async (request) => {
      if (recorded.has(request)) return;
      recorded.add(request);
      const reply = replies.get(request);
      const sent = reply?.raw?.headersSent === true;
      record(recorder, request, sent && reply ? reply.statusCode : CLIENT_CLOSED_REQUEST, reply?.elapsedTime ?? 0);
    });
  };
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'pulse-metrics',
  });
  return plugin;
}
