import { describe, expect, it } from 'vitest';
import type { AlertStore, OutboxEntry } from '../store/alert-store.js';
import type { Notification, Notifier } from '../types.js';
import { NotificationOutbox } from './outbox.js';
import { HoldingNotifier } from '../test-support/holding-notifier.js';

const notification = (groupKey: string): Notification => ({
  status: 'resolved', groupKey, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, alerts: [], notify: [], externalUrl: 'http://pulse.test',
});

/** An outbox table in memory whose `listOutbox` answers only when `answer()` is called (a read in flight). */
class SlowListStore implements Pick<AlertStore, 'listOutbox' | 'outboxChannelDone' | 'deleteOutbox'> {
  readonly rows = new Map<string, OutboxEntry>();
  private pending: (() => void) | null = null;

  listOutbox(): Promise<OutboxEntry[]> {
    // The read sees the rows as they are now (its snapshot), and answers later.
    const snapshot = [...this.rows.values()].map((e) => ({ ...e, done: [...e.done] }));
    return new Promise((resolve) => (this.pending = () => resolve(snapshot)));
  }

  answer(): void {
    this.pending?.();
  }

  async outboxChannelDone(id: string, channel: string): Promise<void> {
    this.rows.get(id)?.done.push(channel);
  }

  async deleteOutbox(id: string): Promise<void> {
    this.rows.delete(id);
  }
}


describe('the notification outbox', () => {
  it('does not send again an entry that finished while the outbox was being read (its row in the read, gone since)', async () => {
    const store = new SlowListStore();
    const notifier = new HoldingNotifier();
    const outbox = new NotificationOutbox({ store, notifier, logger: { warn: () => undefined, error: () => undefined } });
    const [entry] = outbox.entries([notification('g1')], 1_000);
    store.rows.set(entry!.id, entry!);
    outbox.dispatch([entry!]);
    expect(notifier.held).toHaveLength(1);

    // Another instance changed the alerts: resume reads the outbox; while the read is in flight (another pool
    // connection), the channel answers and the row is deleted.
    const resumed = outbox.resume();
    await notifier.held[0]!.receipt!.allDone();
    expect(store.rows.size).toBe(0);
    store.answer();

    expect(await resumed).toBe(0);
    expect(notifier.held).toHaveLength(1);
  });

  it('sends again what it did not hand out itself, to the channels not done', async () => {
    const store = new SlowListStore();
    const notifier = new HoldingNotifier();
    const outbox = new NotificationOutbox({ store, notifier, logger: { warn: () => undefined, error: () => undefined } });
    const [left] = outbox.entries([notification('g2')], 1_000);
    store.rows.set(left!.id, { ...left!, done: ['slack'] });
    const resumed = outbox.resume();
    store.answer();
    expect(await resumed).toBe(1);
    expect(notifier.held.map((h) => [h.n.groupKey, h.receipt!.done])).toEqual([['g2', ['slack']]]);
    await notifier.held[0]!.receipt!.allDone();
    expect(store.rows.size).toBe(0);
  });

  it('an entry the notifier dropped (this instance stopped leading) is sent again, once, when it leads again', async () => {
    const store = new SlowListStore();
    const notifier = new HoldingNotifier();
    const outbox = new NotificationOutbox({ store, notifier, logger: { warn: () => undefined, error: () => undefined } });
    const [entry] = outbox.entries([notification('g3')], 1_000);
    store.rows.set(entry!.id, entry!);
    outbox.dispatch([entry!]);
    notifier.held[0]!.receipt!.abandoned!();
    expect(store.rows.size).toBe(1);

    const resumed = outbox.resume();
    store.answer();
    expect(await resumed).toBe(1);
    expect(notifier.held.map((h) => h.n.groupKey)).toEqual(['g3', 'g3']);
    // Handed again: a further resume leaves it to that delivery.
    const again = outbox.resume();
    store.answer();
    expect(await again).toBe(0);
    await notifier.held[1]!.receipt!.allDone();
    expect(store.rows.size).toBe(0);
  });

  it('a resume whose read ends after this instance stopped leading hands nothing out', async () => {
    const store = new SlowListStore();
    const notifier = new HoldingNotifier();
    let leading = true;
    const outbox = new NotificationOutbox({ store, notifier, logger: { warn: () => undefined, error: () => undefined }, isLeader: () => leading });
    const [left] = outbox.entries([notification('g4')], 1_000);
    store.rows.set(left!.id, left!);
    const resumed = outbox.resume();
    leading = false;
    store.answer();
    expect(await resumed).toBe(0);
    expect(notifier.held).toEqual([]);
    // Leading again: it is sent then.
    leading = true;
    const again = outbox.resume();
    store.answer();
    expect(await again).toBe(1);
  });
});
