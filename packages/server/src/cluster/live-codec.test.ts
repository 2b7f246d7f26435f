import type { StoredEvent } from '@pulse/protocol';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeBatch } from './live-codec.js';

const base: StoredEvent = {
  id: 'e1', ts: 1_764_590_000_000, type: 'llm', name: 'chat', service: 'bot', environment: null, user_id: 'u1', session_id: null,
  persona: null, channel: null, guild: 'g1', prompt_id: null, model: 'gpt-4o', provider: 'openai', input_tokens: 120, output_tokens: 30,
  cost_usd: 0.0021, duration_ms: 840, ttft_ms: 210, status: 'ok', error_type: null, error_message: null, severity: null, value: null,
  target: null, text: null, sentiment: null, phases: null, attributes: { queue_name: 'emails' }, project: 'bot',
};
const nullsOf = (e: StoredEvent) => ({ text_length: null, questions: null, emojis: null, mentions: null, topic: null, ...Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v ?? null])) });

describe('live feed codec', () => {
  it('round-trips events without their null fields and restores them as null', () => {
    const { messages, trimmed, oversize } = encodeBatch('one', [base, { ...base, id: 'e2', status: 'error', error_type: 'Timeout' }]);
    expect([messages.length, trimmed, oversize]).toEqual([1, 0, 0]);
    expect(messages[0]).not.toContain('null');
    const back = decodeMessage(messages[0]!);
    expect(back?.instance).toBe('one');
    expect(back?.events.map(nullsOf)).toEqual([nullsOf(base), nullsOf({ ...base, id: 'e2', status: 'error', error_type: 'Timeout' })]);
    expect(back?.events[0]!.persona).toBeNull();
    expect(back?.events[0]!.topic).toBeNull();
  });

  it('packs a large batch into messages below PostgreSQL’s 8000-byte limit, cutting long text', () => {
    const events = Array.from({ length: 500 }, (_, i) => ({ ...base, id: `e${i}`, text: i % 50 === 0 ? 'é'.repeat(30_000) : `message ${i}` }));
    const { messages, trimmed, oversize } = encodeBatch('one', events);
    expect(oversize).toBe(0);
    expect(trimmed).toBe(10);
    for (const m of messages) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(7_900);
    const back = messages.flatMap((m) => decodeMessage(m)!.events);
    expect(back.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(back[0]!.text).toBe('é'.repeat(1_000));
    expect(back[1]!.text).toBe('message 1');
  });

  it('leaves out attributes an event cannot carry within one message, and drops one that still does not fit', () => {
    const attributes = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, 'v'.repeat(30)]));
    const big = { ...base, id: 'big', attributes };
    const { messages, trimmed } = encodeBatch('one', [big]);
    expect(trimmed).toBe(1);
    expect(decodeMessage(messages[0]!)!.events[0]).toMatchObject({ id: 'big', attributes: null, model: 'gpt-4o' });
    const hopeless = { ...base, id: 'x'.repeat(9_000) };
    expect(encodeBatch('one', [hopeless, base])).toMatchObject({ oversize: 1 });
    expect(encodeBatch('one', [hopeless, base], { maxMessageBytes: 7_900, maxTextChars: 1_000 }).messages).toHaveLength(1);
  });

  it('ignores payloads that are not a feed message', () => {
    expect(decodeMessage('not json')).toBeNull();
    expect(decodeMessage('{"i":1}')).toBeNull();
    expect(decodeMessage('{"i":"two","e":[{"ts":"x"},{"ts":1,"type":"llm","project":"p"}]}')!.events).toHaveLength(1);
  });
});
