import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPulse } from '../test-support/pulse.js';

/** ANALYTICS_CORS_ORIGINS (CONTRACT §2): a listed origin may call the whole API from a browser. */
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;

beforeAll(async () => {
  pulse = await startTestPulse({ apiKey: 'cors-admin-key', corsOrigins: ['http://localhost:3000'] });
});
afterAll(async () => {
  await pulse?.dispose();
});

const preflight = (path: string, origin: string, method: string) =>
  fetch(`${pulse.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });

describe('CORS', () => {
  it('a listed origin\'s preflight allows every method the API has (keys are revoked, rules edited with PUT and DELETE)', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const res = await preflight('/v1/alert-rules/rule_x', 'http://localhost:3000', method);
      expect(res.status, method).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), method).toBe('http://localhost:3000');
      expect(res.headers.get('access-control-allow-methods')?.split(/,\s*/), method).toContain(method);
      expect(res.headers.get('access-control-allow-headers'), method).toMatch(/authorization/);
      expect(res.headers.get('access-control-allow-credentials'), method).toBeNull();
    }
  });

  it('another origin gets no allow-origin, and an answer exposes Retry-After to the listed one', async () => {
    const other = await preflight('/v1/query', 'http://evil.example', 'GET');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const res = await fetch(`${pulse.url}/v1/query?measures=count`, { headers: { origin: 'http://localhost:3000', authorization: 'Bearer cors-admin-key' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-expose-headers')?.toLowerCase()).toMatch(/retry-after/);
  });
});
