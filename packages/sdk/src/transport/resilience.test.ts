import { afterEach, describe, expect, it, vi } from 'vitest';
import { PulseClient } from './pulse-client.js';
import { silentLogger } from './log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { Behaviour, FakePulse } from '../test-support/fake-pulse.js';

let fake: FakePulse | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const quick = { logger: silentLogger, initialBackoffMs: 5, maxBackoffMs: 20, env: {} };

function ids(f: FakePulse): string[] {
  return f.stored.map((s) => String(s.event.id)).sort();
}
function expected(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `e${i}`).sort();
}

describe('PulseClient against a flaky server', () => {
  it('stores every event exactly once through drops, lost answers, 500, 429 and stalls', async () => {
    const script: Behaviour[] = [
      { kind: 'drop' },
      { kind: 'store-then-drop' },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'stall' },
      { kind: 'status', status: 503, retryAfter: '0' },
      { kind: 'store-then-drop' },
    ];
    fake = await startFakePulse({ plan: (n) => script[n] ?? { kind: 'ok' } });
    const client = new PulseClient({ ...quick, url: fake.url, batchSize: 20, requestTimeoutMs: 200, maxRetries: 20 });
    for (let i = 0; i < 200; i++) client.track({ type: 'metric', id: `e${i}`, name: 'm', value: i });
    expect(await client.flush()).toBe(true);
    expect(ids(fake)).toEqual(expected(200));
    expect(client.stats()).toMatchObject({ sent: 200, dropped: { total: 0 } });
    // Every retry of a batch carried the same key and the same bytes.
    const byKey = new Map<string, Set<string>>();
    for (const a of fake.attempts) byKey.set(a.key ?? '', (byKey.get(a.key ?? '') ?? new Set()).add(a.bodyHash));
    expect(byKey.size).toBe(10);
    for (const hashes of byKey.values()) expect(hashes.size).toBe(1);
    expect(fake.attempts.length).toBeGreaterThan(10);
    await client.shutdown();
  });

  it('would duplicate without server-side keys: the lost-answer case is what the key is for', async () => {
    fake = await startFakePulse({ honourKeys: false, plan: (n) => (n === 0 ? { kind: 'store-then-drop' } : { kind: 'ok' }) });
    const client = new PulseClient({ ...quick, url: fake.url });
    client.track({ type: 'metric', id: 'e0', name: 'm' });
    await client.flush();
    expect(ids(fake)).toEqual(['e0', 'e0']);
    expect(fake.attempts[0]?.key).toBe(fake.attempts[1]?.key);
    await client.shutdown();
  });

  it('honours Retry-After before retrying a 429', async () => {
    fake = await startFakePulse({ plan: (n) => (n === 0 ? { kind: 'status', status: 429, retryAfter: '1' } : { kind: 'ok' }) });
    const client = new PulseClient({ ...quick, url: fake.url });
    client.track({ type: 'metric', name: 'm' });
    await client.flush();
    const [first, second] = fake.attempts;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(fake.stored).toHaveLength(1);
    await client.shutdown();
  });

  it('backs off when Retry-After names a time already past (client clock ahead): no burst of instant retries', async () => {
    // An HTTP-date Retry-After read against a clock running ahead of the server's resolves to 0 ms; taken "exactly", the
    // batch's retries went out back to back within milliseconds and it was dropped as retries_exhausted at once.
    const past = new Date(Date.now() - 60_000).toUTCString();
    fake = await startFakePulse({ plan: (n) => (n < 3 ? { kind: 'status', status: 503, retryAfter: past } : { kind: 'ok' }) });
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      const client = new PulseClient({ ...quick, url: fake.url, initialBackoffMs: 100, maxBackoffMs: 1000, maxRetries: 3 });
      client.track({ type: 'metric', name: 'm' });
      await client.flush();
      const first = fake.attempts[0]?.at ?? 0;
      const last = fake.attempts[fake.attempts.length - 1]?.at ?? 0;
      expect(fake.attempts).toHaveLength(4);
      expect(last - first).toBeGreaterThanOrEqual(600); // ≈ 99 + 198 + 396 ms of backoff
      expect(fake.stored).toHaveLength(1);
      await client.shutdown();
    } finally {
      random.mockRestore();
    }
  });

  it.each([400, 401, 403])('never retries a %i: the batch is dropped with the reason', async (status) => {
    fake = await startFakePulse({ plan: () => ({ kind: 'status', status }) });
    const warnings: object[] = [];
    const client = new PulseClient({ ...quick, url: fake.url, logger: { ...silentLogger, warn: (o: object) => warnings.push(o) } });
    for (let i = 0; i < 3; i++) client.track({ type: 'metric', name: 'm' });
    await client.flush();
    expect(fake.attempts).toHaveLength(1);
    const reason = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden' }[status] ?? '';
    expect(client.stats().dropped).toEqual({ total: 3, byReason: { [reason]: 3 } });
    expect(warnings).toContainEqual(expect.objectContaining({ reason, status, detail: `planned ${status}` }));
    await client.shutdown();
  });

  it('splits a 413 batch into halves with derived keys until it fits', async () => {
    fake = await startFakePulse({ plan: (_n, key) => ((key?.split('.').length ?? 0) < 3 ? { kind: 'status', status: 413 } : { kind: 'ok' }) });
    const client = new PulseClient({ ...quick, url: fake.url, batchSize: 8 });
    for (let i = 0; i < 8; i++) client.track({ type: 'metric', id: `e${i}`, name: 'm' });
    await client.flush();
    expect(ids(fake)).toEqual(expected(8));
    const stored = fake.attempts.filter((a) => a.status === 200);
    expect(stored.map((a) => a.count)).toEqual([2, 2, 2, 2]);
    expect(stored.map((a) => a.key?.replace(/^[0-9a-f-]+/, ''))).toEqual(['.0.0', '.0.1', '.1.0', '.1.1']);
    await client.shutdown();
  });

  it('on 207 drops the rejected events with their reasons and does not resend the rest', async () => {
    fake = await startFakePulse({ plan: (n) => (n === 0 ? { kind: 'partial', reject: [1, 3] } : { kind: 'ok' }) });
    const warnings: object[] = [];
    const client = new PulseClient({ ...quick, url: fake.url, logger: { ...silentLogger, warn: (o: object) => warnings.push(o) } });
    for (let i = 0; i < 5; i++) client.track({ type: 'metric', id: `e${i}`, name: 'm' });
    await client.flush();
    expect(fake.attempts).toHaveLength(1);
    expect(ids(fake)).toEqual(['e0', 'e2', 'e4']);
    expect(client.stats()).toMatchObject({ sent: 3, dropped: { total: 2, byReason: { rejected: 2 } } });
    expect(warnings).toContainEqual(
      expect.objectContaining({ reason: 'rejected', sample: [
        { index: 1, type: 'metric', error: 'value: planned rejection' },
        { index: 3, type: 'metric', error: 'value: planned rejection' },
      ] }),
    );
    await client.shutdown();
  });

  it('track() stays synchronous and fast while the server stalls', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'stall' }) });
    const client = new PulseClient({ ...quick, url: fake.url, batchSize: 10, requestTimeoutMs: 60_000, shutdownTimeoutMs: 100 });
    for (let i = 0; i < 50; i++) client.track({ type: 'metric', name: 'm' });
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.attempts.length).toBe(2); // both request slots are now stuck on the stalled server
    const t0 = process.hrtime.bigint();
    let accepted = 0;
    for (let i = 0; i < 1000; i++) if (client.track({ type: 'metric', name: 'm' })) accepted++;
    const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(accepted).toBe(1000);
    // Not a benchmark: a bound so loose only waiting on the network (seconds) could break it.
    expect(elapsedMs).toBeLessThan(1000);
    expect(client.stats()).toMatchObject({ batchesInFlight: 2, queued: 1030 });
    await client.shutdown();
    expect(client.stats().dropped.byReason).toEqual({ shutdown_timeout: 1050 });
  });

  it('keeps memory bounded while the server is down: the queue is capped and drops are counted', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'drop' }) });
    const client = new PulseClient({
      ...quick, url: fake.url, batchSize: 100, maxQueueSize: 1000, maxRetries: 1_000_000, shutdownTimeoutMs: 50,
    });
    const heapBefore = process.memoryUsage().heapUsed;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10_000; i++) client.track({ type: 'metric', name: 'm', value: i, attributes: { round } });
      await new Promise((r) => setTimeout(r, 5));
    }
    const s = client.stats();
    expect(s.queued).toBeLessThanOrEqual(1000);
    expect(s.batchesInFlight).toBe(2);
    expect(s.tracked).toBe(200_000);
    // At most the queue plus the two batches in flight are held; everything else was dropped and counted.
    expect(s.dropped.byReason.queue_full).toBeGreaterThanOrEqual(200_000 - 1000 - 200);
    expect(s.dropped.total + s.queued + 200).toBeGreaterThanOrEqual(200_000);
    global.gc?.();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    await client.shutdown();
    expect(fake.stored).toHaveLength(0);
  });

  it('shutdown gives up after shutdownTimeoutMs on a dead server and counts what it dropped', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'status', status: 503, retryAfter: '30' }) });
    const client = new PulseClient({ ...quick, url: fake.url, shutdownTimeoutMs: 200 });
    for (let i = 0; i < 5; i++) client.track({ type: 'metric', name: 'm' });
    const t0 = Date.now();
    await client.shutdown();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(client.stats().dropped).toEqual({ total: 5, byReason: { shutdown_timeout: 5 } });
  });

  it('drops a batch after maxRetries on a server that keeps failing', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'status', status: 500 }) });
    const client = new PulseClient({ ...quick, url: fake.url, maxRetries: 3 });
    client.track({ type: 'metric', name: 'm' });
    expect(await client.flush()).toBe(true);
    expect(fake.attempts).toHaveLength(4);
    expect(client.stats()).toMatchObject({ retries: 3, dropped: { byReason: { retries_exhausted: 1 } } });
    await client.shutdown();
  });
});
