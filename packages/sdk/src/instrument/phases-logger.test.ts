import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EventInput } from '@pulse/protocol';
import { PhaseTimer } from './phases.js';
import { createLogger } from './logger.js';
import type { EventSink } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sink(): EventSink & { events: EventInput[] } {
  const events: EventInput[] = [];
  return { events, ship: (e) => (events.push(e), true) };
}

describe('PhaseTimer', () => {
  it('times consecutive phases, sums repeats, and sends one message event with the breakdown', async () => {
    const s = sink();
    const t = new PhaseTimer(s);
    t.start('context_building');
    await sleep(20);
    t.start('llm_inference'); // ends context_building
    await sleep(40);
    t.end();
    await t.measure('tts_generation', () => sleep(10));
    t.start('context_building');
    await sleep(10);
    const phases = t.send({ persona: 'scav', user_id: 'u1' });
    // A second send returns the same breakdown and sends nothing more (checked just below).
    expect(t.send()).toEqual(phases);
    expect(s.events).toHaveLength(1);
    const e = s.events[0] as EventInput & { phases: Record<string, number> };
    expect(Object.keys(e.phases)).toEqual(['context_building', 'llm_inference', 'tts_generation']);
    expect(e.phases.context_building).toBeGreaterThanOrEqual(28);
    expect(e.phases.llm_inference).toBeGreaterThanOrEqual(38);
    expect(e.phases.tts_generation).toBeGreaterThanOrEqual(9);
    expect(e).toMatchObject({ type: 'message', persona: 'scav', user_id: 'u1' });
    const sum = Object.values(phases).reduce((a, b) => a + b, 0);
    expect(Number(e.duration_ms)).toBeGreaterThanOrEqual(sum - 0.01);
  });

  it('ends a phase when its measured function throws, and ignores invalid or excess phase names', async () => {
    const s = sink();
    const t = new PhaseTimer(s);
    await expect(t.measure('discord_send', () => Promise.reject(new Error('429')))).rejects.toThrow('429');
    t.start('bad name!');
    for (let i = 0; i < 20; i++) t.start(`p${i}`);
    t.send({ type: 'llm', duration_ms: 1850 });
    const e = s.events[0] as EventInput & { phases: Record<string, number> };
    expect(Object.keys(e.phases)).toHaveLength(16);
    expect(e.phases).toHaveProperty('discord_send');
    expect(e.phases).not.toHaveProperty('bad name!');
    expect(e).toMatchObject({ type: 'llm', duration_ms: 1850 });
  });
});

describe('createLogger', () => {
  it('adds service fields and redacts secrets at any of the usual places', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ service: 'bot', environment: 'prod', destination });
    log.info(
      {
        req: { headers: { authorization: 'Bearer sk-live-123', cookie: 'sid=abc', 'x-api-key': 'k-1', accept: 'json' } },
        apiKey: 'sk-2', password: 'hunter2', user: { token: 't-3', name: 'ann' }, config: { api_key: 'k-4' },
        headers: { authorization: 'Basic xyz' },
      },
      'hello',
    );
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', service: 'bot', environment: 'prod', msg: 'hello' });
    expect(line.req).toEqual({ headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: 'json' } });
    expect(line).toMatchObject({ apiKey: '[REDACTED]', password: '[REDACTED]', user: { token: '[REDACTED]', name: 'ann' } });
    expect(line).toMatchObject({ config: { api_key: '[REDACTED]' }, headers: { authorization: '[REDACTED]' } });
    for (const secret of ['sk-live-123', 'sid=abc', 'k-1', 'sk-2', 'hunter2', 't-3', 'k-4', 'Basic xyz']) expect(lines[0]).not.toContain(secret);
  });
});
