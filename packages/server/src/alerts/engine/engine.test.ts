import type { StoredEvent } from '@pulse/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import type { EventStore } from '../../store/types.js';
import { BackgroundTasks } from '../../tasks/background-tasks.js';
import type { AlertStore } from '../store/alert-store.js';
import { RecordingNotifier } from '../test-support/recording-notifier.js';
import type { Channel, Notifier, SendResult } from '../types.js';
import { DeliveryNotifier } from '../delivery/notifier.js';
import { rule } from '../test-support/rules.js';
import { storedEvent } from '../test-support/stored-event.js';
import { AlertEngine } from './engine.js';
import { QUERY_CONCURRENCY } from './queries.js';
import { HoldingNotifier } from '../test-support/holding-notifier.js';

let stores: EmbeddedStores | null = null;
afterEach(async () => {
  await stores?.close();
  stores = null;
});

const NOW = Date.UTC(2026, 5, 15, 12);
const event = (over: Partial<StoredEvent>): StoredEvent => storedEvent(NOW, over);

/** The real DuckDB store, with queries made slow or failing on demand and the number in flight tracked. */
function instrumented(inner: EventStore, opts: { delayMs?: number; failOn?: string }) {
  const stats = { inFlight: 0, maxInFlight: 0, queries: 0 };
  const store: EventStore = Object.create(inner) as EventStore;
  store.query = async (sql, params) => {
    stats.queries += 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.failOn !== undefined && params.some((p) => p === opts.failOn || (Array.isArray(p) && p.includes(opts.failOn!)))) throw new Error('disk on fire');
      return await inner.query(sql, params);
    } finally {
      stats.inFlight -= 1;
    }
  };
  return { store, stats };
}

async function setup(opts: { delayMs?: number; failOn?: string }, rules: ReturnType<typeof rule>[]) {
  stores = await openEmbeddedStores({ dataDir: ':memory:' });
  await stores.alerts.init();
  await stores.store.append({ events: [event({}), event({ service: 'api' }), event({ service: 'api', status: 'error' })] });
  const { store, stats } = instrumented(stores.store, opts);
  const notifier = new RecordingNotifier();
  const errors: unknown[] = [];
  const engine = new AlertEngine({
    store, alertStore: stores.alerts, notifier, clock: { now: () => NOW }, logger: { warn: () => undefined, error: (o: unknown) => void errors.push(o) },
    staticRules: rules, externalUrl: () => 'http://pulse.test',
  });
  await engine.init(() => null);
  return { engine, notifier, stats, errors };
}

