import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import cors from '@fastify/cors';
import { createAuthenticator, isEveryProjectAdmin, KeyCache } from './auth.js';
import { errorBody, HttpError } from './errors.js';
import type { AppDeps } from './types.js';
import { registerIngestRoutes } from '../ingest/routes.js';
import { registerOtlpRoutes } from '../ingest/otlp/routes.js';
import type { Enricher } from '../ingest/enrich/enrich.js';
import type { WriteBuffer } from '../ingest/write-buffer.js';
import { registerKeyRoutes } from '../keys/routes.js';
import type { ProjectSettingsCache } from '../projects/project-settings.js';
import { registerQueryRoutes } from '../query/routes.js';
import { registerAnalyticsRoutes } from '../analytics/routes.js';
import { registerHomeRoutes } from './home.js';
import type { MetricsHub } from '../live/metrics-hub.js';
import { registerLiveRoutes } from '../live/routes.js';
import type { TailHub } from '../live/tail-hub.js';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import type { ExportJobs } from '../export/jobs.js';
import { registerExportRoutes } from '../export/routes.js';
import type { PulseMetrics } from '../metrics/pulse-metrics.js';
import { installMetricsHooks, registerMetricsRoutes } from '../metrics/routes.js';
import { registerAlertRoutes, type AlertingRouteParts } from '../alerts/routes/index.js';
import type { DeliveryStore } from '../alerts/delivery/delivery-store.js';
import { registerDeliveryRoutes } from '../alerts/delivery/routes.js';
import { registerRateLimits, registerShutdownGuard, storeUnavailable } from '../ops/hardening.js';
import { BodyBudget } from '../ops/body-budget.js';
import { recordRoutes } from '../ops/route-table.js';
import type { OpsParts } from '../ops/parts.js';
import type { IdempotencyClaims } from '../ingest/idempotency-claims.js';
import { registerOperationsRoutes } from '../ops/register.js';
import { registerReportRoutes } from '../reports/routes.js';
import type { ReportRunStore } from '../reports/runner.js';

export interface AppParts extends AppDeps {
  buffer: WriteBuffer;
  enricher: Enricher;
  projects: ProjectSettingsCache;
  metricsHub: MetricsHub;
  tailHub: TailHub;
  tasks: BackgroundTasks;
  exports: ExportJobs;
  /** `GET /metrics` and the self-metrics hooks (metrics/); absent, neither exists. */
  metrics?: PulseMetrics;
  /** The alert engine's routes (absent in apps built without alerting). */
  alerting?: AlertingRouteParts;
  /** Alert delivery records for `GET /v1/alert-deliveries` (alerts/delivery). */
  deliveries?: DeliveryStore;
  /** Scheduled reports' runs for `GET /api/reports` (reports/); absent, the route does not exist. */
  reportRuns?: ReportRunStore;
  /** Health checks, system figures, operator endpoints (ops/). */
  ops: OpsParts;
  /** Who holds an Idempotency-Key now (ingest/idempotency-claims.ts); default: this process only. */
  idempotencyClaims?: IdempotencyClaims;
}

