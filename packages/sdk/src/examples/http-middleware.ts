/* Runnable example quoted in docs/sdk.md (between the region markers); run by examples.test.ts. */
// #region docs
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { Monitoring, expressMiddleware, fastifyPlugin, instrumentHttpListener } from '@pulse/sdk';

// Fastify: one plugin; the route label is the template (`/users/:id`), not the URL.
export async function buildFastifyApp(monitoring: Monitoring) {
  const app = Fastify();
  await app.register(fastifyPlugin(monitoring));
  app.get('/users/:id', async () => ({ ok: true }));
  return app;
}

// Plain node:http: wrap the request listener; ids in paths are folded into `:id`.
export function buildNodeServer(monitoring: Monitoring) {
  return createServer(instrumentHttpListener(monitoring, (_req, res) => res.end('ok')));
}

// Express: `app.use(expressMiddleware(monitoring))` before the routes; the label is baseUrl + route.path.
export function expressMetrics(monitoring: Monitoring) {
  return expressMiddleware(monitoring);
}
// #endregion docs
