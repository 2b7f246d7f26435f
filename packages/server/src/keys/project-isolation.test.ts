import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

/** CONTRACT §3: a project key — admin scope included — never reads or writes another project, whatever the body names. */
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
let pulse: Pulse;
const ADMIN = 'admin-secret-for-isolation-tests';
const admin = { authorization: `Bearer ${ADMIN}` };
let team: Record<string, string>;

beforeAll(async () => {
  pulse = await startTestPulse({ apiKey: ADMIN });
  const k = await postJson(`${pulse.url}/v1/keys`, { project: 'team', scope: 'admin' }, admin);
  expect(k.status).toBe(201);
  team = { authorization: `Bearer ${k.json.key}` };
});
afterAll(async () => {
  await pulse?.dispose();
});

const send = async (url: string, method: string, body: unknown, headers: Record<string, string>) => {
  const init = body === undefined ? { method, headers } : { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
  const res = await fetch(url, init);
  return { status: res.status, json: await res.json().catch(() => null) };
};

describe('project isolation of alert rules', () => {
  it('a project admin key cannot create a rule in another project by naming it in the body', async () => {
    const res = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Sneaky', condition: 'error_rate > 0.5', project: 'victim' }, team);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/^project/);
    const victims = await getJson(`${pulse.url}/v1/alert-rules?project=victim`, admin);
    expect(victims.json.rules.map((r: { name: string }) => r.name)).not.toContain('Sneaky');
  });

  it('naming its own project, or none, still creates the rule there; ANALYTICS_API_KEY may name any project', async () => {
    const own = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Own', condition: 'error_rate > 0.5', project: 'team' }, team);
    expect(own.status).toBe(201);
    expect(own.json.project).toBe('team');
    const none = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'None', condition: 'error_rate > 0.5' }, team);
    expect(none.json.project).toBe('team');
    const any = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Theirs', condition: 'error_rate > 0.5', project: 'victim' }, admin);
    expect(any.status).toBe(201);
    expect(any.json.project).toBe('victim');
  });

  it('another project\'s rule is not found for a project key, nor movable into another project', async () => {
    const theirs = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Victim rule', condition: 'error_rate > 0.5', project: 'victim' }, admin);
    const id = theirs.json.id as string;
    expect((await getJson(`${pulse.url}/v1/alert-rules/${id}`, team)).status).toBe(404);
    expect((await send(`${pulse.url}/v1/alert-rules/${id}`, 'PUT', { name: 'x', condition: 'error_rate > 0.1' }, team)).status).toBe(404);
    expect((await send(`${pulse.url}/v1/alert-rules/${id}`, 'DELETE', undefined, team)).status).toBe(404);
    const mine = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Mine', condition: 'error_rate > 0.5' }, team);
    const moved = await send(`${pulse.url}/v1/alert-rules/${mine.json.id}`, 'PUT', { name: 'Mine', condition: 'error_rate > 0.5', project: 'victim' }, team);
    expect(moved.status).toBe(403);
  });

  it("seed 004's tenant_id names the project as project does: a project key cannot write another through it", async () => {
    const sneaky = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Sneaky 004', metric: 'cost_usd', operator: '>', threshold: 1, tenant_id: 'victim' }, team);
    expect(sneaky.status).toBe(403);
    expect(sneaky.json.error.message).toMatch(/^project/);
    const own = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Own 004', metric: 'cost_usd', operator: '>', threshold: 1, tenant_id: 'team' }, team);
    expect(own.status).toBe(201);
    expect(own.json.project).toBe('team');
    const moved = await send(`${pulse.url}/v1/alert-rules/${own.json.id}`, 'PUT', { name: 'Own 004', metric: 'cost_usd', threshold: 1, tenant_id: 'victim' }, team);
    expect(moved.status).toBe(403);
    const any = await postJson(`${pulse.url}/v1/alert-rules`, { name: 'Theirs 004', metric: 'cost_usd', threshold: 1, tenant_id: 'victim' }, admin);
    expect(any.status).toBe(201);
    expect(any.json.project).toBe('victim');
  });
});
