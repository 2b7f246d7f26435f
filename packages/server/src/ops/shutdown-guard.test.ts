import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerShutdownGuard } from './hardening.js';

/**
 * A request that reaches the app after close began — pipelined behind one still in flight on a keep-alive
 * connection — is answered by the guard in Pulse's error shape with Retry-After (Fastify's own 503 has neither).
 */
describe('shutdown guard', () => {
  it('answers a request arriving during shutdown with 503, the error shape and Retry-After', async () => {
    const app = Fastify({ return503OnClosing: false });
    registerShutdownGuard(app, 7);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    app.get('/slow', async () => {
      await gate;
      return { ok: true };
    });
    app.get('/fast', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    let raw = '';
    socket.on('data', (d) => (raw += String(d)));
    const closed = new Promise((r) => socket.on('close', r));
    socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = app.close();
    await new Promise((r) => setTimeout(r, 50));
    socket.write('GET /fast HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await closing;
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    socket.destroy();
    const answers = raw.split(/(?=HTTP\/1\.1 )/);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(answers[1]).toMatch(/retry-after: 7/i);
    expect(answers[1]).toContain('{"error":{"code":"shutting_down"');
  });
});
