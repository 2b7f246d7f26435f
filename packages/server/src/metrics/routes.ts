import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createAuthenticator, extractKey, KeyCache } from '../http/auth.js';
import { HttpError } from '../http/errors.js';
import type { AppDeps } from '../http/types.js';
import { safeEqual } from '../keys/secrets.js';
import type { PulseMetrics } from './pulse-metrics.js';

/** Ingest routes whose answers are counted in `pulse_ingest_requests_total` (label `endpoint`). */
const INGEST_ROUTES = new Set(['/v1/events', '/v1/client/usage/log', '/v1/traces', '/v1/otlp/v1/traces']);

/**
 * Times every request Pulse serves (`pulse_http_request_duration_seconds{route,method,status_code}`,
 * which is also the query latency per endpoint) and counts ingest answers by outcome. Installed on the
 * root instance before the routes, so it sees all of them; one histogram observation per request.
 */
export function installMetricsHooks(app: FastifyInstance, metrics: PulseMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label value: a scanner must not mint a series per path.
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    metrics.self.httpRequest(route, request.method, status, reply.elapsedTime / 1000);
    if (INGEST_ROUTES.has(route)) metrics.self.ingestRequest(route, status);
    done();
  });
}

export interface MetricsRouteDeps extends AppDeps {
  metrics: PulseMetrics;
}

/**
 * `GET /metrics` (CONTRACT §6): Prometheus text 0.0.4, or OpenMetrics when `Accept` prefers it. It
 * covers every project, so it takes the server-wide admin key (`ANALYTICS_API_KEY`) or the scrape key
 * (`PULSE_METRICS_KEY`, valid here and nowhere else); a project's own keys, even admin ones, get 403.
 * In loopback mode without an admin key it is open, like every other endpoint.
 */
export function registerMetricsRoutes(app: FastifyInstance, deps: MetricsRouteDeps): void {
  const keyCache = new KeyCache(() => deps.clock.now());
  const unfollowKeys = keyCache.follow(deps.meta);
  app.addHook('onClose', async () => unfollowKeys());
  const authenticate = createAuthenticator(deps.config, deps.meta, keyCache);
  const scrapeKey = deps.config.metrics.key;

  const authorise = async (request: FastifyRequest): Promise<void> => {
    const secret = extractKey(request);
    if (scrapeKey && secret !== null && safeEqual(secret, scrapeKey)) return;
    const auth = await authenticate(request, 'admin');
    if (auth.keyId !== null) {
      throw new HttpError(403, 'forbidden', '/metrics covers every project: use ANALYTICS_API_KEY or the scrape key PULSE_METRICS_KEY');
    }
  };

  app.get('/metrics', { onRequest: authorise }, async (request, reply) => {
    const { contentType, body } = await deps.metrics.render(request.headers.accept);
    reply.header('cache-control', 'no-store').type(contentType).send(body);
  });
}
