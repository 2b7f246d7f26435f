import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPulse } from '../test-support/pulse.js';
import { PUBLIC_ROUTES } from './route-table.js';

/**
 * Walks the real server's route table: a route without `config: { scope }` is public, so every one must be
 * on the explicit allow-list — a new route that forgets its scope fails here instead of shipping open.
 */
let pulse: Awaited<ReturnType<typeof startTestPulse>>;
beforeAll(async () => {
  pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: 'route-table-admin' } });
});
afterAll(() => pulse.dispose());

describe('route table', () => {
  it('has a declared scope on every route that is not on the public allow-list', () => {
    const routes = pulse.app.pulseRoutes;
    expect(routes.length).toBeGreaterThan(10);
    const unscoped = routes.filter((r) => r.scope === null && !PUBLIC_ROUTES.has(`${r.method} ${r.url}`));
    expect(unscoped.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('knows the routes it allows (the list does not name routes that no longer exist)', () => {
    const present = new Set(pulse.app.pulseRoutes.map((r) => `${r.method} ${r.url}`));
    for (const r of ['GET /health', 'GET /', 'GET /analytics']) expect(present.has(r), r).toBe(true);
  });

  it('answers 401 on every scoped GET route without a key', async () => {
    const scoped = pulse.app.pulseRoutes.filter((r) => r.scope !== null && r.method === 'GET' && !r.url.includes(':'));
    expect(scoped.length).toBeGreaterThan(3);
    for (const r of scoped) {
      const res = await fetch(`${pulse.url}${r.url}`);
      expect(res.status, r.url).toBe(401);
    }
  });
});
