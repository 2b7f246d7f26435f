/**
 * Issue 12, item 5: two real Pulse processes (`pulse serve` as child processes) on one ClickHouse and one
 * PostgreSQL (PULSE_STORE=clickhouse + PULSE_POSTGRES_URL):
 *  1. events sent through both answer `/v1/query` and a preset identically, with the figures the input implies;
 *  2. a batch acknowledged by A and retried with its idempotency key on B is replayed, not stored again;
 *  3. `/ws/metrics` and the live tail on B show what A ingests within 2 s;
 *  4. A (the leader) is SIGKILLed while four senders ingest through both: every acknowledged event is in ClickHouse
 *     exactly once, the batches A never answered, retried on B, are stored once, B leads within seconds, does not
 *     notify again what A notified, and notifies once an alert that fires after the kill (a local HTTP receiver).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../live/test-support/ws-client.js';
import { postgresMissing, testCluster } from '../store/postgres/test-support/pg-cluster.js';
import { useClickHouse } from '../store/clickhouse/test-support/server.js';
import { getJson, postJson } from '../test-support/pulse.js';
import { clickhouseRows, pulseProcesses, sleep, until, type PulseProcess as Instance } from './test-support/pulse-processes.js';

const ch = useClickHouse();
const pgMissing = postgresMissing();
if (pgMissing !== null) console.warn(`skipping the two-instance end-to-end test: ${pgMissing}`);
const cluster = testCluster();
const ADMIN = 'scale-out-e2e-admin';
const auth = { authorization: `Bearer ${ADMIN}` };
const DATABASE = 'pulse_two';
/** What the SDK's alertQueueFailure() sends. */
const QUEUE_FAILURE = { type: 'error', name: 'queue_failure', service: 'worker', attributes: { alert: 'queue_failure', queue_name: 'emails' } };

const { serve } = pulseProcesses(ADMIN);
let receiver: Server | null = null;
afterAll(() => {
  receiver?.close();
});

const clickhouse = (sql: string) => clickhouseRows(ch.server().url, DATABASE, sql);

/** Stored copies of each event id of a project. */
async function copiesById(project: string): Promise<Map<string, number>> {
  const rows = await clickhouse(`SELECT id, count() AS n FROM events WHERE project = '${project}' GROUP BY id`);
  return new Map(rows.map((r) => [String(r.id), Number(r.n)]));
}

function send(url: string, project: string, key: string, events: unknown[]): Promise<Response> {
  return fetch(`${url}/v1/events?project=${project}`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ events }),
  });
}

/** Fields that say how long an answer took or when it was made, not what it is. */
const HOW = new Set(['elapsed_ms', 'query_time_ms', 'generated_at']);
const what = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (HOW.has(k) ? undefined : x)));

