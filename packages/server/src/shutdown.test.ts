import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTestPulse } from './test-support/pulse.js';

/** POST over a keep-alive agent, so the connection stays open after the answer unless the server closes it. */
function post(url: string, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('shutdown', () => {
  it('does not wait out keep-alive connections whose request was in flight when close began', async () => {
    const pulse = await startTestPulse({});
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      let release!: () => void;
      const held = pulse.buffer.betweenCommits(() => new Promise<void>((r) => (release = r)));
      const answer = post(`${pulse.url}/v1/events`, agent, JSON.stringify({ events: [{ type: 'metric', value: 1 }] }));
      await new Promise((r) => setTimeout(r, 100)); // the request is now waiting for its commit
      const started = Date.now();
      const closing = pulse.dispose();
      await new Promise((r) => setTimeout(r, 100));
      release();
      await held;
      expect(await answer).toBe(200); // acknowledged: it was committed before the server went away
      await closing;
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      agent.destroy();
    }
  });
});