describe('alert engine over a real store (fake clock)', () => {
  it('rules sharing window, filters and group-by share one query; a failing query only silences its own rules', async () => {
    const rules = [
      rule({ name: 'a', condition: 'count > 1' }, 'a'),
      rule({ name: 'b', condition: 'error_rate > 0.2' }, 'b'), // same window, no filters: shares a's query
      rule({ name: 'c', condition: 'errors >= 1', filters: { service: 'api' } }, 'c'),
      rule({ name: 'd', condition: 'count > 0', filters: { service: 'boom' } }, 'd'),
    ];
    const { engine, notifier, stats, errors } = await setup({ failOn: 'boom' }, rules);
    await engine.evaluate();
    expect(stats.queries).toBe(3);
    expect(engine.stats).toMatchObject({ evaluations: 1, evaluationFailures: 1, queries: 3, firing: 3 });
    expect(errors).toHaveLength(1);
    expect(notifier.received.map((n) => n.alerts[0]!.rule).sort()).toEqual(['a', 'b', 'c']);
    // 3 events, 1 error: a sees count 3, b an error rate of 1/3, c one error among the api events.
    expect(engine.ruleStatus('a')).toMatchObject({ value: 3, series: 1, note: null });
    expect(engine.ruleStatus('b')!.value).toBeCloseTo(1 / 3, 9);
    expect(engine.ruleStatus('d')!.note).toMatch(/no verdict/);
  });

  it('a budget alert says how many tokens its spend leaves out, from the one budget query', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    await stores.store.append({
      events: [
        // Priced ($3 + $2): in the spend.
        event({ model: 'gpt-4o', input_tokens: 1000, output_tokens: 500, cost_usd: 3 }),
        event({ model: 'gpt-4o', input_tokens: 200, output_tokens: 100, cost_usd: 2 }),
        // Without a cost (a model the pricing table does not know): 2,000 + 1,500 tokens left out.
        event({ model: 'house-7b', input_tokens: 1200, output_tokens: 800 }),
        event({ model: 'house-7b', input_tokens: 1500 }),
        // Last month: neither spend nor tokens of this one.
        event({ ts: Date.UTC(2026, 4, 20), model: 'house-7b', input_tokens: 9999 }),
      ],
    });
    const { store, stats } = instrumented(stores.store, {});
    const notifier = new RecordingNotifier();
    const engine = new AlertEngine({
      store, alertStore: stores.alerts, notifier, clock: { now: () => NOW }, logger: { warn: () => undefined, error: () => undefined },
      staticRules: [rule({ name: 'Budget', kind: 'budget', budget_usd: 4, group_interval: '0s' }, 'b')], externalUrl: () => 'http://pulse.test',
    });
    await engine.init(() => null);
    await engine.evaluate();
    expect(stats.queries).toBe(1);
    const [alert] = (await notifier.waitFor(1))[0]!.alerts;
    expect(alert!.message).toBe('Budget: $5 spent this month, over the $4 budget; the cost excludes 3,500 tokens without a price');
    expect(alert!.details).toMatchObject({ current: 5, unpriced_tokens: 3500 });
    await engine.close();
  });

  it('a slow query never piles evaluations up on the schedule', async () => {
    const windows = ['5m', '15m', '1h', '6h'];
    const { engine, stats } = await setup({ delayMs: 60 }, windows.map((w) => rule({ name: w, condition: 'count > 1', window: w }, w)));
    const tasks = new BackgroundTasks({ clock: { now: () => Date.now() }, logger: { error: () => undefined, warn: () => undefined } });
    tasks.schedule({ name: 'alert-evaluation', description: 'test', intervalMs: 10, firstDelayMs: 0, run: () => engine.evaluate() });
    await new Promise((r) => setTimeout(r, 400));
    await tasks.close();
    const info = engine.stats;
    expect(info.evaluations).toBeGreaterThanOrEqual(2);
    // An evaluation runs its 4 queries QUERY_CONCURRENCY at a time, and evaluations never overlap.
    expect(stats.maxInFlight).toBe(QUERY_CONCURRENCY);
    expect(stats.queries).toBe(info.evaluations * windows.length);
  });
});

