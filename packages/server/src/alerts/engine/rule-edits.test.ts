import type { StoredEvent } from '@pulse/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import type { EventStore } from '../../store/types.js';
import type { AlertRule } from '../rules/model.js';
import { RecordingNotifier } from '../test-support/recording-notifier.js';
import { rule } from '../test-support/rules.js';
import { storedEvent } from '../test-support/stored-event.js';
import { AlertEngine } from './engine.js';

/** Rules edited or deleted through the API while their alerts fire (real DuckDB store, fake clock). */
let stores: EmbeddedStores | null = null;
afterEach(async () => {
  await stores?.close();
  stores = null;
});

const NOW = Date.UTC(2026, 5, 15, 12);
const event = (over: Partial<StoredEvent>): StoredEvent => storedEvent(NOW, over);

async function setup(opts: { delayMs?: number } = {}) {
  stores = await openEmbeddedStores({ dataDir: ':memory:' });
  await stores.alerts.init();
  await stores.store.append({ events: [event({}), event({}), event({})] });
  const inner = stores.store;
  const store: EventStore = Object.create(inner) as EventStore;
  store.query = async (sql, params) => {
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    return inner.query(sql, params);
  };
  const clock = { t: NOW };
  const notifier = new RecordingNotifier();
  const engine = new AlertEngine({
    store, alertStore: stores.alerts, notifier, clock: { now: () => clock.t }, logger: { warn: () => undefined, error: () => undefined },
    staticRules: [], externalUrl: () => 'http://pulse.test',
  });
  await engine.init(() => null);
  const put = (r: AlertRule) => engine.putRule(r, {}, NOW);
  return { engine, notifier, clock, put };
}

const summary = (n: RecordingNotifier) => n.received.map((x) => `${x.status}:${x.alerts.map((a) => `${a.rule_name}/${a.state}`).join(',')}`);

describe('rules edited or deleted while firing', () => {
  it('renaming a rule resolves the alert under the old name and says so; the new name fires', async () => {
    const { engine, notifier, clock, put } = await setup();
    await put(rule({ name: 'Busy', condition: 'count > 1', group_interval: '0s' }, 'rule_x'));
    await engine.evaluate();
    expect(summary(notifier)).toEqual(['firing:Busy/firing']);
    await put(rule({ name: 'Busy bot', condition: 'count > 1', group_interval: '0s' }, 'rule_x'));
    clock.t += 15_000;
    await engine.evaluate();
    // The receivers were told "Busy" fires: they must hear that it resolved, or its page (a PagerDuty incident) stays open.
    expect(summary(notifier).slice(1).sort()).toEqual(['firing:Busy bot/firing', 'resolved:Busy/resolved']);
    expect(engine.tracked('default').map((a) => `${a.ruleName}/${a.state}`)).toEqual(['Busy bot/firing']);
  });

  it('changing notify_group_by while firing neither pages again nor loses the resolution of the announced alert', async () => {
    const { engine, notifier, clock, put } = await setup();
    await put(rule({ name: 'Busy', condition: 'count > 1', group_interval: '0s', repeat_interval: '1h' }, 'rule_x'));
    await engine.evaluate();
    expect(notifier.received.map((n) => n.status)).toEqual(['firing']);
    const groupKey = notifier.received[0]!.groupKey;
    await put(rule({ name: 'Busy', condition: 'count > 1', group_interval: '0s', repeat_interval: '1h', notify_group_by: ['service'] }, 'rule_x'));
    clock.t += 15_000;
    await engine.evaluate();
    // The same alert, already announced and within its repeat_interval: nothing new to say.
    expect(notifier.received.map((n) => n.status)).toEqual(['firing']);
    await put(rule({ name: 'Busy', condition: 'count > 1000', group_interval: '0s', repeat_interval: '1h', notify_group_by: ['service'] }, 'rule_x'));
    clock.t += 15_000;
    await engine.evaluate();
    // Its resolution goes where its firing went (PagerDuty's dedup key derives from the group key).
    expect(notifier.received.map((n) => `${n.status}:${n.groupKey === groupKey}`)).toEqual(['firing:true', 'resolved:true']);
  });

  it('a rule deleted while an evaluation awaits its queries leaves no alert firing with no rule', async () => {
    const { engine, notifier, put } = await setup({ delayMs: 200 });
    await put(rule({ name: 'Busy', condition: 'count > 1', group_interval: '0s' }, 'rule_x'));
    const evaluation = engine.evaluate();
    await new Promise((r) => setTimeout(r, 50));
    expect(await engine.deleteRule('rule_x')).toBe(true);
    await evaluation;
    await engine.evaluate();
    // Nothing of the deleted rule fires on, unevaluated, forever.
    expect(engine.tracked('default')).toEqual([]);
    expect(engine.stats.firing).toBe(0);
    expect(notifier.received.filter((n) => n.status === 'firing').length).toBe(notifier.received.filter((n) => n.status === 'resolved').length);
  });
});

describe('alert history retention', () => {
  it('a silence pruned from the store is gone from the engine too, not listed until a restart', async () => {
    const { engine } = await setup();
    const silence = (id: string, endsAt: number) => ({
      id, project: 'default', matchers: [{ name: 'alertname', op: '=' as const, value: 'Busy' }], startsAt: endsAt - 3_600_000, endsAt,
      createdBy: null, comment: null, createdAt: endsAt - 3_600_000,
    });
    await engine.putSilence(silence('old', NOW - 40 * 86_400_000));
    await engine.putSilence(silence('recent', NOW - 86_400_000));
    await engine.putSilence(silence('active', NOW + 3_600_000));
    expect(await engine.pruneHistory(NOW - 30 * 86_400_000)).toBe(1);
    expect(engine.silences().map((s) => s.id).sort()).toEqual(['active', 'recent']);
    expect((await stores!.alerts.listSilences()).map((s) => s.id).sort()).toEqual(['active', 'recent']);
  });
});
