/**
 * The LISTEN session on a real PostgreSQL through a TCP proxy that can cut it silently: a network that stops carrying
 * packets (a NAT or firewall forgetting the connection, a failover behind a virtual IP) closes no socket, so only the
 * listener's own check can notice that nothing arrives any more.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PgListener } from './notifications.js';
import { blackholeProxy } from './test-support/blackhole-proxy.js';
import { postgresMissing, testCluster } from './test-support/pg-cluster.js';

const missing = postgresMissing();
if (missing !== null) console.warn(missing);
const cluster = testCluster();

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
});

describe.skipIf(missing !== null)('PgListener (real PostgreSQL)', { timeout: 30_000 }, () => {
  it('notices a session that silently stops carrying anything, reports the gap and listens again', async () => {
    const c = await cluster();
    const via = await blackholeProxy(c.url);
    cleanup.push(() => via.close());
    const heard: Array<string | null> = [];
    const listener = new PgListener({
      config: { connectionString: via.url }, channels: ['pulse_test'], retryMs: 100, pingMs: 500,
      onNotify: (n) => heard.push(n === null ? null : n.payload),
    });
    cleanup.push(() => listener.close());
    await listener.start();
    const notify = async (payload: string) => {
      const client = new pg.Client({ connectionString: c.url });
      await client.connect();
      await client.query('SELECT pg_notify($1, $2)', ['pulse_test', payload]);
      await client.end();
    };
    await notify('before');
    await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['before']);

    via.blackhole();
    await notify('lost');
    // Nothing closes the socket: the listener must find out by itself, say so (null), and come back listening.
    await expect.poll(() => heard.includes(null), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => listener.listening, { timeout: 5_000 }).toBe(true);
    await notify('after');
    await expect.poll(() => heard.at(-1), { timeout: 5_000 }).toBe('after');
    // In order: what came before, the gap reported, then what came after it.
    expect(heard[0]).toBe('before');
    expect(heard.indexOf(null)).toBeGreaterThan(0);
    expect(heard.indexOf(null)).toBeLessThan(heard.lastIndexOf('after'));
  });
});
