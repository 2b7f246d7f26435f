import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sendBatch, type SenderConfig } from './http-sender.js';

const answer = (status: number) => ({ status, headers: { get: () => null }, text: async () => '{"accepted":1,"rejected":[]}' });
const config = (fetch: SenderConfig['fetch'], requestTimeoutMs = 1_000): SenderConfig =>
  ({ endpoint: 'http://pulse.invalid/v1/events', apiKey: undefined, fetch, requestTimeoutMs }) as SenderConfig;

describe('sendBatch', () => {
  it('leaves nothing attached to the client’s signal once a request is over (it lives as long as the client)', async () => {
    const client = new AbortController();
    for (let i = 0; i < 100; i++) {
      expect(await sendBatch(config(async () => answer(200) as never), Buffer.from('x'), 1, `k${i}`, client.signal)).toMatchObject({ kind: 'success' });
    }
    expect(await sendBatch(config(async () => { throw new Error('refused'); }), Buffer.from('x'), 1, 'k', client.signal)).toMatchObject({ kind: 'retryable' });
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it('a request that stalls past requestTimeoutMs is a retryable timeout; the client’s abort stops one in flight', async () => {
    const stall: SenderConfig['fetch'] = (_url, init) => new Promise((_resolve, reject) => {
      const signal = (init as { signal: AbortSignal }).signal;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    const client = new AbortController();
    expect(await sendBatch(config(stall, 30), Buffer.from('x'), 1, 'k', client.signal)).toEqual({ kind: 'retryable', reason: 'timeout' });
    const pending = sendBatch(config(stall, 60_000), Buffer.from('x'), 1, 'k', client.signal);
    client.abort(new Error('shutdown'));
    expect(await pending).toMatchObject({ kind: 'retryable' });
    expect((await pending as { reason: string }).reason).not.toBe('timeout');
  });
});
