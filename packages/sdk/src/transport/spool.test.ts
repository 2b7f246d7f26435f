import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PulseClient } from './pulse-client.js';
import { silentLogger } from './log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';
import type { FetchLike } from './types.js';

let fake: FakePulse | undefined;
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pulse-spool-'));
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

const quick = { logger: silentLogger, initialBackoffMs: 5, maxBackoffMs: 20, env: {} };
const storedIds = (f: FakePulse): string[] => f.stored.map((s) => String(s.event.id)).sort();
const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `e${from + i}`).sort();

describe('on-disk spool', () => {
  it('keeps events tracked while the server is down across a host restart', async () => {
    let down = true;
    fake = await startFakePulse({ plan: () => (down ? { kind: 'drop' } : { kind: 'ok' }) });
    const first = new PulseClient({ ...quick, url: fake.url, spoolDir: dir, batchSize: 10, maxRetries: 2, shutdownTimeoutMs: 300 });
    for (let i = 0; i < 35; i++) first.track({ type: 'metric', id: `e${i}`, name: 'm' });
    await first.shutdown();
    expect(fake.stored).toHaveLength(0);
    expect(first.stats().dropped.total).toBe(0);
    expect(first.stats().spool).toMatchObject({ enabled: true, files: 4, events: 35 });
    expect((await readdir(dir)).filter((f) => f.endsWith('.json.gz'))).toHaveLength(4);

    down = false;
    const second = new PulseClient({ ...quick, url: fake.url, spoolDir: dir, batchSize: 10 });
    second.track({ type: 'metric', id: 'e35', name: 'm' });
    await second.flush();
    expect(storedIds(fake)).toEqual(range(0, 36));
    expect(await readdir(dir)).toEqual([]);
    expect(second.stats().spool).toMatchObject({ files: 0, bytes: 0, events: 0 });
    // A spooled batch is re-sent with the key it was first sent with.
    const firstKeys = new Set(fake.attempts.filter((a) => a.status === null).map((a) => a.key));
    const resentKeys = fake.attempts.filter((a) => a.status === 200 && firstKeys.has(a.key));
    expect(resentKeys.map((a) => a.count).sort((a, b) => a - b)).toEqual([5, 10, 10, 10]);
    await second.shutdown();
  });

  it('a batch stored just before the host died is not stored twice when replayed', async () => {
    // The server stores the first attempt but the answer is lost; the host then dies (no shutdown flush).
    fake = await startFakePulse({ plan: (n) => (n === 0 ? { kind: 'store-then-drop' } : { kind: 'drop' }) });
    const first = new PulseClient({ ...quick, url: fake.url, spoolDir: dir, maxRetries: 1_000, maxBackoffMs: 50 });
    for (let i = 0; i < 3; i++) first.track({ type: 'metric', id: `e${i}`, name: 'm' });
    void first.flush();
    while ((await readdir(dir)).filter((f) => f.endsWith('.json.gz')).length === 0) await new Promise((r) => setTimeout(r, 5));
    // Simulated crash: abandon `first` without shutdown; its spool file is what survives.
    fake.plan = () => ({ kind: 'ok' });
    const second = new PulseClient({ ...quick, url: fake.url, spoolDir: dir });
    await second.flush();
    expect(storedIds(fake)).toEqual(range(0, 3));
    await second.shutdown();
    await first.shutdown();
  });

  it('spills to disk when the memory queue is full instead of dropping, within spoolMaxBytes', async () => {
    let down = true;
    fake = await startFakePulse({ plan: () => (down ? { kind: 'drop' } : { kind: 'ok' }) });
    const client = new PulseClient({
      ...quick, url: fake.url, spoolDir: dir, batchSize: 50, maxQueueSize: 100, maxRetries: 1_000_000, maxBackoffMs: 20,
    });
    for (let i = 0; i < 600; i++) {
      client.track({ type: 'metric', id: `e${i}`, name: 'm' });
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const during = client.stats();
    expect(during.queued).toBeLessThanOrEqual(100);
    expect(during.spool.events).toBeGreaterThan(0);
    down = false;
    await client.flush();
    const lost = client.stats().dropped.total;
    expect(lost).toBe(client.stats().dropped.byReason.queue_full ?? 0);
    expect(fake.stored).toHaveLength(600 - lost);
    expect(new Set(storedIds(fake)).size).toBe(600 - lost);
    await client.shutdown();
  });

  it('a batch spilled just before shutdown is sent before shutdown() resolves, never after it', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'ok' }) });
    const client = new PulseClient({ ...quick, url: fake.url, spoolDir: dir, batchSize: 10, maxQueueSize: 10, maxConcurrentRequests: 1 });
    await client.flush(); // the spool is ready
    // The 11th event finds the queue full: the oldest 10 go to the spool, to be sent from there.
    for (let i = 0; i < 11; i++) client.track({ type: 'metric', id: `e${i}`, name: 'm' });
    await client.shutdown();
    const atShutdown = fake.attempts.length;
    expect(storedIds(fake)).toEqual(range(0, 11));
    expect(client.stats()).toMatchObject({ sent: 11, spool: { files: 0, events: 0 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.attempts).toHaveLength(atShutdown);
  });

  it('is bounded on disk: beyond spoolMaxBytes batches are dropped as spool_full', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'drop' }) });
    const client = new PulseClient({
      ...quick, url: fake.url, spoolDir: dir, batchSize: 10, maxRetries: 0, spoolMaxBytes: 1000, shutdownTimeoutMs: 500,
    });
    for (let i = 0; i < 200; i++) client.track({ type: 'metric', id: `e${i}`, name: 'm', attributes: { pad: `${i}-${'x'.repeat(40)}` } });
    await client.shutdown();
    const s = client.stats();
    expect(s.spool.bytes).toBeLessThanOrEqual(1000);
    expect(s.spool.events + s.dropped.total).toBe(200);
    expect(s.dropped.byReason.spool_full).toBeGreaterThan(0);
  });

  it('a batch the spool cannot write (the directory gone) is dropped as spool_write_failed, not spool_full', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'drop' }) });
    const client = new PulseClient({ ...quick, url: fake.url, spoolDir: dir, batchSize: 10, maxRetries: 0, shutdownTimeoutMs: 500 });
    await client.flush();
    await rm(dir, { recursive: true, force: true });
    await writeFile(dir, 'a file where the spool directory was');
    for (let i = 0; i < 20; i++) client.track({ type: 'metric', id: `e${i}`, name: 'm' });
    await client.shutdown();
    const s = client.stats();
    expect(s.dropped.total).toBe(20);
    expect(s.dropped.byReason).toEqual({ spool_write_failed: 20 });
    await rm(dir, { force: true });
  });

  it('ignores torn temp files and foreign files from a crash', async () => {
    await writeFile(join(dir, '000000000000001_000000_3_abc.json.gz.tmp'), 'partial');
    await writeFile(join(dir, 'README'), 'not a batch');
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url, spoolDir: dir });
    await client.flush();
    expect(fake.attempts).toHaveLength(0);
    expect(await readdir(dir)).toEqual(['README']);
    await client.shutdown();
  });
  it('a spooled batch another instance on the directory delivered first is neither counted dropped nor kept in the spool size', async () => {
    fake = await startFakePulse({ plan: () => ({ kind: 'drop' }) });
    const first = new PulseClient({ ...quick, url: fake.url, spoolDir: dir, batchSize: 10, maxRetries: 0, shutdownTimeoutMs: 300 });
    for (let i = 0; i < 20; i++) first.track({ type: 'metric', id: `e${i}`, name: 'm' });
    await first.shutdown();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json.gz')).sort();
    expect(files).toHaveLength(2);
    // Which batch went to disk first is not fixed (each is spooled when its own send gives up): read what the file
    // this client will send holds.
    const body = JSON.parse(gunzipSync(await readFile(join(dir, files[0]!))).toString('utf8')) as { events: { id: string }[] } | { id: string }[];
    const firstIds = (Array.isArray(body) ? body : body.events).map((e) => e.id).sort();
    expect([range(0, 10), range(10, 20)]).toContainEqual(firstIds);

    fake.plan = () => ({ kind: 'ok' });
    const url = fake.url;
    let calls = 0;
    // While this client sends the first file, the other instance delivers (and removes) the second one.
    const fetchLike: FetchLike = async (u, init) => {
      if (calls++ === 0) await rm(join(dir, files[1] ?? ''));
      const res = await fetch(u, { method: init.method, headers: init.headers, body: init.body, signal: init.signal });
      return { status: res.status, headers: res.headers, text: () => res.text() };
    };
    const second = new PulseClient({ ...quick, url, spoolDir: dir, batchSize: 10, maxConcurrentRequests: 1, fetch: fetchLike });
    expect(await second.flush()).toBe(true);
    expect(storedIds(fake)).toEqual(firstIds);
    expect(second.stats().dropped).toEqual({ total: 0, byReason: {} });
    expect(second.stats().spool).toMatchObject({ files: 0, bytes: 0, events: 0 });
    await second.shutdown();
  });
});
