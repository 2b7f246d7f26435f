/**
 * Two real Pulse servers on one PostgreSQL (PULSE_POSTGRES_URL, one schema): one leads and evaluates, the other
 * follows; a rule made on the follower reaches the leader; events ingested on either reach the other's live window
 * and the leader's event rules; when the leader's session dies the follower takes over from the persisted state and
 * does not notify again what was already sent.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingNotifier } from '../alerts/test-support/recording-notifier.js';
import { postgresMissing, testCluster } from '../store/postgres/test-support/pg-cluster.js';
import { connect } from '../live/test-support/ws-client.js';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';
import type { PgLeaderElection } from './pg-leader.js';
import { httpReceiver, type HttpReceiver } from '../alerts/channels/test-support/receiver.js';

const missing = postgresMissing();
if (missing !== null) console.warn(missing);
const cluster = testCluster();
const ADMIN = 'cluster-e2e-admin';
const admin = { authorization: `Bearer ${ADMIN}` };

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const running: Pulse[] = [];
const hooks: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.dispose()));
  await Promise.all(hooks.splice(0).map((h) => h.close()));
});

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

const queueFailure = (queue: string) => ({
  type: 'error', name: 'queue_failure', status: 'error', service: 'worker', error_type: 'TimeoutError',
  error_message: `job timed out in ${queue}`, attributes: { alert: 'queue_failure', queue_name: queue },
});

describe.skipIf(missing !== null)('several Pulse instances on one PostgreSQL (real servers)', { timeout: 60_000 }, () => {
  it('elects one leader, shares rules and live events, and fails over without notifying twice', async () => {
    const c = await cluster();
    const env = (id: string) => ({ PULSE_POSTGRES_URL: c.url, PULSE_POSTGRES_SCHEMA: schema, PULSE_POSTGRES_POOL_SIZE: '3', PULSE_INSTANCE_ID: id, LOG_LEVEL: 'silent' });
    const schema = c.schema();
    const n1 = new RecordingNotifier();
    const n2 = new RecordingNotifier();
    const one = await startTestPulse({ env: env('one'), apiKey: ADMIN, notifier: n1 });
    running.push(one);
    const two = await startTestPulse({ env: env('two'), apiKey: ADMIN, notifier: n2 });
    running.push(two);

    // --- one leads (it started first); two says so in /api/background-tasks
    const tasks2 = (await getJson(`${two.url}/api/background-tasks`, admin)).json;
    expect(tasks2.cluster).toEqual({ instance: 'two', leader: false, leaderInstance: 'one' });
    const byName = (list: { name: string }[], name: string) => list.find((t) => t.name === name) as Record<string, unknown>;
    expect(byName(tasks2.tasks, 'alert-evaluation')).toMatchObject({ leaderOnly: true, leader: false, leaderInstance: 'one' });
    expect(byName(tasks2.tasks, 'alert-history-retention')).toMatchObject({ leaderOnly: true, leader: false });
    expect(byName(tasks2.tasks, 'export-resume')).toMatchObject({ leaderOnly: true, leader: false });
    expect(byName(tasks2.tasks, 'export-cleanup')).toMatchObject({ leaderOnly: false, leader: true });
    // The event store is each instance's own file here, so its retention runs on every instance.
    expect(byName(tasks2.tasks, 'retention')).toMatchObject({ leaderOnly: false, leader: true });
    const tasks1 = (await getJson(`${one.url}/api/background-tasks`, admin)).json;
    expect(tasks1.cluster).toEqual({ instance: 'one', leader: true, leaderInstance: 'one' });
    expect(byName(tasks1.tasks, 'alert-evaluation')).toMatchObject({ leader: true, leaderInstance: 'one' });

    // --- a rule made on the follower reaches the leader's engine at once
    const rule = await postJson(`${two.url}/v1/alert-rules`, { name: 'Queue failure', kind: 'event', attributes: { alert: 'queue_failure' }, severity: 'critical', group_interval: '0s' }, admin);
    expect(rule.status).toBe(201);
    expect(await until('the leader to know the rule', () => one.alerts.rule(rule.json.id) !== undefined, 2_000)).toBeLessThan(2_000);

    // --- live: events ingested on one show in two's live window within 2 s (and the other way round)
    const w1 = await one.metricsHub.window('default', []);
    const w2 = await two.metricsHub.window('default', []);
    const seen2 = w2.window.eventsSeen;
    const llm = Array.from({ length: 3 }, (_, i) => ({ type: 'llm', name: `chat-${i}`, model: 'gpt-4o', duration_ms: 400 + i }));
    expect((await postJson(`${one.url}/v1/events`, { events: llm }, admin)).status).toBeLessThan(300);
    expect(await until('two’s live window to count one’s events', () => w2.window.eventsSeen === seen2 + 3, 2_000)).toBeLessThan(2_000);
    expect(w2.window.snapshot().recent.events).toBeGreaterThanOrEqual(3);

    // The live tail of two shows an event ingested on one.
    const tail = await connect(`${two.url.replace('http', 'ws')}/ws/events?api_key=${ADMIN}&persona=remote`);
    await tail.next((f) => f.type === 'hello');
    const sentAt = Date.now();
    await postJson(`${one.url}/v1/events`, { events: [{ type: 'message', persona: 'remote', status: 'error', user_id: 'u7' }, { type: 'message', persona: 'local' }] }, admin);
    const frame = await tail.next((f) => f.type === 'events' && f.events.length > 0, 2_000);
    expect(Date.now() - sentAt).toBeLessThan(2_000);
    expect(frame.events).toEqual([expect.objectContaining({ type: 'message', persona: 'remote', status: 'error', user_id: 'u7' })]);
    tail.close();

    // --- an event ingested on the follower fires the rule on the leader (through the live feed), once
    const seen1 = w1.window.eventsSeen;
    expect((await postJson(`${two.url}/v1/events`, { events: [queueFailure('emails')] }, admin)).status).toBeLessThan(300);
    const [first] = await n1.waitFor(1, 3_000);
    expect(first!.alerts[0]).toMatchObject({ rule: rule.json.id, state: 'firing', labels: { queue_name: 'emails' } });
    expect(w1.window.eventsSeen).toBe(seen1 + 1);
    const firingId = first!.alerts[0]!.id;
    // The follower serves the same alert (the leader's writes are announced; it reloads them).
    await until('the follower to hold the firing alert', () => two.alerts.tracked('default').some((a) => a.id === firingId && a.state === 'firing'), 2_000);
    await two.tasks.runNow('alert-evaluation'); // skipped off the leader
    expect(n2.received).toHaveLength(0);

    // --- the leader's session dies: one stops leading at once, two takes over from the persisted state
    const election = one.cluster.leadership as PgLeaderElection;
    const admin_ = new pg.Client({ connectionString: c.url });
    await admin_.connect();
    try {
      await admin_.query('SELECT pg_terminate_backend($1)', [election.backendPid]);
    } finally {
      await admin_.end();
    }
    await until('one to step down', () => !one.cluster.leadership.isLeader(), 2_000);
    const failover = await until('two to lead', () => two.cluster.leadership.isLeader(), 5_000);
    expect(failover).toBeLessThan(5_000);
    expect(two.alerts.tracked('default').find((a) => a.id === firingId)).toMatchObject({ state: 'firing' });
    // It evaluates, and hears the same failure again (ingested on the old leader, now a follower): still firing,
    // already notified — nothing is sent again.
    await two.tasks.runNow('alert-evaluation');
    expect((await postJson(`${one.url}/v1/events`, { events: [queueFailure('emails')] }, admin)).status).toBeLessThan(300);
    await until('two to see the repeat', () => two.alerts.stats.eventTriggers >= 1, 3_000);
    await two.tasks.runNow('alert-evaluation');
    await one.tasks.runNow('alert-evaluation');
    await new Promise((r) => setTimeout(r, 300));
    expect(n2.received).toHaveLength(0);
    expect(n1.received).toHaveLength(1);
    // A new failure is the new leader's to notify — once.
    expect((await postJson(`${one.url}/v1/events`, { events: [queueFailure('reports')] }, admin)).status).toBeLessThan(300);
    const [next] = await n2.waitFor(1, 3_000);
    expect(next!.alerts.map((a) => a.labels.queue_name)).toContain('reports');
    await new Promise((r) => setTimeout(r, 300));
    expect(n1.received).toHaveLength(1);
    expect(n2.received).toHaveLength(1);
    // Once its hold-off after stepping down has passed, the old leader tries again and learns who leads.
    await until('one to learn the new leader', () => one.cluster.leadership.leaderInstance() === 'two', 6_000);
    const after1 = (await getJson(`${one.url}/api/background-tasks`, admin)).json;
    expect(after1.cluster).toEqual({ instance: 'one', leader: false, leaderInstance: 'two' });

    // --- what a follower changes reaches the leader's engine at once: an acknowledgement, a silence, a deleted rule
    const ack = await postJson(`${one.url}/v1/analytics/alerts/${firingId}/acknowledge`, {}, admin);
    expect(ack.status).toBe(200);
    await until('the leader to hold the acknowledgement', () => two.alerts.tracked('default').find((a) => a.id === firingId)?.acknowledgedAt != null, 2_000);
    const silence = await postJson(`${one.url}/v1/silences`, { matchers: [{ name: 'queue_name', op: '=', value: 'nightly' }], duration: '1h', comment: 'maintenance' }, admin);
    expect(silence.status).toBe(201);
    await until('the leader to hold the silence', () => two.alerts.silences().some((x) => x.id === silence.json.id), 2_000);
    const deleted = await fetch(`${one.url}/v1/alert-rules/${rule.json.id}`, { method: 'DELETE', headers: admin });
    expect(deleted.status).toBe(204);
    await until('the leader to drop the rule', () => !two.alerts.isApiRule(rule.json.id), 2_000);
    await two.tasks.runNow('alert-evaluation'); // its alerts resolve, notified by the leader only
    const [, resolved] = await n2.waitFor(2, 3_000);
    expect(resolved!.status).toBe('resolved');
    expect(n1.received).toHaveLength(1);

    // --- a project setting changed elsewhere (here by an operator's SQL) applies at once, not after the cache's 10 s
    const db = new pg.Client({ connectionString: c.url, options: `-c search_path=${schema}` });
    await db.connect();
    try {
      await db.query(`INSERT INTO projects (name, created_at, store_text) VALUES ('default', now(), true)
        ON CONFLICT (name) DO UPDATE SET store_text = true`);
    } finally {
      await db.end();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await postJson(`${one.url}/v1/events`, { events: [{ type: 'message', name: 'with-text', text: 'hello from the other side' }] }, admin)).status).toBeLessThan(300);
    expect(await one.store.query("SELECT text FROM events WHERE name = 'with-text'", [])).toEqual([{ text: 'hello from the other side' }]);

    const scrape = async (p: Pulse) => (await fetch(`${p.url}/metrics`, { headers: admin })).text();
    const [m1, m2] = [await scrape(one), await scrape(two)];
    expect(m1).toMatch(/^pulse_cluster_leader 0$/m);
    expect(m2).toMatch(/^pulse_cluster_leader 1$/m);
    // one sent its 3 + 2 + 2 + 1 events, two its 1; each received the other's.
    // (sent once the fan-out handed the last batch on: just after its acknowledgement)
    await until('one to have sent all its events', async () => /^pulse_cluster_live_feed_events_total\{outcome="sent"\} 8$/m.test(await scrape(one)), 2_000);
    expect(m1).toMatch(/^pulse_cluster_live_feed_events_total\{outcome="received"\} 1$/m);
    await until('two to receive all of one’s events', async () => /^pulse_cluster_live_feed_events_total\{outcome="received"\} 8$/m.test(await scrape(two)), 2_000);
    expect(m2).toMatch(/^pulse_background_task_skipped_total\{task="alert-evaluation"\} [1-9]/m);
  });
  it('a leader that loses its lead while a notification waits for a retry drops it; the new leader sends it from the outbox', async () => {
    const c = await cluster();
    const schema = c.schema();
    const hook = await httpReceiver();
    hooks.push(hook);
    hook.respond((_r, res) => { res.writeHead(503).end('later'); });
    // The real notifier (no notifier passed), one json channel: a 503 is retried after 0.5–1 s, then 1–2 s, …
    const env = (id: string) => ({
      PULSE_POSTGRES_URL: c.url, PULSE_POSTGRES_SCHEMA: schema, PULSE_POSTGRES_POOL_SIZE: '3', PULSE_INSTANCE_ID: id, LOG_LEVEL: 'silent',
      ALERT_WEBHOOK_URL: `${hook.url}/hook`, ALERT_WEBHOOK_FORMAT: 'json',
    });
    const one = await startTestPulse({ env: env('one'), apiKey: ADMIN });
    running.push(one);
    const two = await startTestPulse({ env: env('two'), apiKey: ADMIN });
    running.push(two);
    expect(one.cluster.leadership.isLeader()).toBe(true);
    const rule = await postJson(`${one.url}/v1/alert-rules`, { name: 'Queue failure', kind: 'event', attributes: { alert: 'queue_failure' }, severity: 'critical', group_interval: '0s' }, admin);
    expect(rule.status).toBe(201);
    await until('the leader to know the rule', () => one.alerts.rule(rule.json.id) !== undefined, 2_000);
    expect((await postJson(`${one.url}/v1/events`, { events: [queueFailure('emails')] }, admin)).status).toBeLessThan(300);
    const attempts = (p: Pulse, outcome: string) => p.delivery!.stats().attempts.filter((a) => a.outcome === outcome).reduce((n, a) => n + a.count, 0);
    await until('one’s first attempt to be refused', () => attempts(one, 'retry') === 1, 3_000);

    // one's session dies while the firing waits for its retry: one stops leading and drops it.
    const admin_ = new pg.Client({ connectionString: c.url });
    await admin_.connect();
    try {
      await admin_.query('SELECT pg_terminate_backend($1)', [(one.cluster.leadership as PgLeaderElection).backendPid]);
    } finally {
      await admin_.end();
    }
    await until('one to step down', () => !one.cluster.leadership.isLeader(), 2_000);
    expect(one.delivery!.stats().queued.every((q) => q.count === 0)).toBe(true);
    // two takes over and sends it from the outbox; the receiver now accepts.
    hook.respond((_r, res) => { res.writeHead(200).end(); });
    await until('two to lead', () => two.cluster.leadership.isLeader(), 5_000);
    await until('two to deliver the firing', () => attempts(two, 'success') === 1, 5_000);
    // Past one's retries (0.5–1 s, then 1–2 s): it never tried again.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(attempts(one, 'retry') + attempts(one, 'success') + attempts(one, 'failure')).toBe(1);
    expect(hook.received.map((r) => (r.body as { state: string }).state)).toEqual(['firing', 'firing']);
  });
});
