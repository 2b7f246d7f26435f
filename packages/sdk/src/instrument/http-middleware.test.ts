import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Monitoring } from '../monitoring/monitoring.js';
import { silentLogger } from '../transport/log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';
import { expressMiddleware } from './express.js';
import type { ExpressLikeRequest } from './express.js';
import { fastifyPlugin } from './fastify.js';
import { instrumentHttpListener } from './node-http.js';
import { templateFromUrl } from './route.js';

let fake: FakePulse;
let monitoring: Monitoring;
let server: Server | undefined;

beforeEach(async () => {
  fake = await startFakePulse();
  monitoring = new Monitoring({ service: 'api', url: fake.url, logger: silentLogger, env: {}, defaultMetrics: false });
});
afterEach(async () => {
  if (server) await new Promise<void>((r) => server?.close(() => r()));
  server = undefined;
  await monitoring.shutdown();
  await fake.close();
});

async function listen(s: Server): Promise<string> {
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };
async function requests(): Promise<Sample[]> {
  return (await monitoring.registry.getSingleMetric('http_requests_total')?.get())?.values as Sample[];
}
async function durationCount(labels: Record<string, string>): Promise<number | undefined> {
  const values = (await monitoring.registry.getSingleMetric('http_request_duration_seconds')?.get())?.values as Sample[];
  return values.find((v) => v.metricName === 'http_request_duration_seconds_count' && Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}
/** A GET whose client gives up after `ms`, before the server has answered. */
function abandonedGet(url: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url);
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}
const until = async (check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
};

async function httpEvents(): Promise<Record<string, unknown>[]> {
  await monitoring.client.flush();
  return fake.stored.map((s) => s.event).filter((e) => e.type === 'http');
}