/** Builds the Fastify app from its parts; listening and lifecycle belong to server.ts. */
export async function createApp(parts: AppParts): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: parts.logger,
    // Per-request info logs would cost the ingest path dearly; errors are logged by the handler below.
    // PULSE_LOG_REQUESTS turns them on for debugging; URLs are logged with `api_key` redacted.
    logController: new LogController({ disableRequestLogging: !parts.config.limits.logRequests }),
    bodyLimit: 1024 * 1024,
    // Slow clients (slowloris) cannot hold a connection for ever: a request must arrive whole within 30 s
    // (Node enforces it on its 30 s connection sweep, so within 30–60 s); the answer may take longer.
    requestTimeout: 30_000,
    // ops/hardening.ts answers during shutdown instead, in Pulse's error shape with Retry-After.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // The router's own refusals (before any route runs) in Pulse's error shape, not Fastify's.
    frameworkErrors: (err, _request, generic) => {
      const reply = generic as unknown as FastifyReply;
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        void reply.code(414).send(errorBody('uri_too_long', 'path: a path segment is longer than 100 characters'));
      } else {
        void reply.code(400).send(errorBody('invalid_parameter', 'path: not a valid URL component'));
      }
    },
  });
  app.decorateRequest('pulseAuth', null);
  recordRoutes(app);
  registerShutdownGuard(app, parts.config.ingest.retryAfterSeconds);

  if (parts.config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: parts.config.corsOrigins.includes('*') ? true : parts.config.corsOrigins,
      // Every method the API has: a browser app on a listed origin revokes keys and edits rules too (PUT, DELETE).
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'content-encoding', 'idempotency-key'],
      // Headers a client acts on: when to retry, whether an ingest was replayed, an export's file name.
      exposedHeaders: ['retry-after', 'idempotent-replayed', 'content-disposition'],
    });
  }

  const keyCache = new KeyCache(() => parts.clock.now());
  const unfollowKeys = keyCache.follow(parts.meta);
  app.addHook('onClose', async () => unfollowKeys());
  const authenticate = createAuthenticator(parts.config, parts.meta, keyCache);
  app.addHook('onRequest', async (request) => {
    const need = request.routeOptions.config?.scope;
    if (!need) return;
    request.pulseAuth = await authenticate(request, need);
    if (request.routeOptions.config?.everyProject && !isEveryProjectAdmin(request.pulseAuth)) {
      throw new HttpError(403, 'forbidden', 'this endpoint covers every project: use ANALYTICS_API_KEY, not a project key');
    }
  });
  await registerRateLimits(app, parts.config);

  if (parts.metrics) installMetricsHooks(app, parts.metrics);

  app.setErrorHandler((err: unknown, request, reply) => {
    if (err instanceof HttpError) {
      reply.headers(err.headers).code(err.statusCode).send(errorBody(err.code, err.message));
      return;
    }
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // Closing the connection spares reading (and discarding) the rest of an oversized body to keep it alive.
      reply.header('connection', 'close').code(413).send(errorBody('payload_too_large', 'body: larger than the request limit'));
      return;
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      // Fastify's own client errors (bad JSON, unsupported media type, validation): keep the status.
      if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        reply.code(415).send(errorBody('unsupported_media_type', unsupportedMediaType(request.headers['content-type'])));
        return;
      }
      reply.code(e.statusCode).send(errorBody('bad_request', e.message ?? 'bad request'));
      return;
    }
    const unavailable = storeUnavailable(err, parts.config.ingest.retryAfterSeconds);
    if (unavailable) {
      request.log.warn({ err }, 'store unavailable');
      reply.headers(unavailable.headers).code(503).send(errorBody(unavailable.code, unavailable.message));
      return;
    }
    request.log.error({ err }, 'unhandled error');
    reply.code(500).send(errorBody('internal', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `${request.method} ${request.url.split('?')[0]}: no such endpoint`));
  });

  registerHomeRoutes(app, parts);
  const bodies = new BodyBudget(parts.config.limits.ingestInflightBytes);
  registerIngestRoutes(app, { ...parts, bodies });
  registerOtlpRoutes(app, { ...parts, bodies });
  registerKeyRoutes(app, { ...parts, keyCache });
  registerQueryRoutes(app, parts);
  registerExportRoutes(app, parts);
  registerAnalyticsRoutes(app, parts);
  await registerLiveRoutes(app, parts);
  if (parts.metrics) registerMetricsRoutes(app, { ...parts, metrics: parts.metrics });
  if (parts.alerting) registerAlertRoutes(app, parts.alerting);
  if (parts.deliveries) registerDeliveryRoutes(app, { deliveries: parts.deliveries });
  if (parts.reportRuns) registerReportRoutes(app, { specs: parts.config.reports, runs: parts.reportRuns, clock: parts.clock });
  registerOperationsRoutes(app, parts);
  return app;
}

/** The 415 message: names the header and what it held (cut, printable only), and what to send instead. */
export function unsupportedMediaType(contentType: string | undefined): string {
  const shown = (contentType ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  return `Content-Type: ${shown === '' ? 'empty' : `"${shown}" is not supported`}; send application/json`;
}
