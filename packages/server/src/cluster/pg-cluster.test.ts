/**
 * The cluster parts on a real PostgreSQL: the leader election (advisory lock on its own session), changes announced by
 * the tables' triggers, and the live feed between two fan-outs on one database.
 */
import type { StoredEvent } from '@pulse/protocol';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { alertInstance } from '../alerts/store/test-support/alert-store.contract.js';
import { FanOut } from '../fanout/fanout.js';
import { clientConfig, openPostgresMetaStores, type PostgresMetaStores } from '../store/postgres/index.js';
import { blackholeProxy } from '../store/postgres/test-support/blackhole-proxy.js';
import { postgresMissing, testCluster } from '../store/postgres/test-support/pg-cluster.js';
import { pgCluster } from './pg-cluster.js';
import { PgLeaderElection } from './pg-leader.js';
import type { ChangeTopic, Cluster } from './types.js';

const missing = postgresMissing();
if (missing !== null) console.warn(missing);
const cluster = testCluster();

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
});

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

function election(url: string, schema: string, instance: string): PgLeaderElection {
  const { schema: _s, ...config } = clientConfig({ url, schema, instance });
  const e = new PgLeaderElection({ config, schema, instance, retryMs: 200, leaseMs: 1_500, idleTimeoutMs: 3_000 });
  cleanup.push(() => e.close());
  return e;
}

describe.skipIf(missing !== null)('leader election (real PostgreSQL)', { timeout: 30_000 }, () => {
  it('elects exactly one, names it to the others, and moves when its session dies or it stops', async () => {
    const c = await cluster();
    const schema = c.schema();
    const a = election(c.url, schema, 'one');
    const b = election(c.url, schema, 'two');
    const heard: string[] = [];
    a.onChange((l) => heard.push(`one:${l}`));
    b.onChange((l) => heard.push(`two:${l}`));
    let prepared = 0;
    b.beforeLeading(async () => {
      prepared++;
      expect(b.isLeader()).toBe(false); // hooks run before it acts as leader
    });
    await a.start();
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(b.leaderInstance()).toBe('one');
    expect(a.leaderInstance()).toBe('one');
    // Another deployment (schema) on the same database elects its own leader.
    const other = election(c.url, c.schema(), 'three');
    await other.start();
    expect(other.isLeader()).toBe(true);

    // The leader's session is killed (a network cut, a restarted pooler…): it stops leading at once, the follower
    // takes the lock at its next attempt.
    const pid = a.backendPid!;
    await sql(c.url, 'SELECT pg_terminate_backend($1)', [pid]);
    await until('the old leader to step down', () => !a.isLeader(), 2_000);
    const took = await until('the follower to lead', () => b.isLeader(), 3_000);
    expect(took).toBeLessThan(3_000);
    expect(prepared).toBe(1);
    await until('the old leader to see the new one', () => a.leaderInstance() === 'two', 2_000);
    expect(a.isLeader()).toBe(false);
    expect(heard).toEqual(['one:true', 'one:false', 'two:true']);
    // Exactly one holder in pg_locks for this schema's key.
    const holders = await sql(c.url, `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
      AND classid = hashtext('pulse-leader')::oid AND objid = hashtext($1)::oid`, [schema]);
    expect(holders.rows[0].n).toBe(1);

    // A clean stop releases the lock too.
    await b.close();
    await until('the first to lead again', () => a.isLeader(), 3_000);
    expect(heard.at(-1)).toBe('one:true');
  });

  it('a leader that stops answering (frozen, cut off) loses the lock to the server’s idle-session timeout', async () => {
    const c = await cluster();
    const schema = c.schema();
    const a = election(c.url, schema, 'one');
    await a.start();
    // Freeze it: no more checks on its session (as if the process hung); its socket stays open.
    clearInterval((a as unknown as { timer: NodeJS.Timeout }).timer);
    const b = election(c.url, schema, 'two');
    await b.start();
    expect(b.isLeader()).toBe(false);
    const took = await until('the follower to lead after the idle timeout', () => b.isLeader(), 6_000);
    expect(took).toBeGreaterThan(1_500); // not before the server ended the silent session (3 s here)
    await until('the frozen one to notice', () => !a.isLeader(), 2_000);
  });

  it('a follower whose session was cut silently gives it up and still takes over when the leader goes', async () => {
    const c = await cluster();
    const schema = c.schema();
    const via = await blackholeProxy(c.url);
    cleanup.push(() => via.close());
    const a = election(c.url, schema, 'one');
    await a.start();
    const b = election(via.url, schema, 'two');
    await b.start();
    expect(b.isLeader()).toBe(false);
    // B's session stops carrying anything, socket open: its next attempt waits for an answer that never comes.
    via.blackhole();
    await new Promise((r) => setTimeout(r, 500));
    await a.close();
    await until('the follower to lead after the leader stopped', () => b.isLeader(), 8_000);
  });

  it('a hook that fails gives the lock up, and the next attempt retries', async () => {
    const c = await cluster();
    const schema = c.schema();
    const a = election(c.url, schema, 'one');
    let fail = true;
    a.beforeLeading(async () => {
      if (fail) throw new Error('alert store unreachable');
    });
    await a.start();
    expect(a.isLeader()).toBe(false);
    const b = election(c.url, schema, 'two');
    const bStarted = b.start();
    await bStarted;
    // b could take the lock a gave up.
    expect(b.isLeader()).toBe(true);
    await b.close();
    fail = false;
    await until('the first to lead once its hook succeeds', () => a.isLeader(), 3_000);
  });
});

