import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/types.js';
import type { OpsParts } from '../ops/parts.js';
import type { TaskSpec } from '../tasks/background-tasks.js';
import { redactConfig } from '../config/load.js';
import { systemReport } from './system-report.js';

/** Samples the host (CPU needs two readings) and the store's query counter every 10 s. */
export function systemSampleTask(deps: Pick<AppDeps, 'store' | 'clock'> & { ops: OpsParts }, intervalMs = 10_000): TaskSpec {
  return {
    name: 'system-sample',
    description: 'host CPU, memory, disk and network; store queries per second',
    intervalMs,
    run: async () => {
      await deps.ops.host.refresh();
      const stats = await deps.store.stats();
      if (stats.queries !== undefined) deps.ops.queryRate.observe(deps.clock.now(), stats.queries);
    },
  };
}

/** `GET /api/system` (admin): host and whole-store figures span every project. */
export function registerSystemRoutes(app: FastifyInstance, deps: AppDeps & { ops: OpsParts }): void {
  app.get('/api/system', { config: { scope: 'admin', everyProject: true } }, async () => {
    const connections = await new Promise<number>((resolve) => app.server.getConnections((err, n) => resolve(err ? 0 : n)));
    return systemReport({
      host: await deps.ops.host.detail(),
      store: deps.store,
      storeHealth: deps.ops.health.get('store'),
      connections,
      queryRate: deps.ops.queryRate.perSecond,
      lastBackup: deps.ops.lastBackup,
      restarts: deps.ops.restarts,
      // Where the events are: the data directory, or ClickHouse's URL without its credentials.
      dataDir: deps.config.store === 'clickhouse' && deps.config.clickhouseUrl !== null
        ? String(redactConfig(deps.config).clickhouseUrl).replace('[redacted]', '***') : deps.config.dataDir,
      now: deps.clock.now(),
    });
  });
}
