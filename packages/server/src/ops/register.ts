import type { FastifyInstance } from 'fastify';
import { registerHealthRoutes } from '../health/routes.js';
import { registerSystemRoutes } from '../health/system-routes.js';
import { registerOperatorRoutes, type OperatorDeps } from './operator-routes.js';
import { registerBackupRoutes } from './backup.js';

/** The operations routes: health now; system, operator endpoints and backups register here too. */
export function registerOperationsRoutes(app: FastifyInstance, parts: OperatorDeps): void {
  registerHealthRoutes(app, { health: parts.ops.health, clock: parts.clock, startedAtMs: parts.ops.startedAtMs });
  registerSystemRoutes(app, parts);
  registerOperatorRoutes(app, parts);
  registerBackupRoutes(app, parts);
  // 5xx answers feed /api/debug/analytics' recent errors.
  app.addHook('onError', async (_request, _reply, err) => {
    // Runs before the error handler: a client's mistake carries a 4xx statusCode, the server's own trouble none or a 5xx.
    const status = (err as { statusCode?: number }).statusCode;
    if (status === undefined || status >= 500) parts.ops.errors.record('http', err);
  });
}
