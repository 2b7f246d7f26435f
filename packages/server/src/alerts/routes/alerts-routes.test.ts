import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import type { AlertEngine } from '../engine/engine.js';
import type { AlertStore } from '../store/alert-store.js';
import { registerAlertListRoutes } from './alerts-routes.js';

/** The list route's parameter handling, with the engine and store stubbed (the e2e test covers the real ones). */
async function appWith(listed: Array<Record<string, unknown>>) {
  const app = Fastify();
  app.decorateRequest('pulseAuth', null);
  app.addHook('onRequest', async (request) => { (request as unknown as { pulseAuth: unknown }).pulseAuth = { project: 'default' }; });
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof HttpError) reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    else reply.code(500).send({ error: { code: 'internal', message: String(err) } });
  });
  const engine = { silencing: () => null, tracked: () => [] } as unknown as AlertEngine;
  const alertStore = { listAlerts: async (q: Record<string, unknown>) => { listed.push(q); return []; } } as unknown as AlertStore;
  registerAlertListRoutes(app, { engine, alertStore, clock: { now: () => Date.now() } });
  await app.ready();
  return app;
}

describe('GET /v1/analytics/alerts parameters', () => {
  it('reads severity=warning as medium, as rules and events do (seed 001 alerts say "warning")', async () => {
    const listed: Array<Record<string, unknown>> = [];
    const app = await appWith(listed);
    const res = await app.inject({ method: 'GET', url: '/v1/analytics/alerts?severity=warning' });
    expect(res.statusCode).toBe(200);
    expect(listed[0]).toMatchObject({ severity: 'medium' });
    await app.close();
  });

  it('reads severity and state in any case, as rules take them (HIGH, Warning, FIRING)', async () => {
    const listed: Array<Record<string, unknown>> = [];
    const app = await appWith(listed);
    for (const url of ['/v1/analytics/alerts?severity=HIGH&state=FIRING', '/v1/analytics/alerts?severity=Warning']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    expect(listed[0]).toMatchObject({ severity: 'high', state: 'firing' });
    expect(listed[1]).toMatchObject({ severity: 'medium' });
    await app.close();
  });

  it('still refuses an unknown severity, naming the parameter', async () => {
    const app = await appWith([]);
    const res = await app.inject({ method: 'GET', url: '/v1/analytics/alerts?severity=urgent' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^severity: /);
    await app.close();
  });
});
