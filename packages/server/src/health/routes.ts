import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import type { Clock } from '../clock.js';
import type { HealthRegistry } from './registry.js';
import { healthReport } from './report.js';

/**
 * `GET /api/health` and `GET /api/health/{service}` (seed 001's shapes, CONTRACT §9), read scope: the watched
 * services' names and states are the operator's, not the public's. `GET /health` stays the public liveness probe.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: { health: HealthRegistry; clock: Clock; startedAtMs: number }): void {
  const read = { config: { scope: 'read' as const } };
  app.get('/api/health', read, async () => healthReport(deps.health.all(), deps.clock.now(), deps.startedAtMs));
  app.get<{ Params: { service: string } }>('/api/health/:service', read, async (request) => {
    const name = request.params.service;
    const service = deps.health.get(name);
    if (!service) {
      throw new HttpError(404, 'not_found', `service: no health check named ${name.slice(0, 64)} (known: ${deps.health.names().join(', ')})`);
    }
    return { name, timestamp: new Date(deps.clock.now()).toISOString(), ...service };
  });
}
