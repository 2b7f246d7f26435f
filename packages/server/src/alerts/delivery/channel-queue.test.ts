import { describe, expect, it } from 'vitest';
import { fixtureNotification } from '../channels/test-support/notification.js';
import type { Channel, Notification, SendResult } from '../types.js';
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

  it('abandon() drops what is queued and the retry a delivery waits for, telling neither as finished; the queue goes on', async () => {
    const sent: string[] = [];
    // `a` is refused (503) once, then waits for its retry; `b` and `c` wait behind it.
    const answers = new Map<string, SendResult[]>([['a', [{ outcome: 'retryable', status: 503, error: 'HTTP 503' }]]]);
    const channel: Channel = {
      name: 'test', type: 'json', describe: () => 'test',
      send: async (n) => (sent.push(n.groupKey), answers.get(n.groupKey)?.shift() ?? { outcome: 'success', status: 200 }),
    };
    const records: DeliveryRecord[] = [];
    const queue = new ChannelQueue(channel, {
      policy: { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 60, maxBackoffMs: 60 }, clock: { now: () => Date.now() }, random: () => 1,
      record: async (r) => void records.push(r), closing: new AbortController().signal, stopped: new AbortController().signal,
    });
    const told: string[] = [];
    const push = (key: string): void => queue.push({ ...fixtureNotification(), groupKey: key }, async () => void told.push(`${key}:finished`), () => told.push(`${key}:abandoned`));
    push('a');
    push('b');
    push('c');
    for (let i = 0; i < 100 && records.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(records.map((r) => [r.group_key, r.outcome])).toEqual([['a', 'retry']]);

    // Told at once, the one waiting for its retry too (leading again at once, the outbox may hand them out again).
    expect(queue.abandon()).toBe(2);
    expect(told).toEqual(['a:abandoned', 'b:abandoned', 'c:abandoned']);
    await queue.idle();
    await new Promise((r) => setTimeout(r, 150)); // well past a's backoff
    expect(sent).toEqual(['a']);
    expect(told).toEqual(['a:abandoned', 'b:abandoned', 'c:abandoned']);
    expect(queue.depth).toBe(0);

    // Leading again: what is pushed next is delivered as usual.
    push('d');
    await new Promise((r) => setTimeout(r, 20));
    await queue.idle();
    expect(sent).toEqual(['a', 'd']);
    expect(told).toContain('d:finished');
  });

  it('abandon() lets an attempt in flight finish: delivered, it is finished; refused, it is not retried', async () => {
    const sent: string[] = [];
    const releases: Array<(r: SendResult) => void> = [];
    const channel: Channel = {
      name: 'test', type: 'json', describe: () => 'test',
      send: (n) => (sent.push(n.groupKey), new Promise<SendResult>((resolve) => releases.push(resolve))),
    };
    const records: DeliveryRecord[] = [];
    const queue = new ChannelQueue(channel, {
      policy: { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 20, maxBackoffMs: 20 }, clock: { now: () => Date.now() }, random: () => 1,
      record: async (r) => void records.push(r), closing: new AbortController().signal, stopped: new AbortController().signal,
    });
    const told: string[] = [];
    const push = (key: string): void => queue.push({ ...fixtureNotification(), groupKey: key }, async () => void told.push(`${key}:finished`), () => told.push(`${key}:abandoned`));
    push('a');
    for (let i = 0; i < 100 && releases.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    queue.abandon();
    releases.shift()!({ outcome: 'success', status: 200 });
    await queue.idle();
    expect(told).toEqual(['a:finished']);

    push('b');
    for (let i = 0; i < 100 && releases.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    queue.abandon();
    releases.shift()!({ outcome: 'retryable', status: 503, error: 'HTTP 503' });
    await queue.idle();
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual(['a', 'b']);
    expect(told).toEqual(['a:finished', 'b:abandoned']);
    expect(records.at(-1)).toMatchObject({ group_key: 'b', outcome: 'failure', error: expect.stringContaining('no longer leads') });
  });
});
