import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import { parseEnumControl, parseQuerySpec, parseReadParams } from './params.js';
import { apiMetrics } from './presets/api-metrics.js';
import type { PresetInput } from './presets/common.js';
import { performanceMetrics } from './presets/performance-metrics.js';
import { defaultGroupBy, GROUP_BY, usageOverview } from './presets/usage-overview.js';
import { runQuery } from './run.js';
import { InvalidQueryError } from './types.js';

/** `GET /v1/query` and the seed presets; all need the `read` scope and read the caller's project only. */
export function registerQueryRoutes(app: FastifyInstance, deps: AppDeps): void {
  const read = { config: { scope: 'read' as const } };

  const preset = (request: FastifyRequest, controls: Record<string, 'single'> = {}) => {
    const { range, filters, controls: values } = parseReadParams(request.query, deps.clock.now(), controls);
    const input: PresetInput = { store: deps.store, project: projectOf(request), range, filters };
    return { input, values };
  };

  app.get('/v1/query', read, (request) =>
    mapErrors(() => runQuery(deps.store, parseQuerySpec(request.query, projectOf(request), deps.clock.now()))),
  );

  app.get('/v1/analytics/usage/overview', read, (request) =>
    mapErrors(() => {
      const { input, values } = preset(request, { group_by: 'single' });
      const groupBy = parseEnumControl('group_by', values.group_by, GROUP_BY) ?? defaultGroupBy(input.range);
      return usageOverview(input, groupBy);
    }),
  );

  app.get('/v1/analytics/performance/metrics', read, (request) =>
    mapErrors(() => performanceMetrics(preset(request).input, deps.config.dataDir)),
  );

  app.get('/api/metrics', read, (request) => mapErrors(() => apiMetrics(preset(request).input)));
}

export function projectOf(request: FastifyRequest): string {
  const auth = request.pulseAuth;
  // The auth hook runs before every scoped route; without it there is no project to read.
  if (!auth) throw new HttpError(401, 'unauthorized', 'missing API key');
  return auth.project;
}

/** A query object the compiler rejects is the caller's mistake: 400 naming the parameter. */
export async function mapErrors<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidQueryError) throw badRequest(err.param, err.reason);
    throw err;
  }
}
