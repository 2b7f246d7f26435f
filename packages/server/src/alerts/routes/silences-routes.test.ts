import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPulse } from '../../test-support/pulse.js';
import { RecordingNotifier } from '../test-support/recording-notifier.js';

/** The silence and alert-list API on a real server (real DuckDB file): bad input is a 400 naming the field. */
const ADMIN = 'admin-secret-key';
let pulse: Awaited<ReturnType<typeof startTestPulse>>;
beforeAll(async () => {
  pulse = await startTestPulse({ apiKey: ADMIN, notifier: new RecordingNotifier(), env: { LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '3600' } });
});
afterAll(async () => {
  await pulse?.dispose();
});

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${pulse.url}${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe('silences API', () => {
  it('refuses times beyond what a date can hold, naming the field, and stores nothing (the list answered 500 for good)', async () => {
    const matchers = [{ name: 'alertname', value: 'x' }];
    for (const [body, field] of [
      [{ matchers, ends_at: '9999999999999999' }, 'ends_at'],
      [{ matchers, starts_at: '99999999999999999999', duration: '1h' }, 'starts_at'],
      [{ matchers, duration: '99999999999d' }, 'duration'],
      [{ matchers, duration: 1e300 }, 'duration'],
    ] as const) {
      const res = await send('POST', '/v1/silences', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.message).toMatch(new RegExp(`^${field}: `));
    }
    const list = await send('GET', '/v1/silences');
    expect(list.status).toBe(200);
    expect(list.json.silences).toEqual([]);
  });

  it('DELETE of a silence not yet started lists it as expired, as it says', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const created = await send('POST', '/v1/silences', { matchers: [{ name: 'alertname', value: 'y' }], starts_at: later, duration: '1h' });
    expect(created.status).toBe(201);
    expect(created.json.status.state).toBe('pending');
    expect((await send('DELETE', `/v1/silences/${created.json.id}`)).status).toBe(204);
    const listed = (await send('GET', '/v1/silences')).json.silences.find((s: { id: string }) => s.id === created.json.id);
    expect(listed.status.state).toBe('expired');
  });
});

describe('GET /v1/analytics/alerts', () => {
  it('answers a repeated parameter with a 400 naming it, not a 500', async () => {
    for (const name of ['since', 'rule', 'state', 'severity', 'limit']) {
      const value = name === 'since' ? '1h' : name === 'limit' ? '5' : name === 'state' ? 'firing' : name === 'severity' ? 'high' : 'r';
      const res = await send('GET', `/v1/analytics/alerts?${name}=${value}&${name}=${value}`);
      expect(res.status, name).toBe(400);
      expect(res.json.error.message).toMatch(new RegExp(`^${name}: `));
    }
  });
});
