import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PulseConfig } from '../config/types.js';
import type { AppDeps } from './types.js';

const startedAt = Date.now();

/**
 * The built dashboard (`packages/dashboard/dist`), found from this file: `src/http/` under tests and
 * `dist/http/` when built are both three levels below `packages/`.
 */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

export interface HomeDeps extends Pick<AppDeps, 'clock'> {
  /** `dashboardDir` (`PULSE_DASHBOARD_DIR`) overrides where the built dashboard is read from. */
  config?: Pick<PulseConfig, 'dashboardDir'>;
}

/** Hashed file names (`index-Re_zJ0rh.js`) never change content: cache them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `/health` (liveness, cheap, public) and the dashboard at `/` and `/analytics`. index.html is read per
 * request and never cached, so a rebuilt dashboard is picked up by the next page load; its assets are
 * served with relative URLs from `/assets/` and `/analytics/assets/`.
 */
export function registerHomeRoutes(app: FastifyInstance, deps: HomeDeps): void {
  app.get('/health', async () => ({
    status: 'ok',
    timestamp: new Date(deps.clock.now()).toISOString(),
    uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  const dir = resolve(deps.config?.dashboardDir ?? DEFAULT_DASHBOARD_DIR);
  const assets = join(dir, 'assets');
  // Registered only when a build exists at start: @fastify/static warns about a missing root on every start.
  const served = existsSync(assets);
  if (served) {
    for (const prefix of ['/assets/', '/analytics/assets/']) {
      app.register(fastifyStatic, {
        root: assets,
        prefix,
        decorateReply: false,
        preCompressed: true,
        cacheControl: false,
        index: false,
        setHeaders: (res) => res.setHeader('cache-control', IMMUTABLE),
      });
    }
  }

  const sendIndex = async (_request: unknown, reply: FastifyReply) => {
    let html: string | null = null;
    if (served) html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => null);
    reply.header('cache-control', 'no-cache');
    if (html === null) return reply.type('text/html; charset=utf-8').send(notBuiltPage(served));
    return reply.type('text/html; charset=utf-8').send(html);
  };
  app.get('/', sendIndex);
  app.get('/analytics', sendIndex);
  app.get('/analytics/', sendIndex);
}

/** What `/` answers when there is no dashboard build: the API is up, and how to build the page. */
function notBuiltPage(assetsExisted: boolean): string {
  const hint = assetsExisted
    ? '<p>The build looks incomplete (no <code>index.html</code>). Run <code>npm run build</code> again.</p>'
    : '<p>Build it from the repository root with <code>npm run build</code> (<code>npm start</code> does this for you), then restart the server.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pulse — dashboard not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:rgba(127,127,127,.15);padding:0 .3em}</style>
</head><body><h1>The Pulse dashboard is not built</h1>
<p>The server is running and accepting events at <code>POST /v1/events</code>, but the web dashboard has not been built.</p>
${hint}
<ul><li><a href="/health">/health</a> — liveness</li>
<li><a href="/api/metrics">/api/metrics</a> — the current picture (response times, tokens, errors, models)</li></ul>
</body></html>`;
}