describe('alert engine: state across restarts and from the fan-out (fake clock)', () => {
  const M = 60_000;
  const failure = (ts: number): StoredEvent => event({ ts, type: 'error', name: 'queue_failure', status: 'error', error_message: 'boom', attributes: { alert: 'queue_failure' } });
  const health = (ts: number, state: string): StoredEvent => event({ ts, type: 'health', name: 'database', duration_ms: null, attributes: { state } });

  function engineOn(store: EventStore, clock: { t: number }, rules: ReturnType<typeof rule>[], notifier: RecordingNotifier) {
    let feed: ((batch: readonly StoredEvent[]) => Promise<void>) | null = null;
    const engine = new AlertEngine({
      store, alertStore: stores!.alerts, notifier, clock: { now: () => clock.t }, logger: { warn: () => undefined, error: () => undefined },
      staticRules: rules, externalUrl: () => 'http://pulse.test',
    });
    // The fan-out, as the engine subscribes to it: committed batches handed over in order.
    engine.attach({ subscribe: (_name: string, fn: typeof feed) => ((feed = fn), { unsubscribe: () => undefined }) } as never);
    return { engine, batch: (events: StoredEvent[]) => feed!(events) };
  }

  it('an event alert firing before a restart stays firing after it until resolve_after passes with no match', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    const r = rule({ name: 'Queue failure', kind: 'event', attributes: { alert: 'queue_failure' }, resolve_after: '5m', group_interval: '1m' }, 'file:queue');
    const clock = { t: NOW };
    const before = new RecordingNotifier();
    const a = engineOn(stores.store, clock, [r], before);
    await a.engine.init(() => null);
    for (let i = 0; i <= 30; i++) { // a failure a minute for half an hour
      clock.t = NOW + i * M;
      await a.batch([failure(clock.t)]);
      await a.engine.evaluate();
    }
    expect(before.received.map((n) => n.status)).toEqual(['firing']);
    await a.engine.close();

    // Restarted 15 s after the last failure: the stored alert says when it fired (30 min ago), not when it last matched.
    clock.t = NOW + 30 * M + 15_000;
    const after = new RecordingNotifier();
    const b = engineOn(stores.store, clock, [r], after);
    await b.engine.init(() => null);
    await b.engine.evaluate();
    clock.t += 45_000;
    await b.batch([failure(clock.t)]);
    await b.engine.evaluate();
    // Neither resolved at once nor paged again by the next failure: the same alert fires on.
    expect(after.received).toEqual([]);
    const [alert] = b.engine.tracked('default');
    expect(alert).toMatchObject({ state: 'firing', firedAt: NOW });
    // Five minutes with no failure: resolved, and said so once.
    clock.t += 5 * M;
    await b.engine.evaluate();
    clock.t += M;
    await b.engine.evaluate();
    expect(after.received.map((n) => `${n.status}:${n.alerts.map((x) => (x.id === alert!.id ? 'same' : 'other')).join()}`)).toEqual(['resolved:same']);
    await b.engine.close();
  });

  it('an evaluation awaiting its queries does not undo what the fan-out applied meanwhile', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    const { store } = instrumented(stores.store, { delayMs: 300 });
    const rules = [
      rule({ name: 'DB down', kind: 'health', checks: ['database'], group_interval: '0s' }, 'h'),
      // Its current window and baseline are queried (slowly) before the evaluation applies its verdicts.
      rule({ name: 'Spike', kind: 'anomaly', measure: 'count', min_count: 0 }, 'z'),
    ];
    const clock = { t: NOW };
    const notifier = new RecordingNotifier();
    const { engine, batch } = engineOn(store, clock, rules, notifier);
    await engine.init(() => null);
    await batch([health(NOW, 'unhealthy')]);
    expect(notifier.received.map((n) => n.status)).toEqual(['firing']);
    clock.t = NOW + 15_000;
    const evaluation = engine.evaluate();
    // While the evaluation waits for its queries, the check recovers and the fan-out resolves the alert.
    await new Promise((r) => setTimeout(r, 500));
    await batch([health(clock.t, 'healthy')]);
    await evaluation;
    expect(notifier.received.map((n) => `${n.status}:${n.alerts.map((a) => a.state).join()}`)).toEqual(['firing:firing', 'resolved:resolved']);
    expect(engine.tracked('default').filter((a) => a.ruleId === 'h')).toEqual([]);
    await engine.close();
  });

  it('keep_firing_for after a restart counts from the restart, not from when the alert fired', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    let cpu = 95;
    const sampler = { sample: async () => ({ cpuPercent: cpu, memoryPercent: 1, memoryAvailableBytes: 1e9, diskPercent: 1 }) } as never;
    const r = rule({ name: 'cpu', condition: 'cpu_percent > 90', keep_firing_for: '10m' }, 'file:cpu');
    const clock = { t: NOW };
    const make = (notifier: RecordingNotifier) => new AlertEngine({
      store: stores!.store, alertStore: stores!.alerts, notifier, clock: { now: () => clock.t }, logger: { warn: () => undefined, error: () => undefined },
      staticRules: [r], externalUrl: () => 'http://pulse.test', sampler,
    });
    const a = make(new RecordingNotifier());
    await a.init(() => null);
    for (let m = 0; m <= 5; m++) { // fires at once, holds for five minutes
      clock.t = NOW + m * M;
      await a.evaluate();
    }
    await a.close();
    // Restarted a minute later, the condition no longer holding: it held until NOW + 5 min, so it fires until at least
    // NOW + 15 min (the stored alert only says it fired at NOW).
    cpu = 50;
    const notifier = new RecordingNotifier();
    const b = make(notifier);
    clock.t = NOW + 6 * M;
    await b.init(() => null);
    for (const m of [6, 11, 14]) {
      clock.t = NOW + m * M;
      await b.evaluate();
    }
    expect(b.tracked('default').map((x) => x.state)).toEqual(['firing']);
    // Reloading alerts it already follows (another instance changed one) keeps what this engine knows.
    await b.refresh(['alerts']);
    clock.t = NOW + 17 * M;
    await b.evaluate();
    expect(b.tracked('default')).toEqual([]);
    expect(notifier.received.map((n) => n.status)).toEqual(['resolved']);
    await b.close();
  });

  it('a follower taking over keeps an event alert firing until resolve_after passes with no match', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    const r = rule({ name: 'Queue failure', kind: 'event', attributes: { alert: 'queue_failure' }, resolve_after: '5m' }, 'file:queue');
    const clock = { t: NOW };
    const leader = engineOn(stores.store, clock, [r], new RecordingNotifier());
    await leader.engine.init(() => null);
    await leader.batch([failure(clock.t)]);
    await leader.engine.evaluate();
    // The follower loaded the alerts while following (it sees no events), long before it takes over.
    let leading = false;
    const notifier = new RecordingNotifier();
    const follower = new AlertEngine({
      store: stores.store, alertStore: stores.alerts, notifier, clock: { now: () => clock.t }, logger: { warn: () => undefined, error: () => undefined },
      staticRules: [r], externalUrl: () => 'http://pulse.test', isLeader: () => leading,
    });
    await follower.init(() => null);
    clock.t = NOW + 4 * M;
    await follower.refresh(['alerts']);
    await leader.engine.close();
    // Takes over at NOW + 10 min: its before-leading reload, then it leads.
    clock.t = NOW + 10 * M;
    await follower.refresh(['rules', 'silences', 'alerts']);
    leading = true;
    await follower.evaluate();
    expect(follower.tracked('default').map((a) => a.state)).toEqual(['firing']);
    expect(notifier.received).toEqual([]);
    clock.t = NOW + 16 * M;
    await follower.evaluate();
    expect(notifier.received.map((n) => n.status)).toEqual(['resolved']);
    await follower.close();
  });
});

