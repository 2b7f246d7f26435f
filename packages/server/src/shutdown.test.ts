import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { postJson, startTestPulse } from './test-support/pulse.js';

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

  it('stops taking new requests at once, even while a background run it waits for is still going', async () => {
    const pulse = await startTestPulse({});
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    pulse.tasks.schedule({ name: 'slow-run', description: 'a run that takes its time', intervalMs: 60_000, run: () => gate });
    const running = pulse.tasks.runNow('slow-run');
    try {
      expect((await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'before' }] })).status).toBe(200);
      const closing = pulse.dispose();
      await new Promise((r) => setTimeout(r, 200));
      // The server drains: a new request is refused (no listener) or answered 503 — never taken and acknowledged.
      const late = await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'late' }] }).then((r) => r.status, () => 'refused');
      expect([503, 'refused']).toContain(late);
      release();
      await running;
      await closing;
    } finally {
      release();
    }
  });
});
