import type { FastifyInstance } from 'fastify';
import type { Scope } from '../store/types.js';

/** One registered route as the scope check sees it. */
export interface RouteEntry {
  method: string;
  url: string;
  scope: Scope | null;
}

/**
 * Routes that are public on purpose. Every other route must declare `config: { scope }`; route-table.test.ts
 * walks the real route table and fails for one that does not (a forgotten scope would silently be public).
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'GET /health',
  'HEAD /health',
  'GET /',
  'HEAD /',
  'GET /analytics',
  'HEAD /analytics',
  'GET /analytics/',
  'HEAD /analytics/',
  // Prometheus scrapes: authorised by the route's own hook (the admin key or the scrape-only PULSE_METRICS_KEY,
  // which no scope expresses); metrics/routes.test.ts checks its 401s and 403s.
  'GET /metrics',
  'HEAD /metrics',
  // Hashed dashboard assets (@fastify/static).
  'GET /assets/*',
  'HEAD /assets/*',
  'GET /analytics/assets/*',
  'HEAD /analytics/assets/*',
]);

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far (ops/route-table.ts). */
    pulseRoutes: readonly RouteEntry[];
  }
}

/** Records every route as it is registered; call before any route. */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteEntry[] = [];
  app.decorate('pulseRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const scope = (route.config as { scope?: Scope } | undefined)?.scope ?? null;
    for (const method of methods) routes.push({ method: String(method), url: route.url, scope });
  });
}
