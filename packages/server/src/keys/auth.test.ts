import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;
const ADMIN = 'admin-secret-for-tests';
const admin = { authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  pulse = await startTestPulse({ apiKey: ADMIN });
});
afterAll(async () => {
  await pulse?.dispose();
});

const createKey = async (project: string, scope: string): Promise<{ id: string; key: string }> => {
  const r = await postJson(`${pulse.url}/v1/keys`, { project, scope, name: `${project}-${scope}` }, admin);
  expect(r.status).toBe(201);
  expect(r.json).toMatchObject({ project, scope });
  expect(r.json.key).toMatch(/^pulse_[A-Za-z0-9_-]{43}$/);
  return r.json;
};

describe('keys and scopes (CONTRACT §3)', () => {
  it('401 without a key or with an unknown one; /health stays public', async () => {
    expect((await postJson(`${pulse.url}/v1/events`, [{ type: 'llm' }])).status).toBe(401);
    expect((await postJson(`${pulse.url}/v1/events`, [{ type: 'llm' }], { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await getJson(`${pulse.url}/v1/keys`)).status).toBe(401);
    expect((await getJson(`${pulse.url}/health`)).status).toBe(200);
  });

  it('an ingest key writes only its project, cannot read, and is accepted in all three places', async () => {
    const k = await createKey('bot', 'ingest');
    const viaBearer = await postJson(`${pulse.url}/v1/events`, [{ type: 'llm', name: 'k-bearer' }], { authorization: `Bearer ${k.key}` });
    const viaHeader = await postJson(`${pulse.url}/v1/events`, [{ type: 'llm', name: 'k-header' }], { 'x-api-key': k.key });
    const viaQuery = await postJson(`${pulse.url}/v1/events?api_key=${encodeURIComponent(k.key)}`, [{ type: 'llm', name: 'k-query' }]);
    expect([viaBearer.status, viaHeader.status, viaQuery.status]).toEqual([200, 200, 200]);
    const twice = await postJson(`${pulse.url}/v1/events?api_key=${encodeURIComponent(k.key)}&api_key=other`, [{ type: 'llm', name: 'k-twice' }]);
    expect(twice.status).toBe(400);
    expect(twice.json.error.message).toBe('api_key: given more than once; send one key');
    const rows = await pulse.store.query(`SELECT DISTINCT project FROM events WHERE name LIKE 'k-%'`, []);
    expect(rows).toEqual([{ project: 'bot' }]);
    expect((await postJson(`${pulse.url}/v1/events?project=other`, [{ type: 'llm' }], { 'x-api-key': k.key })).status).toBe(403);
    expect((await getJson(`${pulse.url}/v1/query?measures=count`, { 'x-api-key': k.key })).status).toBe(403);
    expect((await getJson(`${pulse.url}/v1/keys`, { 'x-api-key': k.key })).status).toBe(403);
  });

  it('a read key queries its own project only and cannot ingest', async () => {
    const k = await createKey('bot', 'read');
    const q = await getJson(`${pulse.url}/v1/query?measures=count&start_date=2000-01-01`, { 'x-api-key': k.key });
    expect(q.status).toBe(200);
    expect(q.json.data[0].count).toBe(3); // the three events the ingest key wrote into `bot`
    const other = await getJson(`${pulse.url}/v1/query?measures=count&project=default`, { 'x-api-key': k.key });
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.json)).not.toMatch(/exist/i);
    expect((await postJson(`${pulse.url}/v1/events`, [{ type: 'llm' }], { 'x-api-key': k.key })).status).toBe(403);
  });

  it('lists keys without secrets or hashes, and a revoked key stops working', async () => {
    const k = await createKey('shop', 'ingest');
    const list = await getJson(`${pulse.url}/v1/keys`, admin);
    expect(list.status).toBe(200);
    const mine = list.json.keys.find((x: { id: string }) => x.id === k.id);
    expect(mine).toMatchObject({ project: 'shop', scope: 'ingest', revoked_at: null });
    expect(JSON.stringify(list.json)).not.toContain(k.key);
    expect(JSON.stringify(list.json)).not.toMatch(/hash/);
    const del = await fetch(`${pulse.url}/v1/keys/${k.id}`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(204);
    expect((await postJson(`${pulse.url}/v1/events`, [{ type: 'llm' }], { 'x-api-key': k.key })).status).toBe(401);
    expect((await fetch(`${pulse.url}/v1/keys/${k.id}`, { method: 'DELETE', headers: admin })).status).toBe(404);
  });

  it('accepts ?api_key= on every scoped GET route (CONTRACT §3), never as an unknown parameter', async () => {
    const k = await createKey('bot', 'read');
    const routes = pulse.app.pulseRoutes.filter((r) => r.scope !== null && r.method === 'GET' && !r.url.includes(':') && !r.url.startsWith('/ws/'));
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) {
      const viaQuery = await getJson(`${pulse.url}${r.url}?api_key=${encodeURIComponent(k.key)}`);
      const viaHeader = await getJson(`${pulse.url}${r.url}`, { 'x-api-key': k.key });
      // A read key gets what its header gets: the route's answer, or the same 403 on an admin route.
      expect(viaQuery.status, r.url).toBe(viaHeader.status);
      expect(JSON.stringify(viaQuery.json), r.url).not.toMatch(/api_key/);
    }
  });

  it('validates key creation and names the field', async () => {
    const bad = await postJson(`${pulse.url}/v1/keys`, { project: 'x', scope: 'superuser' }, admin);
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^scope/);
    const badP = await postJson(`${pulse.url}/v1/keys`, { project: 'Has Spaces', scope: 'read' }, admin);
    expect(badP.json.error.message).toMatch(/^project/);
    const badN = await postJson(`${pulse.url}/v1/keys`, { scope: 'read', name: 'bot\u0000one' }, admin);
    expect(badN.status).toBe(400);
    expect(badN.json.error.message).toMatch(/^name: must not contain NUL/);
  });

  it('a project admin key manages only its own project', async () => {
    const k = await createKey('team', 'admin');
    const h = { authorization: `Bearer ${k.key}` };
    expect((await postJson(`${pulse.url}/v1/keys`, { project: 'bot', scope: 'read' }, h)).status).toBe(403);
    const own = await postJson(`${pulse.url}/v1/keys`, { scope: 'read' }, h);
    expect(own.status).toBe(201);
    expect(own.json.project).toBe('team');
    const list = await getJson(`${pulse.url}/v1/keys`, h);
    expect(list.json.keys.every((x: { project: string }) => x.project === 'team')).toBe(true);
  });

  it('what spans every project (the store file, the server, its settings) is for ANALYTICS_API_KEY only, not a project admin key', async () => {
    const k = await createKey('island', 'admin');
    const h = { 'x-api-key': k.key };
    // Another project's data, which the backup file and the whole-store figures would hold.
    expect((await postJson(`${pulse.url}/v1/events?project=mainland`, [{ type: 'llm', user_id: 'secret-user' }], admin)).status).toBe(200);
    const post = (path: string, headers: Record<string, string>) => fetch(`${pulse.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    for (const path of ['/api/system', '/api/config', '/api/debug/analytics', '/api/background-tasks', '/api/reports', '/api/profiling/results']) {
      const res = await getJson(`${pulse.url}${path}`, h);
      expect(res.status, path).toBe(403);
      expect(res.json.error.message, path).toBe('this endpoint covers every project: use ANALYTICS_API_KEY, not a project key');
    }
    const backup = await post('/api/backup', h);
    expect(backup.status).toBe(403);
    expect(backup.headers.get('content-type')).toMatch(/json/);
    // Its own project's admin work still goes.
    expect((await getJson(`${pulse.url}/v1/keys`, h)).status).toBe(200);
    expect((await getJson(`${pulse.url}/v1/alert-rules`, h)).status).toBe(200);
    // The performance preset answers it without the host and whole-store figures; the every-project key gets them.
    const mine = await getJson(`${pulse.url}/v1/analytics/performance/metrics`, h);
    expect(mine.status).toBe(200);
    const all = await getJson(`${pulse.url}/v1/analytics/performance/metrics?project=island`, admin);
    expect(all.status).toBe(200);
    expect([mine.json.system, mine.json.database]).toEqual([null, null]);
    expect(all.json.system).not.toBeNull();
    expect(all.json.database).not.toBeNull();
    expect((await getJson(`${pulse.url}/api/system`, admin)).status).toBe(200);
  });
});