async function instance(url: string, schema: string, name: string): Promise<{ stores: PostgresMetaStores; cluster: Cluster }> {
  const stores = await openPostgresMetaStores({ url, schema, instance: name, poolSize: 2 });
  const cl = pgCluster({ postgres: stores, instance: name });
  cleanup.push(() => stores.close());
  cleanup.push(() => cl.close());
  return { stores, cluster: cl };
}

const ev = (i: number, over: Partial<StoredEvent> = {}): StoredEvent => ({
  id: `ev-${i}`, ts: Date.now(), type: 'llm', name: 'chat', service: 'bot', environment: null, user_id: `u${i % 3}`, session_id: null,
  persona: null, channel: null, guild: null, prompt_id: null, model: 'gpt-4o', provider: 'openai', input_tokens: 100, output_tokens: 20,
  cost_usd: 0.001, duration_ms: 500 + i, ttft_ms: null, status: 'ok', error_type: null, error_message: null, severity: null, value: null,
  target: null, text: null, sentiment: null, phases: null, attributes: null, project: 'bot', ...over,
});

describe.skipIf(missing !== null)('changes and the live feed between instances (real PostgreSQL)', { timeout: 30_000 }, () => {
  it('announces changes to projects and alerting to the other instances, not to the writer', async () => {
    const c = await cluster();
    const schema = c.schema();
    const one = await instance(c.url, schema, 'one');
    const two = await instance(c.url, schema, 'two');
    const heard = { one: [] as ChangeTopic[], two: [] as ChangeTopic[] };
    for (const topic of ['projects', 'alert_rules', 'alert_silences', 'alerts'] as const) {
      one.cluster.changes.on(topic, () => heard.one.push(topic));
      two.cluster.changes.on(topic, () => heard.two.push(topic));
    }
    await one.stores.alerts.putRule({ id: 'r1', project: 'bot', body: { name: 'x', kind: 'event' }, createdAt: 1, updatedAt: 1 });
    await until('two to hear of the rule', () => heard.two.includes('alert_rules'), 2_000);
    await one.stores.meta.upsertProject({ name: 'bot', createdAt: Date.now(), storeText: false });
    await until('two to hear of the project', () => heard.two.includes('projects'), 2_000);
    await two.stores.alerts.saveGroups([{ key: 'g', ruleId: 'r1', groupLabels: {}, createdAt: 1, lastSentAt: 1, sentFiring: [] }], []);
    await until('one to hear of the alert state', () => heard.one.includes('alerts'), 2_000);
    // An operator's own SQL (no instance) reaches both.
    await sql(c.url, `UPDATE ${schema}.projects SET store_text = true`);
    await until('both to hear of the operator’s change', () => heard.one.includes('projects') && heard.two.filter((t) => t === 'projects').length === 2, 2_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.one.sort()).toEqual(['alerts', 'projects']);
    expect(heard.two.sort()).toEqual(['alert_rules', 'projects', 'projects']);
  });

  it('keeps an acknowledgement made on a follower when the leader saves its older copy of the alert meanwhile', async () => {
    const c = await cluster();
    const schema = c.schema();
    const leader = await instance(c.url, schema, 'one');
    const follower = await instance(c.url, schema, 'two');
    await leader.stores.alerts.saveAlerts([{ alert: alertInstance('a1', { value: 1 }), tracked: true }]);
    await follower.stores.alerts.saveAlerts([{ alert: alertInstance('a1', { value: 1, acknowledgedAt: 5_000, stateSince: 5_000 }), tracked: true }]);
    // The leader's evaluation, stepped from its copy without the acknowledgement, saves a new value.
    await leader.stores.alerts.saveAlerts([{ alert: alertInstance('a1', { value: 7, lastActiveAt: 6_000 }), tracked: true }]);
    const [kept] = await follower.stores.alerts.loadTracked();
    expect(kept).toMatchObject({ id: 'a1', value: 7, lastActiveAt: 6_000, acknowledgedAt: 5_000, state: 'firing' });
    expect((await leader.stores.alerts.listAlerts({ project: 'default', state: 'acknowledged', limit: 10 })).map((a) => a.id)).toEqual(['a1']);
    // Its resolution is saved as it is.
    await leader.stores.alerts.saveAlerts([{ alert: alertInstance('a1', { state: 'resolved', resolvedAt: 7_000, value: 0 }), tracked: true }]);
    expect((await leader.stores.alerts.getAlert('a1'))).toMatchObject({ state: 'resolved', acknowledgedAt: null, value: 0 });
  });

  it('names the instance running each export job, so the jobs of an instance that died (and only those) are resumed', async () => {
    const c = await cluster();
    const schema = c.schema();
    const one = await instance(c.url, schema, 'one');
    const two = await instance(c.url, schema, 'two');
    // Each instance's election session is what says it is alive.
    const e1 = election(c.url, schema, 'one');
    const e2 = election(c.url, schema, 'two');
    await e1.start();
    await e2.start();
    const job = (id: string, status: 'queued' | 'running' | 'done', createdAt: number) => ({
      id, project: 'bot', exportType: 'csv' as const, format: 'full' as const, status, range: { startMs: 0, endMs: 1 }, filters: [],
      createdAt, startedAt: status === 'queued' ? null : createdAt, finishedAt: null, rows: null, bytes: null, error: null,
    });
    await one.stores.exportJobs.insert(job('j1', 'running', 1_000));
    await two.stores.exportJobs.insert(job('j2', 'queued', 2_000));
    await two.stores.exportJobs.insert(job('j4', 'done', 4_000));
    await sql(c.url, `INSERT INTO ${schema}.export_jobs (id, project, export_type, format, status, spec, created_at)
      VALUES ('j3', 'bot', 'csv', 'full', 'queued', '{"range":{"startMs":0,"endMs":1},"filters":[]}', to_timestamp(3))`);
    const ids = async (s: PostgresMetaStores) => (await s.exportJobs.abandoned()).map((j) => j.id);
    expect((await sql(c.url, `SELECT id, instance FROM ${schema}.export_jobs ORDER BY id`)).rows).toEqual([
      { id: 'j1', instance: 'one' }, { id: 'j2', instance: 'two' }, { id: 'j3', instance: null }, { id: 'j4', instance: 'two' },
    ]);
    // Its own (from before a restart) and the one nobody claims; not those of a live instance, nor finished ones.
    expect(await ids(two.stores)).toEqual(['j2', 'j3']);
    expect(await ids(one.stores)).toEqual(['j1', 'j3']);
    // one stops (its election session ends): its running job is two's to take over; re-queued by two, it is two's.
    await e1.close();
    await until('one’s session to be gone', async () => (await ids(two.stores)).includes('j1'), 2_000);
    expect(await ids(two.stores)).toEqual(['j1', 'j2', 'j3']);
    await two.stores.exportJobs.update({ ...job('j1', 'queued', 1_000) });
    expect((await sql(c.url, `SELECT instance FROM ${schema}.export_jobs WHERE id = 'j1'`)).rows).toEqual([{ instance: 'two' }]);
    // one, back: j1 is two's now.
    await election(c.url, schema, 'one').start();
    expect(await ids(one.stores)).toEqual(['j3']);
  });

  it('carries committed batches from one fan-out to the other’s remote subscribers within 2 s', async () => {
    const c = await cluster();
    const schema = c.schema();
    const one = await instance(c.url, schema, 'one');
    const two = await instance(c.url, schema, 'two');
    const fans = [new FanOut(), new FanOut()];
    [one, two].forEach(({ cluster: cl }, i) => {
      fans[i]!.subscribe('cluster-live-feed', (b) => cl.liveFeed!.publish(b));
      cl.liveFeed!.onRemote((b) => fans[i]!.publishRemote(b));
    });
    const live: StoredEvent[][] = [[], []];
    const localOnly: StoredEvent[][] = [[], []];
    fans.forEach((f, i) => {
      f.subscribe('live', (b) => void live[i]!.push(...b), { remote: true });
      f.subscribe('local', (b) => void localOnly[i]!.push(...b));
    });
    const batch = Array.from({ length: 300 }, (_, i) => ev(i, i === 7 ? { text: 'x'.repeat(20_000), attributes: { queue_name: 'emails' } } : {}));
    const t0 = Date.now();
    fans[0]!.publish(batch.slice(0, 200));
    fans[0]!.publish(batch.slice(200));
    fans[1]!.publish([ev(1000, { project: 'other' })]);
    await until('two to see all 300 of one’s events', () => live[1]!.length === 301, 2_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await until('one to see two’s event', () => live[0]!.length === 301, 2_000);
    // Each instance's own events once (through its fan-out), the other's once (through the feed), none echoed back.
    expect(live[1]!.filter((e) => e.project === 'bot').map((e) => e.id)).toEqual(batch.map((e) => e.id));
    expect(live[0]!.filter((e) => e.project === 'other').map((e) => e.id)).toEqual(['ev-1000']);
    expect(localOnly.map((l) => l.length)).toEqual([300, 1]);
    const seven = live[1]!.find((e) => e.id === 'ev-7')!;
    expect(seven.text).toBe('x'.repeat(1_000));
    expect(seven).toMatchObject({ attributes: { queue_name: 'emails' }, duration_ms: 507, model: 'gpt-4o', persona: null, status: 'ok' });
    expect(live[1]!.find((e) => e.id === 'ev-3')).toEqual({ ...batch[3], text_length: null, questions: null, emojis: null, mentions: null, topic: null });
    // The feed counts a batch as sent once its NOTIFY has returned, which can be after the other instance got it.
    await until('one’s feed to count what it sent', () => one.cluster.liveFeed!.stats().sent === 300, 2_000);
    const stats = one.cluster.liveFeed!.stats();
    expect(stats).toMatchObject({ sent: 300, received: 1, dropped: 0, trimmed: 1 });
    expect(stats.messages).toBeGreaterThan(1); // 300 events do not fit one 8000-byte notification
    expect(fans[1]!.stats().remotePublished).toBe(300);
  });

  it('carries identical events of one batch (no id, same time) without PostgreSQL folding their notifications', async () => {
    // NOTIFY delivers identical payloads sent in one transaction once: events a client sent alike (no id, the
    // server's time) fill identical notifications, and all but one of them used to be lost on the way.
    const c = await cluster();
    const schema = c.schema();
    const one = await instance(c.url, schema, 'one');
    const two = await instance(c.url, schema, 'two');
    const heard: StoredEvent[] = [];
    two.cluster.liveFeed!.onRemote((b) => void heard.push(...b));
    const ts = Date.now();
    const alike = Array.from({ length: 400 }, () => ev(0, { id: null, ts }));
    one.cluster.liveFeed!.publish(alike);
    await until('one’s feed to send all 400', () => one.cluster.liveFeed!.stats().sent === 400, 2_000);
    expect(one.cluster.liveFeed!.stats().messages).toBeGreaterThan(2);
    await until('two to hear all 400', () => heard.length === 400, 2_000).catch(() => undefined);
    expect(heard.length).toBe(400);
  });
});
