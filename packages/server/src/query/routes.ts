import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isEveryProjectAdmin } from '../http/auth.js';
import type { AppDeps } from '../http/types.js';
import { parseEnumControl, parseQuerySpec, parseReadParams } from './params.js';
import { apiMetrics } from './presets/api-metrics.js';
import type { PresetInput } from './presets/common.js';
import { performanceMetrics } from './presets/performance-metrics.js';
import { defaultGroupBy, GROUP_BY, usageOverview } from './presets/usage-overview.js';
import { runQuery } from './run.js';
import { mapErrors, projectOf } from './route-support.js';
import { assertRange, rangeLimitOf } from '../ops/query-limits.js';

/** `GET /v1/query` and the seed presets; all need the `read` scope and read the caller's project only. */
export function registerQueryRoutes(app: FastifyInstance, deps: AppDeps): void {
  const read = { config: { scope: 'read' as const } };

  const preset = (request: FastifyRequest, controls: Record<string, 'single'> = {}) => {
    const { range, filters, controls: values } = parseReadParams(request.query, deps.clock.now(), controls);
    assertRange(range, rangeLimitOf(deps));
    const input: PresetInput = { store: deps.store, project: projectOf(request), range, filters };
    return { input, values };
  };

  app.get('/v1/query', read, (request) =>
    mapErrors(() => {
      const spec = parseQuerySpec(request.query, projectOf(request), deps.clock.now());
      assertRange(spec.range, rangeLimitOf(deps));
      return runQuery(deps.store, spec);
    }),
  );

  app.get('/v1/analytics/usage/overview', read, (request) =>
    mapErrors(() => {
      const { input, values } = preset(request, { group_by: 'single' });
      const groupBy = parseEnumControl('group_by', values.group_by, GROUP_BY) ?? defaultGroupBy(input.range);
      return usageOverview(input, groupBy);
    }),
  );

  app.get('/v1/analytics/performance/metrics', read, (request) =>
    // Host and whole-store figures cross project lines: only an admin caller sees them.
    mapErrors(() =>
      performanceMetrics(
        preset(request).input,
        isEveryProjectAdmin(request.pulseAuth) ? { dataDir: deps.config.dataDir } : null,
        deps.clock.now(),
      ),
    ),
  );

  app.get('/api/metrics', read, (request) => mapErrors(() => apiMetrics(preset(request).input)));
}
