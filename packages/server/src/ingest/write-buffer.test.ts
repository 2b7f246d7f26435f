import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import type { AppendBatch, EventStore } from '../store/types.js';
import { StoreUnavailableError } from '../store/types.js';
import { CommitTimeoutError, QueueFullError, ShuttingDownError, WriteBuffer, type CommitSink } from './write-buffer.js';

/**
 * A scripted EventStore: these tests drive the buffer's grouping, backpressure and failure paths,
 * which need a store that can be paused and made to fail on demand — a real DuckDB file cannot be
 * told to fail one commit. The real store is exercised by the ingest and crash tests.
 */
class ScriptedStore implements Pick<EventStore, 'append'> {
  appended: AppendBatch[] = [];
  gate: Promise<void> | null = null;
  failWhen: (b: AppendBatch) => boolean = () => false;
  async append(b: AppendBatch): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failWhen(b)) throw new Error('disk full');
    this.appended.push(b);
  }
}

const ev = (n: number, tag = 'x'): StoredEvent[] =>
  Array.from({ length: n }, (_, i) => ({ project: 'p', type: 'llm', name: `${tag}${i}` }) as unknown as StoredEvent);

function make(store: ScriptedStore, o: Partial<{ flushMaxEvents: number; flushIntervalMs: number; maxQueuedEvents: number; sink: CommitSink }> = {}) {
  return new WriteBuffer({
    store: store as unknown as EventStore,
    flushMaxEvents: o.flushMaxEvents ?? 1000,
    flushIntervalMs: o.flushIntervalMs ?? 5,
    maxQueuedEvents: o.maxQueuedEvents ?? 10_000,
    ...(o.sink ? { sink: o.sink } : {}),
  });
}

