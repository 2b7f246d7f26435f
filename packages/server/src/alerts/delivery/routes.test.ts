/**
 * `GET /v1/alert-deliveries` on a real server: the env channel delivers to a local receiver, the attempts are
 * listed by alert id, channel and outcome, scoped to the caller's project, without secrets; bad parameters are 400s
 * naming the parameter.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../../test-support/pulse.js';
import { redactConfig } from '../../config/load.js';
import { httpReceiver, type HttpReceiver } from '../channels/test-support/receiver.js';
import { fixtureAlert, fixtureNotification } from '../channels/test-support/notification.js';

const ADMIN = 'admin-key-for-delivery-tests';
let pulse: Awaited<ReturnType<typeof startTestPulse>>;
let hook: HttpReceiver;
const auth = { authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  hook = await httpReceiver();
  const statuses = [503, 200, 422];
  hook.respond((_r, res) => { res.writeHead(statuses.shift() ?? 200).end(); });
  pulse = await startTestPulse({
    env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, ALERT_WEBHOOK_URL: `${hook.url}/hooks/secret-path-token`, ALERT_WEBHOOK_FORMAT: 'alertmanager' },
  });
});
afterAll(async () => {
  await pulse?.dispose();
  await hook?.close();
});

it('wires the notifier into the server, and lists every attempt by alert', async () => {
  expect(pulse.delivery).not.toBeNull();
  expect(pulse.notifier).toBe(pulse.delivery);
  expect(pulse.notifier.channelNames()).toEqual(['webhook']);
  const a = fixtureNotification({ groupKey: 'g-a', alerts: [fixtureAlert({ id: 'alert-a' })] });
  const b = fixtureNotification({ groupKey: 'g-b', alerts: [fixtureAlert({ id: 'alert-b', fingerprint: 'fp-b' })] });
  pulse.notifier.dispatch(a); // 503, then 200 on retry
  pulse.notifier.dispatch(b); // 422: not retried
  await pulse.delivery!.idle();

  const ra = await getJson(`${pulse.url}/v1/alert-deliveries?alert_id=alert-a`, auth);
  expect(ra.status).toBe(200);
  expect(ra.json.deliveries.map((d: any) => [d.attempt, d.outcome, d.status_code])).toEqual([[2, 'success', 200], [1, 'retry', 503]]);
  const d = ra.json.deliveries[0];
  expect(d).toMatchObject({
    alert_ids: ['alert-a'], group_key: 'g-a', status: 'firing', channel: 'webhook', channel_type: 'alertmanager-webhook',
    target: `alertmanager webhook ${hook.url}`, error: null,
  });
  expect(Date.parse(d.timestamp)).toBeGreaterThan(Date.now() - 60_000);
  expect(typeof d.duration_ms).toBe('number');

  const rb = await getJson(`${pulse.url}/v1/alert-deliveries?alert_id=alert-b`, auth);
  expect(rb.json.deliveries.map((x: any) => [x.attempt, x.outcome, x.status_code])).toEqual([[1, 'failure', 422]]);

  const failures = await getJson(`${pulse.url}/v1/alert-deliveries?outcome=failure&channel=webhook`, auth);
  expect(failures.json.deliveries.map((x: any) => x.alert_ids)).toEqual([['alert-b']]);
  const limited = await getJson(`${pulse.url}/v1/alert-deliveries?limit=1`, auth);
  expect(limited.json.deliveries).toHaveLength(1);

  // Another project sees none of the default project's deliveries.
  const other = await getJson(`${pulse.url}/v1/alert-deliveries?project=other`, auth);
  expect(other.json.deliveries).toEqual([]);
  // No secret anywhere in the API.
  expect(JSON.stringify([ra.json, rb.json])).not.toContain('secret-path-token');
  expect(JSON.stringify(redactConfig(pulse.config))).not.toContain('secret-path-token');
});

it('needs a key, and names a bad parameter in a 400', async () => {
  expect((await getJson(`${pulse.url}/v1/alert-deliveries`)).status).toBe(401);
  for (const [q, param] of [['outcome=maybe', 'outcome'], ['limit=0', 'limit'], ['limit=abc', 'limit'], ['alert=1', 'alert'], ['alert_id=', 'alert_id']]) {
    const r = await getJson(`${pulse.url}/v1/alert-deliveries?${q}`, auth);
    expect(r.status, q).toBe(400);
    expect(r.json.error.message.startsWith(`${param}:`), r.json.error.message).toBe(true);
  }
  expect((await postJson(`${pulse.url}/v1/alert-deliveries`, {}, auth)).status).toBe(404);
});