describe('Fastify plugin (real Fastify 5)', () => {
  it('labels by route template, method and status, and ships http events', async () => {
    const app = Fastify();
    await app.register(fastifyPlugin(monitoring));
    app.get('/users/:id', async () => ({ ok: true }));
    app.post('/fail', async (_req, reply) => reply.code(503).send({ error: 'down' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await fetch(`${base}/users/1`);
    await fetch(`${base}/users/2?x=1`);
    await fetch(`${base}/fail`, { method: 'POST' });
    await fetch(`${base}/nowhere`);
    await app.close();
    expect(await requests()).toEqual([
      { labels: { service: 'api', route: '/users/:id', method: 'GET', status_code: '200' }, value: 2 },
      { labels: { service: 'api', route: '/fail', method: 'POST', status_code: '503' }, value: 1 },
      { labels: { service: 'api', route: 'unmatched', method: 'GET', status_code: '404' }, value: 1 },
    ]);
    expect(await durationCount({ route: '/users/:id', status_code: '200' })).toBe(2);
    const events = await httpEvents();
    expect(events.map((e) => [e.name, e.status, (e.attributes as Record<string, unknown>).status_code])).toEqual([
      ['/users/:id', 'ok', 200], ['/users/:id', 'ok', 200], ['/fail', 'error', 503], ['unmatched', 'ok', 404],
    ]);
    expect(events[2]).toMatchObject({ error_type: 'http_503', attributes: { method: 'POST' } });
    expect(typeof events[0]?.duration_ms).toBe('number');
  });
});

describe('requests the client abandons before the answer', () => {
  it('Fastify records them as 499 (client closed request), not as nothing', async () => {
    const app = Fastify();
    await app.register(fastifyPlugin(monitoring));
    app.get('/slow/:id', async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await abandonedGet(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/slow/1`, 60);
    await until(async () => (await requests()).length > 0);
    await new Promise((r) => setTimeout(r, 400)); // the handler's late answer must not count it again
    await app.close();
    expect(await requests()).toEqual([{ labels: { service: 'api', route: '/slow/:id', method: 'GET', status_code: '499' }, value: 1 }]);
    const [event] = await httpEvents();
    expect(event).toMatchObject({ name: '/slow/:id', status: 'ok', attributes: { status_code: 499 } });
    expect(Number(event?.duration_ms)).toBeGreaterThanOrEqual(40);
    expect(Number(event?.duration_ms)).toBeLessThan(300);
  });

  it('node:http records them as 499, not as the 200 no one sent', async () => {
    const base = await listen(
      createServer(
        instrumentHttpListener(monitoring, (_req: IncomingMessage, res: ServerResponse) => {
          setTimeout(() => res.end('late'), 300);
        }),
      ),
    );
    await abandonedGet(`${base}/slow`, 60);
    await until(async () => (await requests()).length > 0);
    expect(await requests()).toEqual([{ labels: { service: 'api', route: '/slow', method: 'GET', status_code: '499' }, value: 1 }]);
  });

  it('a streamed answer cut short keeps the status already sent', async () => {
    const base = await listen(
      createServer(
        instrumentHttpListener(monitoring, (_req: IncomingMessage, res: ServerResponse) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: 1\n\n');
          setTimeout(() => res.end('data: 2\n\n'), 300);
        }),
      ),
    );
    await abandonedGet(`${base}/stream`, 60);
    await until(async () => (await requests()).length > 0);
    expect((await requests())[0]?.labels.status_code).toBe('200');
  });
});

describe('node:http listener wrapper', () => {
  it('records each response once, with ids in the path folded into :id', async () => {
    const base = await listen(
      createServer(
        instrumentHttpListener(monitoring, (req: IncomingMessage, res: ServerResponse) => {
          res.statusCode = req.url?.startsWith('/missing') ? 404 : 200;
          res.end('x');
        }),
      ),
    );
    await fetch(`${base}/orders/123/items/8f14e45f-ceea-467a-9af0-0a1b2c3d4e5f`);
    await fetch(`${base}/orders/456/items/1b2c3d4e-ceea-467a-9af0-0a1b2c3d4e5f`);
    await fetch(`${base}/missing?q=1`, { method: 'DELETE' });
    expect(await requests()).toEqual([
      { labels: { service: 'api', route: '/orders/:id/items/:id', method: 'GET', status_code: '200' }, value: 2 },
      { labels: { service: 'api', route: '/missing', method: 'DELETE', status_code: '404' }, value: 1 },
    ]);
    expect(await httpEvents()).toHaveLength(3);
  });

  it('takes the route from the caller when given', async () => {
    const listener = instrumentHttpListener(monitoring, (_req: IncomingMessage, res: ServerResponse) => res.end(), {
      route: () => '/custom',
    });
    const base = await listen(createServer(listener));
    await fetch(`${base}/anything/at/all`);
    expect((await requests())[0]?.labels.route).toBe('/custom');
  });

  it('templateFromUrl keeps words and folds ids', () => {
    expect(templateFromUrl('/api/v2/users/42/avatar.png?size=3')).toBe('/api/v2/users/:id/avatar.png');
    expect(templateFromUrl('/t/a1b2c3d4e5f60718293a')).toBe('/t/:id');
    expect(templateFromUrl(undefined)).toBe('/');
  });
});

// Express is not installed here, so its middleware runs in a harness that drives it the way Express
// does: middleware first (with next), then the router sets `req.baseUrl` and `req.route` before the
// handler answers, on a real node:http response.
describe('Express middleware (structural harness, express not installed)', () => {
  it('uses baseUrl + route.path as the template, read when the response finishes', async () => {
    const mw = expressMiddleware(monitoring);
    const routes: Record<string, string> = { '/api/users/7': '/users/:id', '/api/users/8': '/users/:id' };
    const base = await listen(
      createServer((req, res) => {
        const ereq = req as IncomingMessage & ExpressLikeRequest;
        mw(ereq, res, () => {
          const template = routes[req.url ?? ''];
          if (template) {
            ereq.baseUrl = '/api';
            ereq.route = { path: template };
            res.statusCode = 201;
          } else {
            res.statusCode = 404;
          }
          res.end();
        });
      }),
    );
    await fetch(`${base}/api/users/7`, { method: 'PUT' });
    await fetch(`${base}/api/users/8`, { method: 'PUT' });
    await fetch(`${base}/wp-login.php`);
    expect(await requests()).toEqual([
      { labels: { service: 'api', route: '/api/users/:id', method: 'PUT', status_code: '201' }, value: 2 },
      { labels: { service: 'api', route: 'unmatched', method: 'GET', status_code: '404' }, value: 1 },
    ]);
  });

  it('an error thrown in a mounted router keeps the full template, though Express restores baseUrl before the error handler answers', async () => {
    const mw = expressMiddleware(monitoring);
    const base = await listen(
      createServer((req, res) => {
        const ereq = req as IncomingMessage & ExpressLikeRequest;
        mw(ereq, res, () => {
          // app.use('/api', router): the router sets baseUrl, then matches router.get('/users/:id') …
          ereq.baseUrl = '/api';
          ereq.route = { path: '/users/:id' };
          const fails = req.url === '/api/users/9';
          if (!fails) {
            res.statusCode = 200;
            res.end();
            return;
          }
          // … whose handler throws: next(err) leaves the router, which restores baseUrl (pillarjs/router
          // `restore(callback, req, 'baseUrl', …)`), and the app's error handler answers 500.
          ereq.baseUrl = '';
          res.statusCode = 500;
          res.end();
        });
      }),
    );
    await fetch(`${base}/api/users/7`);
    await fetch(`${base}/api/users/9`);
    expect(await requests()).toEqual([
      { labels: { service: 'api', route: '/api/users/:id', method: 'GET', status_code: '200' }, value: 1 },
      { labels: { service: 'api', route: '/api/users/:id', method: 'GET', status_code: '500' }, value: 1 },
    ]);
  });
});
