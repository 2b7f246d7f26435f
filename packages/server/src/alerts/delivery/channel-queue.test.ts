import { describe, expect, it } from 'vitest';
import { fixtureNotification } from '../channels/test-support/notification.js';
import type { Channel, Notification } from '../types.js';
import { ChannelQueue, DEFAULT_RETRY_POLICY } from './channel-queue.js';
import type { DeliveryRecord } from './delivery-store.js';

/** One channel's queue with a channel double that succeeds at once and a record sink in memory. */
describe('ChannelQueue', () => {
  it('delivers a notification pushed while the queue is finishing its last item (none is stranded)', async () => {
    // The push lands `hops` microtasks after the last record: somewhere in the window after the drain loop found the
    // queue empty and before the drain is marked finished, for one of these depths.
    for (let hops = 0; hops < 12; hops++) {
      const sent: string[] = [];
      const channel: Channel = {
        name: 'test', type: 'json', describe: () => 'test',
        send: async (n) => (sent.push(n.groupKey), { outcome: 'success', status: 200 }),
      };
      const first: Notification = { ...fixtureNotification(), groupKey: 'first' };
      const second: Notification = { ...fixtureNotification(), groupKey: 'second' };
      let queue: ChannelQueue | null = null;
      const record = async (r: DeliveryRecord): Promise<void> => {
        if (r.group_key !== 'first') return;
        let p = Promise.resolve();
        for (let i = 0; i < hops; i++) p = p.then(() => undefined);
        void p.then(() => queue!.push(second));
      };
      const closing = new AbortController();
      queue = new ChannelQueue(channel, {
        policy: DEFAULT_RETRY_POLICY, clock: { now: () => Date.now() }, random: () => 0.5, record,
        closing: closing.signal, stopped: new AbortController().signal,
      });
      queue.push(first);
      await new Promise((r) => setTimeout(r, 30));
      for (let i = 0; i < 100 && (queue.depth > 0 || sent.length < 2); i++) {
        await queue.idle();
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(sent, `push after ${hops} microtasks`).toEqual(['first', 'second']);
      expect(queue.depth).toBe(0);
    }
  });
});