describe('WriteBuffer', () => {
  it('groups concurrent submissions into one commit and resolves each only after it', async () => {
    const store = new ScriptedStore();
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const buf = make(store, { flushIntervalMs: 1 });
    const settled: number[] = [];
    const a = buf.submit({ events: ev(3, 'a') }).then(() => settled.push(1));
    const b = buf.submit({ events: ev(2, 'b'), idempotency: [{ project: 'p', key: 'k', createdAt: 0, status: 200, response: '{}', fingerprint: null }] }).then(() => settled.push(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toEqual([]); // the commit is held: nobody is acknowledged
    expect(buf.queuedEvents).toBe(5);
    release();
    await Promise.all([a, b]);
    expect(store.appended).toHaveLength(1);
    expect(store.appended[0]!.events.map((e) => e.name)).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
    expect(store.appended[0]!.idempotency).toHaveLength(1);
    expect(buf.stats()).toMatchObject({ commits: 1, committedEvents: 5, queuedEvents: 0 });
  });

  it('commits immediately at flushMaxEvents without waiting for the interval', async () => {
    const store = new ScriptedStore();
    const buf = make(store, { flushMaxEvents: 10, flushIntervalMs: 60_000 });
    await buf.submit({ events: ev(10) });
    expect(store.appended).toHaveLength(1);
  });

  it('refuses with QueueFullError beyond maxQueuedEvents, but always takes one batch into an empty queue', async () => {
    const store = new ScriptedStore();
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const buf = make(store, { maxQueuedEvents: 100, flushIntervalMs: 0 });
    const big = buf.submit({ events: ev(150) }); // larger than the bound, queue empty: accepted
    await expect(buf.submit({ events: ev(1) })).rejects.toBeInstanceOf(QueueFullError);
    release();
    await big;
    await expect(buf.submit({ events: ev(50) })).resolves.toBeUndefined();
  });

  it('a failing group is retried per request so one bad batch does not sink the others', async () => {
    const store = new ScriptedStore();
    store.failWhen = (b) => b.events.some((e) => e.name === 'bad0');
    const buf = make(store, { flushIntervalMs: 5 });
    const good = buf.submit({ events: ev(2, 'good') });
    const bad = buf.submit({ events: ev(1, 'bad') });
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(store.appended.flatMap((b) => b.events.map((e) => e.name))).toEqual(['good0', 'good1']);
  });

  it('hands the sink committed events only, after their waiters are answered', async () => {
    const store = new ScriptedStore();
    store.failWhen = (b) => b.events.some((e) => e.name === 'bad0');
    const seen: string[] = [];
    let answered = false;
    const buf = make(store, { sink: { publish: (events) => {
      expect(answered).toBe(false); // publish runs in the same tick as settle, after resolve() was called
      seen.push(...events.map((e) => e.name ?? ''));
    } } });
    await buf.submit({ events: ev(2, 'ok') }).then(() => (answered = true));
    answered = false;
    await buf.submit({ events: ev(1, 'bad') }).catch(() => undefined);
    expect(seen).toEqual(['ok0', 'ok1']);
  });

  it('a sink that throws costs no acknowledgement', async () => {
    const store = new ScriptedStore();
    const errors: unknown[] = [];
    const buf = new WriteBuffer({
      store: store as unknown as EventStore, flushMaxEvents: 1000, flushIntervalMs: 1, maxQueuedEvents: 10_000,
      sink: { publish: () => { throw new Error('boom'); } }, onError: (e) => errors.push(e),
    });
    await expect(buf.submit({ events: ev(2) })).resolves.toBeUndefined();
    await expect(buf.submit({ events: ev(1) })).resolves.toBeUndefined();
    expect(store.appended).toHaveLength(2);
    expect(errors).toHaveLength(2);
  });

  it('betweenCommits() waits for the running commit and holds the next until it returns', async () => {
    const store = new ScriptedStore();
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const buf = make(store, { flushIntervalMs: 0 });
    const first = buf.submit({ events: ev(1, 'a') }); // starts committing, stuck at the gate
    await new Promise((r) => setTimeout(r, 5));
    const order: string[] = [];
    const held = buf.betweenCommits(async () => {
      order.push(`inside:${store.appended.length}`);
      const second = buf.submit({ events: ev(1, 'b') }); // accepted, but must not commit yet
      await new Promise((r) => setTimeout(r, 20));
      order.push(`still:${store.appended.length}`);
      return { second };
    });
    await new Promise((r) => setTimeout(r, 5));
    order.push('release');
    release();
    store.gate = null;
    const { second } = await held;
    await first;
    await second;
    expect(order).toEqual(['release', 'inside:1', 'still:1']);
    expect(store.appended.map((b) => b.events[0]!.name)).toEqual(['a0', 'b0']);
  });

  it('close() commits what was accepted and refuses new batches', async () => {
    const store = new ScriptedStore();
    const buf = make(store, { flushIntervalMs: 60_000 });
    const p = buf.submit({ events: ev(4) });
    await buf.close();
    await p;
    expect(store.appended.flatMap((b) => b.events)).toHaveLength(4);
    await expect(buf.submit({ events: ev(1) })).rejects.toBeInstanceOf(ShuttingDownError);
    await buf.close(); // idempotent
  });

  it('an aborted signal drops a waiting batch (nothing written) but not one whose commit has begun', async () => {
    const store = new ScriptedStore();
    const buf = make(store, { flushIntervalMs: 60_000 });
    const called = new AbortController();
    const reason = new StoreUnavailableError('the claim was lost');
    const settled: string[] = [];
    const dropped = buf.submit({ events: ev(2, 'dropped') }, { signal: called.signal, onSettled: () => settled.push('dropped') });
    const kept = buf.submit({ events: ev(1, 'kept') }, { onSettled: () => settled.push('kept') });
    called.abort(reason);
    await expect(dropped).rejects.toBe(reason);
    expect(settled).toEqual(['dropped']);
    expect(buf.queuedEvents).toBe(1);
    // Already aborted: refused at once, and settled.
    await expect(buf.submit({ events: ev(1) }, { signal: called.signal, onSettled: () => settled.push('refused') })).rejects.toBe(reason);
    await buf.close();
    await kept;
    expect(store.appended.flatMap((b) => b.events.map((e) => e.name))).toEqual(['kept0']);
    expect(settled).toEqual(['dropped', 'refused', 'kept']);

    // Once the commit runs, aborting changes nothing: the batch is written and acknowledged.
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const running = make(store, { flushIntervalMs: 0 });
    const late = new AbortController();
    const begun = running.submit({ events: ev(1, 'begun') }, { signal: late.signal });
    await new Promise((r) => setTimeout(r, 5));
    late.abort(reason);
    release();
    await expect(begun).resolves.toBeUndefined();
    expect(store.appended.at(-1)!.events[0]!.name).toBe('begun0');
  });

  it('onSettled comes after the answer only for a commit that outlives its timeout; a refusal settles at once', async () => {
    const store = new ScriptedStore();
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const buf = new WriteBuffer({
      store: store as unknown as EventStore, flushMaxEvents: 1000, flushIntervalMs: 0, maxQueuedEvents: 10, commitTimeoutMs: 30, onError: () => undefined,
    });
    const order: string[] = [];
    const slow = buf.submit({ events: ev(1, 'slow') }, { onSettled: () => order.push('settled') }).catch((e: unknown) => {
      order.push(e instanceof CommitTimeoutError ? 'answered 503' : 'other');
    });
    await slow;
    expect(order).toEqual(['answered 503']); // the INSERT still runs: the claim must be kept
    release();
    await buf.close();
    expect(order).toEqual(['answered 503', 'settled']);
    expect(store.appended.flatMap((b) => b.events.map((e) => e.name))).toEqual(['slow0']);
    let refused = 0;
    await expect(buf.submit({ events: ev(1) }, { onSettled: () => refused++ })).rejects.toBeInstanceOf(ShuttingDownError);
    expect(refused).toBe(1);
  });

  it("a request's timeout during the per-request retries calls off only its own write, not the others'", async () => {
    // Like the real store: a write whose signal is aborted before it begins, or while it runs, is refused.
    const appended: string[] = [];
    let calls = 0;
    const store = {
      async append(b: AppendBatch, options: { signal?: AbortSignal } = {}): Promise<void> {
        if (++calls === 1) throw new Error('transient'); // the group's commit
        const signal = options.signal;
        if (signal?.aborted) throw new StoreUnavailableError('called off before it began');
        const ms = b.events[0]!.name.startsWith('slow') ? 1_000 : 10;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new StoreUnavailableError('rolled back'));
          });
        });
        appended.push(...b.events.map((e) => e.name));
      },
    };
    const buf = new WriteBuffer({
      store: store as unknown as EventStore, flushMaxEvents: 1000, flushIntervalMs: 200, maxQueuedEvents: 100, commitTimeoutMs: 300, onError: () => undefined,
    });
    // Both join one group; the group fails, so each is retried on its own: `slow` first, past its limit.
    const slow = buf.submit({ events: ev(1, 'slow') }).then(() => 'stored', (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 150));
    const fast = buf.submit({ events: ev(1, 'fast') }).then(() => 'stored', (e: unknown) => e);
    expect(await slow).toBeInstanceOf(CommitTimeoutError);
    expect(await fast).toBe('stored');
    await buf.close();
    expect(appended).toEqual(['fast0']);
  });

  it('counts the events of a request that timed out while still queued as unstored (answered 503)', async () => {
    const store = new ScriptedStore();
    let release!: () => void;
    store.gate = new Promise((r) => (release = r));
    const buf = new WriteBuffer({
      store: store as unknown as EventStore, flushMaxEvents: 1000, flushIntervalMs: 0, maxQueuedEvents: 100, commitTimeoutMs: 30, onError: () => undefined,
    });
    // The first commit holds the store; the second request waits in the queue past its timeout.
    const first = buf.submit({ events: ev(3, 'first') }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 5));
    const queued = buf.submit({ events: ev(7, 'queued') }).catch((e: unknown) => e);
    expect(await queued).toBeInstanceOf(CommitTimeoutError);
    expect(buf.stats().failedEvents).toBe(7);
    release();
    await first;
    await buf.close();
    expect(store.appended.flatMap((b) => b.events.map((e) => e.name))).not.toContain('queued0');
  });
});

