import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulseClient } from './pulse-client.js';
import { silentLogger } from './log.js';
import { countByName, loadStartPulse, startRealPulse } from '../test-support/real-pulse.js';
import type { RealPulse } from '../test-support/real-pulse.js';
import { startFlakyProxy } from '../test-support/flaky-proxy.js';
import type { ProxyBehaviour } from '../test-support/flaky-proxy.js';

const start = await loadStartPulse();
if (typeof start === 'string') console.log(`skipped: SDK tests against the real server — ${start}`);
const describeReal = typeof start === 'string' ? describe.skip : describe;

const quick = { logger: silentLogger, initialBackoffMs: 5, maxBackoffMs: 50, env: {} };
let pulse: RealPulse;

describeReal('PulseClient against the real Pulse server', () => {
  beforeAll(async () => {
    if (typeof start !== 'string') pulse = await startRealPulse(start);
  });
  afterAll(async () => {
    await pulse?.close();
  });

  it('stores every event exactly once through lost answers, drops and 503s', async () => {
    const script: ProxyBehaviour[] = ['forward-then-drop', 'drop', 'unavailable', 'forward-then-drop', 'forward', 'forward-then-drop'];
    const proxy = await startFlakyProxy(pulse.url, (n) => script[n] ?? 'forward');
    const client = new PulseClient({ ...quick, url: proxy.url, batchSize: 50, maxRetries: 20 });
    for (let i = 0; i < 500; i++) client.track({ type: 'metric', id: `eo-${i}`, name: 'sdk-exactly-once', value: i });
    expect(await client.flush()).toBe(true);
    await client.shutdown();
    await proxy.close();
    expect(await countByName(pulse, 'sdk-exactly-once')).toEqual({ n: 500, distinct: 500 });
    expect(client.stats()).toMatchObject({ sent: 500, dropped: { total: 0 } });
    // The lost answers mean the server saw some batches twice; it stored them once.
    const forwardedKeys = proxy.seen.filter((s) => s.behaviour.startsWith('forward')).map((s) => s.key);
    expect(forwardedKeys.length).toBeGreaterThan(new Set(forwardedKeys).size);
  });

  it('drops what the server rejects in a 207 and does not resend the rest', async () => {
    const client = new PulseClient({ ...quick, url: pulse.url });
    client.track({ type: 'metric', name: 'sdk-207', id: 'a' });
    // Valid by the schema, rejected by the server: more than 24 h in the future.
    client.track({ type: 'metric', name: 'sdk-207', id: 'b', ts: Date.now() + 3 * 24 * 3600 * 1000 });
    client.track({ type: 'metric', name: 'sdk-207', id: 'c' });
    await client.shutdown();
    expect(await countByName(pulse, 'sdk-207')).toEqual({ n: 2, distinct: 2 });
    expect(client.stats()).toMatchObject({ sent: 2, requests: 1, dropped: { byReason: { rejected: 1 } } });
  });

  it('events tracked while the server is down survive a host restart through the spool', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-spool-e2e-'));
    let down = true;
    const proxy = await startFlakyProxy(pulse.url, () => (down ? 'drop' : 'forward'));
    const first = new PulseClient({ ...quick, url: proxy.url, spoolDir: dir, batchSize: 25, maxRetries: 1, shutdownTimeoutMs: 300 });
    for (let i = 0; i < 120; i++) first.track({ type: 'metric', id: `sp-${i}`, name: 'sdk-spool', value: i });
    await first.shutdown();
    expect(first.stats().spool.events).toBe(120);
    down = false;
    const second = new PulseClient({ ...quick, url: proxy.url, spoolDir: dir });
    await second.shutdown();
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
    expect(await countByName(pulse, 'sdk-spool')).toEqual({ n: 120, distinct: 120 });
  });
});

describeReal('PulseClient against a real server that requires a key', () => {
  let secured: RealPulse;
  beforeAll(async () => {
    if (typeof start !== 'string') secured = await startRealPulse(start, { apiKey: 'test-admin-key-0123456789' });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('sends the bearer key; a wrong key is dropped as unauthorized without retries', async () => {
    const good = new PulseClient({ ...quick, url: secured.url, apiKey: 'test-admin-key-0123456789' });
    good.track({ type: 'metric', name: 'sdk-auth' });
    await good.shutdown();
    expect(good.stats()).toMatchObject({ sent: 1, dropped: { total: 0 } });
    const bad = new PulseClient({ ...quick, url: secured.url, apiKey: 'wrong' });
    bad.track({ type: 'metric', name: 'sdk-auth' });
    await bad.shutdown();
    expect(bad.stats()).toMatchObject({ sent: 0, requests: 1, dropped: { byReason: { unauthorized: 1 } } });
    expect(await countByName(secured, 'sdk-auth')).toEqual({ n: 1, distinct: 0 });
  });
});
