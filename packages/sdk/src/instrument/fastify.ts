import { methodLabel } from './route.js';
import type { HttpRecorder } from './types.js';

/** The parts of Fastify the plugin touches; no dependency on fastify. */
export interface FastifyLikeRequest {
  method: string;
  routeOptions?: { url?: string };
}
export interface FastifyLikeReply {
  statusCode: number;
  elapsedTime: number;
}
export interface FastifyLikeInstance {
  addHook(name: 'onResponse', hook: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<void>): unknown;
}

/** The hook alone, for `app.addHook('onResponse', fastifyOnResponse(monitoring))`. */
export function fastifyOnResponse(recorder: HttpRecorder) {
  return async (request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<void> => {
    try {
      recorder.recordHttp({
        // Fastify's template (`/users/:id`); undefined when no route matched (404 handler).
        route: request.routeOptions?.url ?? 'unmatched',
        method: methodLabel(request.method),
        statusCode: reply.statusCode,
        durationMs: reply.elapsedTime,
      });
    } catch {
      // Never break the response path.
    }
  };
}

/**
 * A Fastify plugin: `await app.register(fastifyPlugin(monitoring))`. Marked `skip-override` (what the
 * fastify-plugin package does) so its hook applies to every route of the app, not only inside its scope.
 */
export function fastifyPlugin(recorder: HttpRecorder) {
  const plugin = async (app: FastifyLikeInstance): Promise<void> => {
    app.addHook('onResponse', fastifyOnResponse(recorder));
  };
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'pulse-metrics',
  });
  return plugin;
}
