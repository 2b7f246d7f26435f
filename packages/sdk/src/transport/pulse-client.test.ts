import { afterEach, describe, expect, it } from 'vitest';
import { PulseClient } from './pulse-client.js';
import { silentLogger } from './log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';

let fake: FakePulse | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const quick = { logger: silentLogger, initialBackoffMs: 5, maxBackoffMs: 20, env: {} };

describe('PulseClient batching', () => {
  it('sends gzip batches of batchSize with a bearer key and one Idempotency-Key per batch', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url, apiKey: 'sk-test', batchSize: 10, flushIntervalMs: 60_000 });
    for (let i = 0; i < 25; i++) expect(client.track({ type: 'metric', name: 'm', value: i })).toBe(true);
    await client.flush();
    expect(fake.attempts.map((a) => a.count).sort((a, b) => a - b)).toEqual([5, 10, 10]);
    expect(new Set(fake.attempts.map((a) => a.key)).size).toBe(3);
    for (const a of fake.attempts) {
      expect(a.contentEncoding).toBe('gzip');
      expect(a.authorization).toBe('Bearer sk-test');
      expect(a.key).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(fake.stored.map((s) => s.event.value).sort((a, b) => Number(a) - Number(b))).toEqual([...Array(25).keys()]);
    expect(client.stats()).toMatchObject({ tracked: 25, sent: 25, queued: 0, dropped: { total: 0 } });
    await client.shutdown();
  });

  it('a maxQueueSize below batchSize lowers the batch to it: full batches go at once, nothing waits for the timer', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url, maxQueueSize: 50, flushIntervalMs: 60_000 });
    let accepted = 0;
    for (let i = 0; i < 1_000; i++) {
      if (client.track({ type: 'metric', name: 'm', value: i })) accepted++;
      // Room for the next 25 (a full batch goes at once); with a batch that cannot fill, none would come in 2 s.
      for (let waited = 0; i % 25 === 24 && client.stats().queued > 25 && waited < 2_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    }
    await client.flush();
    expect(accepted).toBe(1_000);
    expect(fake.stored).toHaveLength(1_000);
    expect(Math.max(...fake.attempts.map((a) => a.count))).toBe(50);
    expect(client.stats().dropped.total).toBe(0);
    await client.shutdown();
  });

  it('sends a partial batch after flushIntervalMs without any flush call', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url, batchSize: 100, flushIntervalMs: 50 });
    client.track({ type: 'user', user_id: 'u1' });
    const started = Date.now();
    while (fake.stored.length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(fake.stored).toHaveLength(1);
    expect(fake.stored[0]?.event).toMatchObject({ type: 'user', user_id: 'u1' });
    await client.shutdown();
  });

  it('stamps ts at track time, applies defaults, and copies the event so later mutation is not sent', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url, defaults: { service: 'api', environment: 'test' } });
    const before = Date.now();
    const attrs: Record<string, string> = { plan: 'free' };
    const event = { type: 'payment', service: 'billing', attributes: attrs };
    client.track(event);
    attrs.plan = 'changed';
    event.service = 'changed';
    await client.flush();
    const sent = fake.stored[0]?.event;
    expect(sent).toMatchObject({ type: 'payment', service: 'billing', environment: 'test', attributes: { plan: 'free' } });
    expect(Number(sent?.ts)).toBeGreaterThanOrEqual(before);
    expect(Number(sent?.ts)).toBeLessThanOrEqual(Date.now());
    await client.shutdown();
  });

  it('drops invalid events with a reason and never throws', async () => {
    fake = await startFakePulse();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (obj: object) => warnings.push((obj as { reason: string }).reason) };
    const client = new PulseClient({ ...quick, logger, url: fake.url });
    const bad: unknown[] = [null, 'x', { type: 'Bad Type' }, { type: 'llm', input_tokens: -1 }, { type: 'llm', colour: 'red' }];
    for (const e of bad) expect(client.track(e as never)).toBe(false);
    expect(client.track({ type: 'error', error_message: 'x'.repeat(10_000) })).toBe(true);
    await client.flush();
    expect(client.stats().dropped).toEqual({ total: 5, byReason: { invalid_event: 5 } });
    expect(warnings).toContain('invalid:colour');
    expect(warnings).toContain('invalid:input_tokens');
    expect(String(fake.stored[0]?.event.error_message)).toHaveLength(4096);
    await client.shutdown();
  });

  it('samples per type, marks kept events with sample_rate, and always keeps errors', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url, batchSize: 1000, sampling: { http: 0.1 } });
    for (let i = 0; i < 2000; i++) client.track({ type: 'http', name: '/x', status: i % 100 === 0 ? 'error' : 'ok' });
    for (let i = 0; i < 10; i++) client.track({ type: 'llm', model: 'm' });
    await client.flush();
    const http = fake.stored.filter((s) => s.event.type === 'http');
    const errors = http.filter((s) => s.event.status === 'error');
    const sampled = http.filter((s) => s.event.status === 'ok');
    expect(errors).toHaveLength(20);
    expect(errors.every((s) => (s.event.attributes as Record<string, unknown> | undefined)?.sample_rate === undefined)).toBe(true);
    // 1980 candidates at 10%: mean 198, sd ≈ 13.
    expect(sampled.length).toBeGreaterThan(130);
    expect(sampled.length).toBeLessThan(270);
    expect(sampled.every((s) => (s.event.attributes as Record<string, unknown>).sample_rate === 0.1)).toBe(true);
    expect(fake.stored.filter((s) => s.event.type === 'llm')).toHaveLength(10);
    expect(client.stats().sampledOut).toBe(1980 - sampled.length);
    await client.shutdown();
  });

  it('gives each event its own copy of default attributes, so sampling marks only sampled events', async () => {
    fake = await startFakePulse();
    const defaults = { attributes: { region: 'eu' } };
    const client = new PulseClient({ ...quick, url: fake.url, batchSize: 1000, defaults, sampling: { http: 0.5 } });
    for (let i = 0; i < 40; i++) client.track({ type: 'http', name: '/x' });
    client.track({ type: 'metric', name: 'unsampled' });
    await client.flush();
    const metric = fake.stored.find((s) => s.event.type === 'metric')?.event;
    expect(metric?.attributes).toEqual({ region: 'eu' });
    expect(defaults.attributes).toEqual({ region: 'eu' });
    expect(fake.stored.filter((s) => s.event.type === 'http').every((s) => (s.event.attributes as Record<string, unknown>).sample_rate === 0.5)).toBe(true);
    await client.shutdown();
  });

  it('caps distinct values per attribute key with __other__', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url, maxAttributeCardinality: 3, batchSize: 100 });
    for (let i = 0; i < 6; i++) client.track({ type: 'metric', name: 'm', attributes: { tenant: `t${i % 5}`, ok: true } });
    await client.flush();
    expect(fake.stored.map((s) => (s.event.attributes as Record<string, unknown>).tenant)).toEqual([
      't0', 't1', 't2', '__other__', '__other__', 't0',
    ]);
    expect(client.stats().cardinalityLimited).toBe(2);
    await client.shutdown();
  });

  it('reads PULSE_URL and PULSE_API_KEY when the constructor omits them', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ logger: silentLogger, env: { PULSE_URL: `${fake.url}/`, PULSE_API_KEY: 'from-env' } });
    client.track({ type: 'metric', name: 'm' });
    await client.flush();
    expect(fake.attempts[0]?.authorization).toBe('Bearer from-env');
    await client.shutdown();
  });

  it('shutdown is idempotent, flushes, and later track calls are dropped', async () => {
    fake = await startFakePulse();
    const client = new PulseClient({ ...quick, url: fake.url });
    for (let i = 0; i < 7; i++) client.track({ type: 'metric', name: 'm' });
    const a = client.shutdown();
    expect(client.shutdown()).toBe(a);
    await a;
    expect(fake.stored).toHaveLength(7);
    expect(client.track({ type: 'metric', name: 'late' })).toBe(false);
    expect(client.stats().dropped.byReason).toEqual({ shutdown: 1 });
  });

  it('rejects bad options at construction, where the developer sees them', () => {
    expect(() => new PulseClient({ logger: silentLogger, url: 'ftp://x' })).toThrow(/http/);
    expect(() => new PulseClient({ logger: silentLogger, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new PulseClient({ logger: silentLogger, sampling: { http: 2 } })).toThrow(/sampling.http/);
    expect(() => new PulseClient({ logger: silentLogger, defaults: { service: 'x'.repeat(200) } })).toThrow(/defaults.service/);
  });
});
