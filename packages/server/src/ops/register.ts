import type { FastifyInstance } from 'fastify';
import { registerHealthRoutes } from '../health/routes.js';
import { registerSystemRoutes } from '../health/system-routes.js';
import type { AppDeps } from '../http/types.js';
import type { OpsParts } from './parts.js';

/** The operations routes: health now; system, operator endpoints and backups register here too. */
export function registerOperationsRoutes(app: FastifyInstance, parts: AppDeps & { ops: OpsParts }): void {
  registerHealthRoutes(app, { health: parts.ops.health, clock: parts.clock, startedAtMs: parts.ops.startedAtMs });
  registerSystemRoutes(app, parts);
}