describe.skipIf(ch.skip || pgMissing !== null)('two Pulse processes on one ClickHouse and one PostgreSQL', { timeout: 120_000 }, () => {
  it('answer alike, share idempotency and the live feed, and survive SIGKILL of the leader mid-ingest', async () => {
    const pgc = await cluster();
    // The alert receiver: every JSON webhook POST (one per alert).
    const received: Record<string, any>[] = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const env = {
      PULSE_STORE: 'clickhouse', PULSE_CLICKHOUSE_URL: `${ch.server().url}/${DATABASE}`,
      PULSE_POSTGRES_URL: pgc.url, PULSE_POSTGRES_SCHEMA: pgc.schema(), PULSE_POSTGRES_POOL_SIZE: '4',
      PULSE_ALERT_INTERVAL: '0.5', PULSE_WS_INTERVAL_MS: '250', ALERT_WEBHOOK_URL: hook, ALERT_WEBHOOK_FORMAT: 'json',
    };
    // A starts first and leads; B follows.
    const a = await serve('a', env);
    await until('a to lead', async () => (await getJson(`${a.url}/api/background-tasks`, auth)).json.cluster?.leader === true, 10_000);
    const b = await serve('b', env);
    const statusOf = async (p: Instance) => (await getJson(`${p.url}/api/background-tasks`, auth)).json.cluster;
    expect(await statusOf(b)).toEqual({ instance: 'b', leader: false, leaderInstance: 'a' });

    // --- 1. Events through both, answers alike. 20 llm events an hour ago per instance:
    //   i even: gpt-4o, 100 in / 10 out tokens, $0.01, 100 + i ms, ok
    //   i odd:  claude-3, 200 in / 20 out tokens, $0.02, 1000 ms, every odd i ≡ 1 (mod 4) an error
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const llm = (from: number) => Array.from({ length: 20 }, (_, j) => {
      const i = from + j;
      return i % 2 === 0
        ? { id: `q-${i}`, ts: t0 + i, type: 'llm', model: 'gpt-4o', input_tokens: 100, output_tokens: 10, cost_usd: 0.01, duration_ms: 100 + i, status: 'ok' }
        : { id: `q-${i}`, ts: t0 + i, type: 'llm', model: 'claude-3', input_tokens: 200, output_tokens: 20, cost_usd: 0.02, duration_ms: 1000, status: i % 4 === 1 ? 'error' : 'ok' };
    });
    expect((await send(a.url, 'shared', 'q-a', llm(0))).status).toBe(200);
    expect((await send(b.url, 'shared', 'q-b', llm(20))).status).toBe(200);
    // Over i = 0…39: gpt-4o 20 events (i even), durations 100, 102, …, 138 (mean and p50 119), 2000/200 tokens, $0.20;
    // claude-3 20 events, 10 errors (i = 1, 5, …, 37), 4000/400 tokens, $0.40, all 1000 ms.
    const range = `start_date=${new Date(t0 - 60_000).toISOString()}&end_date=${new Date(t0 + 120_000).toISOString()}`;
    const query = `/v1/query?project=shared&measures=count,errors,input_tokens,output_tokens,cost_usd,avg_duration_ms,p50_duration_ms,p95_duration_ms&dimensions=model&${range}`;
    const preset = `/v1/analytics/usage/overview?project=shared&${range}`;
    const [qa, qb] = await Promise.all([a, b].map((p) => getJson(`${p.url}${query}`, auth)));
    expect(qa!.status, JSON.stringify(qa!.json)).toBe(200);
    const byModel = Object.fromEntries(qa!.json.data.map((r: Record<string, unknown>) => [r.model, r]));
    expect(byModel['gpt-4o']).toMatchObject({ count: 20, errors: 0, input_tokens: 2000, output_tokens: 200, avg_duration_ms: 119, p50_duration_ms: 119 });
    expect(byModel['claude-3']).toMatchObject({ count: 20, errors: 10, input_tokens: 4000, output_tokens: 400, avg_duration_ms: 1000, p50_duration_ms: 1000, p95_duration_ms: 1000 });
    expect(byModel['gpt-4o'].p95_duration_ms).toBeCloseTo(136.1, 9); // 136 + 0.05 × (138 − 136), interpolated
    // 20 × 0.01 and 20 × 0.02, added in whatever order ClickHouse meets A's and B's parts: answered to 15 digits.
    expect(byModel['gpt-4o'].cost_usd).toBe(0.2);
    expect(byModel['claude-3'].cost_usd).toBe(0.4);
    expect(what(qb!.json)).toEqual(what(qa!.json));
    const [pa, pb] = await Promise.all([a, b].map((p) => getJson(`${p.url}${preset}`, auth)));
    expect(pa!.status, JSON.stringify(pa!.json)).toBe(200);
    expect(pa!.json.summary).toMatchObject({ total_requests: 40, total_tokens_used: 6600, total_cost_usd: '0.6', success_rate: 0.75 });
    expect(what(pb!.json)).toEqual(what(pa!.json));

    // --- 2. A batch acknowledged by A, retried with its key on B: replayed from the record, not stored again.
    const retried = Array.from({ length: 10 }, (_, i) => ({ id: `r-${i}`, type: 'message', name: 'retry' }));
    const first = await send(a.url, 'retry', 'retry-key', retried);
    expect(first.status).toBe(200);
    const firstBody = await first.text();
    const again = await send(b.url, 'retry', 'retry-key', retried);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstBody);
    const retryCopies = await copiesById('retry');
    expect([...retryCopies.values()]).toEqual(Array(10).fill(1));

    // --- 3. Live: B's /ws/metrics and live tail show what A ingests, within 2 s.
    const ws = await connect(`${b.url.replace('http', 'ws')}/ws/metrics?api_key=${ADMIN}&project=live`);
    await ws.next((f) => f.type === 'hello');
    expect((await ws.next((f) => f.type === 'metrics_update')).data.events_seen).toBe(0);
    const tail = await connect(`${b.url.replace('http', 'ws')}/ws/events?api_key=${ADMIN}&project=live`);
    await tail.next((f) => f.type === 'hello');
    const sentAt = Date.now();
    expect((await send(a.url, 'live', 'live-1', [
      { type: 'llm', model: 'live-model', duration_ms: 300, user_id: 'l1', status: 'ok' },
      { type: 'llm', model: 'live-model', duration_ms: 500, user_id: 'l2', status: 'error', error_type: 'Timeout' },
    ])).status).toBe(200);
    const frame = await ws.fresh((f) => f.type === 'metrics_update' && f.data.events_seen === 2, 2_000);
    const tailFrame = await tail.next((f) => f.type === 'events' && f.events.length > 0, 2_000);
    expect(Date.now() - sentAt).toBeLessThan(2_000);
    expect(frame.data).toMatchObject({ avg_response_time_ms: 400, error_rate: 0.5, active_users: 2 });
    expect(tailFrame.events.map((e: { user_id: string }) => e.user_id).sort()).toEqual(['l1', 'l2']);
    ws.close();
    tail.close();

    // --- 4. Alerting before the kill: an event rule fires on A (the leader) from an event ingested on B, notified
    // once; a threshold rule waits for events named after-kill.
    const eventRule = await postJson(`${b.url}/v1/alert-rules`, { name: 'Queue failure', kind: 'event', attributes: { alert: 'queue_failure' }, severity: 'critical', group_interval: '0s' }, auth);
    expect(eventRule.status, JSON.stringify(eventRule.json)).toBe(201);
    const thresholdRule = await postJson(`${b.url}/v1/alert-rules`, { name: 'After kill', condition: 'count > 0', window: '5m', filters: { name: 'after-kill' }, severity: 'high', group_interval: '0s' }, auth);
    expect(thresholdRule.status, JSON.stringify(thresholdRule.json)).toBe(201);
    const notified = (rule: string) => received.filter((n) => n.rule === rule && n.state === 'firing');
    // The rule reaches A's engine through pulse_changes within milliseconds; until it has, a failure goes unnoticed,
    // so one is sent every 300 ms until A notifies (repeats of a firing alert are not notified again).
    let sentFailures = 0;
    await until('A to notify the queue failure', async () => {
      if (notified(eventRule.json.id).length > 0) return true;
      expect((await send(b.url, 'default', `qf-${sentFailures++}`, [QUEUE_FAILURE])).status).toBe(200);
      await sleep(300);
      return notified(eventRule.json.id).length > 0;
    }, 5_000);

    // --- 5. SIGKILL A mid-ingest: four senders, two on each instance, 100-event batches with idempotency keys.
    const BATCH = 100;
    const batch = (key: string) => Array.from({ length: BATCH }, (_, i) => ({ id: `${key}-${i}`, type: 'llm', model: 'load', input_tokens: i, output_tokens: 1 }));
    const acked = new Map<string, string>(); // key → instance that acknowledged it
    const unacked = new Set<string>();
    let stop = false;
    const sender = async (s: number, target: Instance): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const key = `s${s}-${n}`;
        try {
          const res = await send(target.url, 'load', key, batch(key));
          await res.arrayBuffer();
          if (res.status === 200) acked.set(key, target.id);
          else unacked.add(key);
        } catch {
          unacked.add(key);
          return; // the instance is gone
        }
      }
    };
    const senders = [sender(0, a), sender(1, a), sender(2, b), sender(3, b)];
    const ackedBy = (id: string) => [...acked.values()].filter((x) => x === id).length;
    await until('both instances to acknowledge a few batches', () => ackedBy('a') >= 4 && ackedBy('b') >= 4, 20_000);
    a.child.kill('SIGKILL');
    // Watched from the kill on, while the checks below run.
    const led = until('B to lead', async () => (await statusOf(b)).leader === true, 15_000);
    await new Promise((r) => a.child.once('exit', r));
    await sleep(500); // B's senders keep going after the kill
    stop = true;
    await Promise.all(senders);
    expect(unacked.size, 'A’s senders had a batch in flight').toBeGreaterThanOrEqual(2);

    // Every acknowledged event is stored exactly once.
    const afterKill = await copiesById('load');
    for (const key of acked.keys()) {
      for (let i = 0; i < BATCH; i++) expect(afterKill.get(`${key}-${i}`), `${key}-${i} (acknowledged by ${acked.get(key)})`).toBe(1);
    }
    // What A never answered, retried on B with the same key, is stored once (whether A had stored it or not).
    for (const key of unacked) {
      const res = await send(b.url, 'load', key, batch(key));
      expect(res.status, await res.text()).toBe(200);
    }
    // An acknowledged batch of A's, sent again to B, is a replay.
    const ackedOnA = [...acked].filter(([, by]) => by === 'a').map(([key]) => key);
    for (const key of ackedOnA.slice(0, 3)) {
      const res = await send(b.url, 'load', key, batch(key));
      expect(res.headers.get('idempotent-replayed')).toBe('true');
    }
    const final = await copiesById('load');
    for (const key of [...acked.keys(), ...unacked]) {
      for (let i = 0; i < BATCH; i++) expect(final.get(`${key}-${i}`), `${key}-${i}`).toBe(1);
    }
    expect(final.size).toBe((acked.size + unacked.size) * BATCH);
    // B answers the same through the query layer: from the rollups the views kept (24 h, the default range) and from
    // the raw events (the last hour) — nothing half rolled up by the kill.
    const want = { count: final.size, input_tokens: (acked.size + unacked.size) * (BATCH * (BATCH - 1)) / 2 };
    const rolled = await getJson(`${b.url}/v1/query?project=load&measures=count,input_tokens`, auth);
    expect(rolled.json.meta.source).toBe('rollups');
    expect(rolled.json.data[0]).toEqual(want);
    const lastHour = `start_date=${new Date(Date.now() - 3_600_000).toISOString()}&end_date=${new Date(Date.now() + 60_000).toISOString()}`;
    const raw = await getJson(`${b.url}/v1/query?project=load&measures=count,input_tokens&${lastHour}`, auth);
    expect(raw.json.meta.source).toBe('raw');
    expect(raw.json.data[0]).toEqual(want);

    // --- 6. B takes over the leader's work.
    const takeover = (await led).ms;
    console.log(`two-instance e2e: ${acked.size} batches acknowledged (${ackedBy('a')} by A), ${unacked.size} unanswered and retried on B; B led ${takeover} ms after the kill`);
    expect(takeover).toBeLessThan(10_000);
    expect(await statusOf(b)).toEqual({ instance: 'b', leader: true, leaderInstance: 'b' });
    const tasks = (await getJson(`${b.url}/api/background-tasks`, auth)).json.tasks as { name: string; leader: boolean }[];
    expect(tasks.find((t) => t.name === 'alert-evaluation')).toMatchObject({ leader: true });
    expect(tasks.find((t) => t.name === 'retention')).toMatchObject({ leader: true });
    // An alert firing after the kill is notified once, by B; what A notified is not sent again, even when B sees the
    // same failure again.
    expect((await send(b.url, 'default', 'after-1', [{ type: 'message', name: 'after-kill' }])).status).toBe(200);
    expect((await send(b.url, 'default', 'qf-after', [QUEUE_FAILURE])).status).toBe(200);
    await until('B to notify the new alert', () => notified(thresholdRule.json.id).length === 1, 10_000);
    await sleep(2_000); // four more evaluations
    expect(notified(thresholdRule.json.id)).toHaveLength(1);
    expect(notified(eventRule.json.id)).toHaveLength(1);
  }, 120_000); // 10–20 s here; room for a busier CI host
});
