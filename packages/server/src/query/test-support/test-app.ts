import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import type { PulseConfig } from '../../config/types.js';
import { errorBody, HttpError } from '../../http/errors.js';
import type { AppDeps } from '../../http/types.js';
import type { EventStore, MetaStore } from '../../store/types.js';
import { registerQueryRoutes } from '../routes.js';

/**
 * The query routes on a bare Fastify instance: an onRequest hook that stands in for the auth hook
 * (every scoped request reads `project`) and the app's HttpError → status mapping.
 */
export async function buildTestApp(opts: { store: EventStore; clock: Clock; project: string; dataDir: string }): Promise<FastifyInstance> {
  const app = Fastify();
  app.decorateRequest('pulseAuth', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.scope) request.pulseAuth = { project: opts.project, scope: 'admin', keyId: null };
  });
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send(errorBody(err.code, err.message));
    return reply.code(500).send(errorBody('internal', err instanceof Error ? err.message : 'internal error'));
  });
  const deps: AppDeps = {
    // Only `dataDir` and the range limit are read by the query routes; the rest belongs to other features.
    config: { dataDir: opts.dataDir, retentionDays: 30, limits: { queryMaxRangeDays: 400 } } as PulseConfig,
    store: opts.store,
    meta: {} as MetaStore,
    clock: opts.clock,
    logger: app.log,
  };
  registerQueryRoutes(app, deps);
  await app.ready();
  return app;
}