describe('alert engine: the notification outbox (fake clock)', () => {
  const health = (ts: number, state: string): StoredEvent => event({ ts, type: 'health', name: 'database', duration_ms: null, attributes: { state } });
  const r = rule({ name: 'DB down', kind: 'health', checks: ['database'], group_interval: '0s' }, 'h');

  function engineWith(alertStore: AlertStore, notifier: Notifier, clock: { t: number }, isLeader?: () => boolean) {
    let feed: ((batch: readonly StoredEvent[]) => Promise<void>) | null = null;
    const engine = new AlertEngine({
      store: stores!.store, alertStore, notifier, clock: { now: () => clock.t }, logger: { warn: () => undefined, error: () => undefined },
      staticRules: [r], externalUrl: () => 'http://pulse.test', ...(isLeader ? { isLeader } : {}),
    });
    engine.attach({ subscribe: (_name: string, fn: typeof feed) => ((feed = fn), { unsubscribe: () => undefined }) } as never);
    return { engine, batch: (events: StoredEvent[]) => feed!(events) };
  }

  it('what the notifier had not finished with is sent again by the next leader, to the channels not done, before anything new', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    const clock = { t: NOW };
    const first = new HoldingNotifier();
    const a = engineWith(stores.alerts, first, clock);
    await a.engine.init(() => null);
    await a.batch([health(NOW, 'unhealthy')]);
    // The firing is in the outbox from the step that recorded it as sent; delivered, it is deleted.
    expect((await stores.alerts.listOutbox()).map((e) => e.notification.status)).toEqual(['firing']);
    await first.held[0]!.receipt!.allDone();
    expect(await stores.alerts.listOutbox()).toEqual([]);
    // The resolution: one channel takes it, then the process dies before the other answers.
    clock.t = NOW + 60_000;
    await a.batch([health(clock.t, 'healthy')]);
    expect(first.held.map((h) => h.n.status)).toEqual(['firing', 'resolved']);
    await first.held[1]!.receipt!.channelDone('slack');
    await a.engine.close();

    // The next instance: nothing while it follows; once it leads, the resolution, to the channels not done.
    let leading = false;
    const second = new HoldingNotifier();
    const b = engineWith(stores.alerts, second, clock, () => leading);
    await b.engine.init(() => null);
    await b.engine.resumeNotifications();
    expect(second.held).toEqual([]);
    leading = true;
    const resumed = b.engine.resumeNotifications();
    await b.batch([health(clock.t, 'unhealthy')]); // a new incident, applied after the resumed notification
    await resumed;
    expect(second.held.map((h) => [h.n.status, h.n.alerts[0]!.id === first.held[1]!.n.alerts[0]!.id, h.receipt!.done])).toEqual([
      ['resolved', true, ['slack']], ['firing', false, []],
    ]);
    // Resumed again (another instance changed the alerts): what this engine is delivering is left to it.
    await b.engine.resumeNotifications();
    expect(second.held).toHaveLength(2);
    for (const h of second.held) await h.receipt!.allDone();
    expect(await stores.alerts.listOutbox()).toEqual([]);
    await b.engine.close();
  });

  it('a step whose commit failed is planned again from what the store holds: its resolution is sent by the next step', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    const clock = { t: NOW };
    const inner = stores.alerts;
    let failNext = false;
    // The store is unreachable for one commit (a PostgreSQL connection reset): nothing of that step is written.
    const flaky = Object.create(inner, { commit: { value: async (step: Parameters<AlertStore['commit']>[0]) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection terminated unexpectedly');
      }
      await inner.commit(step);
    } } }) as AlertStore;
    const notifier = new RecordingNotifier();
    const a = engineWith(flaky, notifier, clock);
    await a.engine.init(() => null);
    await a.batch([health(NOW, 'unhealthy')]);
    expect(notifier.received.map((n) => n.status)).toEqual(['firing']);

    clock.t = NOW + 60_000;
    failNext = true;
    await expect(a.batch([health(clock.t, 'healthy')])).rejects.toThrow('connection terminated');
    // Nothing was sent, and the store still says firing (and the group sent firing).
    expect(notifier.received.map((n) => n.status)).toEqual(['firing']);
    expect((await inner.loadTracked()).map((x) => x.state)).toEqual(['firing']);

    // The next step (the check still healthy): the resolution is planned, committed and sent — not taken as sent.
    clock.t = NOW + 120_000;
    await a.batch([health(clock.t, 'healthy')]);
    expect(notifier.received.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(await inner.loadTracked()).toEqual([]);
    await notifier.idle();
    expect(await inner.listOutbox()).toEqual([]);
    await a.engine.close();
  });

  it('a leader that stops leading while saving sends nothing: the next leader sends it from the outbox', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    const clock = { t: NOW };
    let leading = true;
    const inner = stores.alerts;
    // Leadership is lost while the step is being committed.
    const losing = Object.create(inner, { commit: { value: async (step: Parameters<AlertStore['commit']>[0]) => { await inner.commit(step); leading = false; } } }) as AlertStore;
    const old = new RecordingNotifier();
    const a = engineWith(losing, old, clock, () => leading);
    await a.engine.init(() => null);
    await a.batch([health(NOW, 'unhealthy')]);
    expect(old.received).toEqual([]);
    expect((await inner.listOutbox()).map((e) => e.notification.status)).toEqual(['firing']);

    const next = new RecordingNotifier();
    const b = engineWith(inner, next, clock);
    await b.engine.init(() => null);
    await b.engine.resumeNotifications();
    expect(next.received.map((n) => n.status)).toEqual(['firing']);
    await next.idle();
    expect(await inner.listOutbox()).toEqual([]);
    await a.engine.close();
    await b.engine.close();
  });

  /** The real notifier with one channel (the default) that answers each attempt from `answers` (then 200). */
  function deliveryWith(answers: SendResult[], backoffMs = 100) {
    const calls: string[] = [];
    const channel: Channel = {
      name: 'hook', type: 'json', describe: () => 'hook',
      send: async (n) => (calls.push(n.status), answers.shift() ?? { outcome: 'success', status: 200 }),
    };
    const clock = { now: () => Date.now() };
    const notifier = new DeliveryNotifier({
      configured: { channels: new Map([['hook', channel]]), defaults: ['hook'], smtp: null }, routes: [], store: stores!.deliveries,
      channelDeps: { fetch: globalThis.fetch, clock }, clock, logger: { warn: () => undefined, debug: () => undefined, error: () => undefined },
      policy: { initialBackoffMs: backoffMs, maxBackoffMs: backoffMs, deadlineMs: 60_000 },
    });
    return { notifier, calls };
  }
  const refused: SendResult = { outcome: 'retryable', status: 503, error: 'HTTP 503' };

  it('a leader that loses the lead while a firing waits for its retry never sends it after the new leader resolved it', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    await stores.deliveries.init();
    const clock = { t: NOW };
    let aLeads = true;
    const old = deliveryWith([refused]);
    const a = engineWith(stores.alerts, old.notifier, clock, () => aLeads);
    await a.engine.init(() => null);
    await a.batch([health(NOW, 'unhealthy')]);
    await expect.poll(() => old.calls).toEqual(['firing']);

    // Its session lost (a GC pause, a network blip): what server.ts does on `onChange(false)`.
    aLeads = false;
    a.engine.abandonNotifications();
    // The firing stays in the outbox, no channel done: the new leader's.
    expect((await stores.alerts.listOutbox()).map((e) => [e.notification.status, e.done])).toEqual([['firing', []]]);

    const next = new RecordingNotifier();
    const b = engineWith(stores.alerts, next, clock);
    await b.engine.init(() => null);
    await b.engine.resumeNotifications();
    clock.t = NOW + 60_000;
    await b.batch([health(clock.t, 'healthy')]);
    expect(next.received.map((n) => n.status)).toEqual(['firing', 'resolved']);
    await next.idle();

    // Well past the old leader's backoff: its retry never happened, so nothing fires after the resolution.
    await new Promise((r) => setTimeout(r, 400));
    await old.notifier.idle();
    expect(old.calls).toEqual(['firing']);
    expect(await stores.alerts.listOutbox()).toEqual([]);
    await old.notifier.close();
    await a.engine.close();
    await b.engine.close();
  });

  it('a leader that loses the lead and regains it sends what it dropped again, once', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:' });
    await stores.alerts.init();
    await stores.deliveries.init();
    const clock = { t: NOW };
    let leads = true;
    // A long backoff: only the resume can send it again within the test.
    const { notifier, calls } = deliveryWith([refused], 10_000);
    const a = engineWith(stores.alerts, notifier, clock, () => leads);
    await a.engine.init(() => null);
    await a.batch([health(NOW, 'unhealthy')]);
    await expect.poll(() => calls).toEqual(['firing']);
    leads = false;
    a.engine.abandonNotifications();

    leads = true;
    await a.engine.resumeNotifications();
    await expect.poll(() => calls).toEqual(['firing', 'firing']);
    await notifier.idle();
    expect(await stores.alerts.listOutbox()).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toEqual(['firing', 'firing']);
    await notifier.close();
    await a.engine.close();
  });
});
