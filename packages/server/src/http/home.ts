import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './types.js';

const startedAt = Date.now();

/** `/health` (liveness, cheap, public) and a minimal page at `/` until the dashboard lands. */
export function registerHomeRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'clock'>): void {
  app.get('/health', async () => ({
    status: 'ok',
    timestamp: new Date(deps.clock.now()).toISOString(),
    uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pulse</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .3em}</style>
</head><body><h1>Pulse is up</h1>
<p>The server is running and accepting events at <code>POST /v1/events</code>.</p>
<ul><li><a href="/health">/health</a> — liveness</li>
<li><a href="/api/metrics">/api/metrics</a> — the current picture (response times, tokens, errors, models)</li>
<li><a href="/v1/analytics/usage/overview">/v1/analytics/usage/overview</a> — usage summary</li></ul>
<p>Send demo traffic with <code>npx pulse demo</code>. The full dashboard comes in a later release.</p>
</body></html>`;
  const sendPage = async (_req: unknown, reply: { type(t: string): { send(b: string): unknown } }) => reply.type('text/html; charset=utf-8').send(page);
  app.get('/', sendPage);
  app.get('/analytics', sendPage);
}
