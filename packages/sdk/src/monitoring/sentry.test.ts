import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitoring } from './monitoring.js';
import { silentLogger } from '../transport/log.js';
import { startFakePulse } from '../test-support/fake-pulse.js';
import type { FakePulse } from '../test-support/fake-pulse.js';

// Real @sentry/node, sending to a local stand-in for Sentry's envelope endpoint (no network here).
const envelopes: string[] = [];
const sentryServer = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    envelopes.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
    res.writeHead(200).end('{}');
  });
});
let fake: FakePulse;
let dsn = '';

beforeAll(async () => {
  await new Promise<void>((r) => sentryServer.listen(0, '127.0.0.1', r));
  dsn = `http://publickey@127.0.0.1:${(sentryServer.address() as AddressInfo).port}/42`;
  fake = await startFakePulse();
});
afterAll(async () => {
  await fake.close();
  await new Promise<void>((r) => sentryServer.close(() => r()));
});

describe('Sentry forwarding', () => {
  it('with SENTRY_DSN set, handleError reaches Sentry with service, error type and severity tags', async () => {
    const monitoring = new Monitoring({
      service: 'api', environment: 'test', url: fake.url, logger: silentLogger, defaultMetrics: false, env: { SENTRY_DSN: dsn },
    });
    class UpstreamTimeout extends Error {
      override name = 'UpstreamTimeout';
    }
    monitoring.handleError(new UpstreamTimeout('llm took too long'), { context: 'additional info', severity: 'high' });
    await monitoring.shutdown();
    const events = envelopes.filter((e) => e.includes('"exception"'));
    expect(events).toHaveLength(1);
    const item = JSON.parse(events[0]?.split('\n')[2] ?? '{}') as {
      exception: { values: { type: string; value: string }[] };
      tags: Record<string, string>;
      extra: Record<string, unknown>;
      environment: string;
    };
    expect(item.exception.values[0]).toMatchObject({ type: 'UpstreamTimeout', value: 'llm took too long' });
    expect(item.tags).toMatchObject({ service: 'api', error_type: 'UpstreamTimeout', severity: 'high' });
    expect(item.extra).toMatchObject({ context: 'additional info' });
    expect(item.environment).toBe('test');
    // Pulse got it too.
    expect(fake.stored.map((s) => s.event.error_type)).toContain('UpstreamTimeout');
  });

  it('SENTRY_ENABLED=false keeps errors away from Sentry', async () => {
    const before = envelopes.length;
    const monitoring = new Monitoring({
      service: 'api', url: fake.url, logger: silentLogger, defaultMetrics: false, env: { SENTRY_DSN: dsn, SENTRY_ENABLED: 'false' },
    });
    monitoring.handleError(new Error('not forwarded'));
    await monitoring.shutdown();
    expect(envelopes.length).toBe(before);
  });
});
