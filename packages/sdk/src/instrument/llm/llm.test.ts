import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Monitoring } from '../../monitoring/monitoring.js';
import { silentLogger } from '../../transport/log.js';
import { startFakePulse } from '../../test-support/fake-pulse.js';
import type { FakePulse } from '../../test-support/fake-pulse.js';
import { FakeAnthropic, FakeOpenAI, RateLimitError } from '../../test-support/fake-llm-clients.js';
import type { LLMCall } from '../types.js';
import { wrapAnthropic } from './anthropic.js';
import { wrapOpenAI } from './openai.js';

// No real provider can be reached from this machine: the clients are local objects shaped like the
// OpenAI and Anthropic SDKs' (responses, streams, errors with status).

let fake: FakePulse;
let monitoring: Monitoring;
beforeEach(async () => {
  fake = await startFakePulse();
  monitoring = new Monitoring({ service: 'bot', url: fake.url, logger: silentLogger, env: {}, defaultMetrics: false });
});
afterEach(async () => {
  await monitoring.shutdown();
  await fake.close();
});

async function llmEvents(): Promise<Record<string, unknown>[]> {
  await monitoring.client.flush();
  return fake.stored.map((s) => s.event).filter((e) => e.type === 'llm');
}
async function tokenSpend(): Promise<{ labels: Record<string, string>; value: number }[]> {
  return (await monitoring.registry.getSingleMetric('token_spend_total')?.get())?.values as { labels: Record<string, string>; value: number }[];
}

const completion = {
  id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
};

describe('wrapOpenAI', () => {
  it('measures a plain call and returns the SDK promise itself', async () => {
    const client = monitoring.wrapOpenAI(new FakeOpenAI({ response: completion, delayMs: 20 }), { persona: 'scav', userId: 'u1' });
    const pending = client.chat.completions.create({ model: 'gpt-4o' });
    const { data } = await pending.withResponse();
    expect(data).toBe(completion);
    expect(client.models.list()).toEqual(['true']);
    const [event] = await llmEvents();
    expect(event).toMatchObject({
      type: 'llm', name: 'chat', service: 'bot', model: 'gpt-4o-2024-08-06', provider: 'openai', input_tokens: 12, output_tokens: 5,
      status: 'ok', persona: 'scav', user_id: 'u1', attributes: { stream: false, finish_reason: 'stop' },
    });
    expect(Number(event?.duration_ms)).toBeGreaterThanOrEqual(15);
    expect(event?.ttft_ms).toBeUndefined();
    expect(await tokenSpend()).toEqual([
      { labels: { service: 'bot', model: 'gpt-4o-2024-08-06', type: 'prompt' }, value: 12 },
      { labels: { service: 'bot', model: 'gpt-4o-2024-08-06', type: 'completion' }, value: 5 },
    ]);
  });

  it('measures a stream: ttft at the first content chunk, usage from the final chunk', async () => {
    const chunks = [
      { model: 'gpt-4o-mini', choices: [{ delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { model: 'gpt-4o-mini', choices: [{ delta: { content: 'Hel' }, finish_reason: null }] },
      { model: 'gpt-4o-mini', choices: [{ delta: { content: 'lo' }, finish_reason: null }] },
      { model: 'gpt-4o-mini', choices: [{ delta: {}, finish_reason: 'length' }] },
      { model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 30, completion_tokens: 2 } },
    ];
    const client = monitoring.wrapOpenAI(new FakeOpenAI({ chunks, delayMs: 15 }));
    const stream = await monitoring.withContext({ sessionId: 's9', channel: 'general' }, async () => {
      const s = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true });
      let text = '';
      for await (const c of s as AsyncIterable<{ choices: { delta?: { content?: string } }[] }>) text += c.choices[0]?.delta?.content ?? '';
      expect(text).toBe('Hello');
      return s;
    });
    expect((stream as { controller: AbortController }).controller).toBeInstanceOf(AbortController);
    const [event] = await llmEvents();
    expect(event).toMatchObject({
      name: 'chat_stream', model: 'gpt-4o-mini', input_tokens: 30, output_tokens: 2, session_id: 's9', channel: 'general',
      attributes: { stream: true, finish_reason: 'length' },
    });
    // First content arrives with the second chunk (~2 delays) of five (~5 delays + the initial one).
    expect(Number(event?.ttft_ms)).toBeGreaterThanOrEqual(25);
    expect(Number(event?.ttft_ms)).toBeLessThan(Number(event?.duration_ms));
  });

  it('measures a stream piped out with toReadableStream() (`new Response(stream.toReadableStream())`)', async () => {
    const chunks = [
      { model: 'gpt-4o-mini', choices: [{ delta: { content: 'Hi' }, finish_reason: null }] },
      { model: 'gpt-4o-mini', choices: [{ delta: {}, finish_reason: 'stop' }] },
      { model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 7, completion_tokens: 1 } },
    ];
    const client = monitoring.wrapOpenAI(new FakeOpenAI({ chunks, delayMs: 5 }));
    const stream = (await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true })) as { toReadableStream(): ReadableStream<Uint8Array> };
    const body = await new Response(stream.toReadableStream()).text();
    expect(body.trim().split('\n')).toHaveLength(3);
    const [event] = await llmEvents();
    expect(event).toMatchObject({ name: 'chat_stream', input_tokens: 7, output_tokens: 1, status: 'ok', attributes: { stream: true, finish_reason: 'stop' } });
    expect(await tokenSpend()).toEqual([
      { labels: { service: 'bot', model: 'gpt-4o-mini', type: 'prompt' }, value: 7 },
      { labels: { service: 'bot', model: 'gpt-4o-mini', type: 'completion' }, value: 1 },
    ]);
  });

  it('counts cached prompt tokens once: prompt_tokens already include prompt_tokens_details.cached_tokens', async () => {
    const cached = { ...completion, usage: { prompt_tokens: 1200, completion_tokens: 5, total_tokens: 1205, prompt_tokens_details: { cached_tokens: 1000 } } };
    const client = monitoring.wrapOpenAI(new FakeOpenAI({ response: cached }));
    await client.chat.completions.create({ model: 'gpt-4o' });
    const chunks = [
      { model: 'gpt-4o-mini', choices: [{ delta: { content: 'Hi' }, finish_reason: 'stop' }] },
      { model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 2048, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 1920 } } },
    ];
    const streaming = monitoring.wrapOpenAI(new FakeOpenAI({ chunks }));
    for await (const _ of (await streaming.chat.completions.create({ model: 'gpt-4o-mini', stream: true })) as AsyncIterable<unknown>) {
      // reading
    }
    const [plain, streamed] = await llmEvents();
    expect(plain).toMatchObject({ input_tokens: 1200, output_tokens: 5 });
    expect(streamed).toMatchObject({ input_tokens: 2048, output_tokens: 1 });
    expect(await tokenSpend()).toEqual([
      { labels: { service: 'bot', model: 'gpt-4o-2024-08-06', type: 'prompt' }, value: 1200 },
      { labels: { service: 'bot', model: 'gpt-4o-2024-08-06', type: 'completion' }, value: 5 },
      { labels: { service: 'bot', model: 'gpt-4o-mini', type: 'prompt' }, value: 2048 },
      { labels: { service: 'bot', model: 'gpt-4o-mini', type: 'completion' }, value: 1 },
    ]);
  });

  it('records errors by type, rethrows them, and marks abandoned and broken streams', async () => {
    const failing = monitoring.wrapOpenAI(new FakeOpenAI({ error: new RateLimitError('slow down') }));
    await expect(failing.chat.completions.create({ model: 'gpt-4o' })).rejects.toThrow('slow down');
    const chunks = [1, 2, 3].map((i) => ({ choices: [{ delta: { content: `t${i}` } }] }));
    const abandoned = monitoring.wrapOpenAI(new FakeOpenAI({ chunks }));
    for await (const _ of (await abandoned.chat.completions.create({ model: 'm', stream: true })) as AsyncIterable<unknown>) break;
    const broken = monitoring.wrapOpenAI(new FakeOpenAI({ chunks, failAfter: 1 }));
    const consume = async (): Promise<void> => {
      for await (const _ of (await broken.chat.completions.create({ model: 'm', stream: true })) as AsyncIterable<unknown>) {
        // reading
      }
    };
    await expect(consume()).rejects.toThrow('connection reset');
    const [rate, gone, reset] = await llmEvents();
    expect(rate).toMatchObject({ status: 'error', error_type: 'RateLimitError', error_message: 'slow down', model: 'gpt-4o', attributes: { http_status: 429 } });
    expect(gone).toMatchObject({ status: 'ok', attributes: { stream: true, aborted: true } });
    expect(reset).toMatchObject({ status: 'error', error_type: 'APIConnectionError' });
  });
});

describe('wrapAnthropic', () => {
  it('measures a plain messages.create', async () => {
    const message = {
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-3-5-sonnet-20241022', stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hi' }], usage: { input_tokens: 40, output_tokens: 9 },
    };
    const client = monitoring.wrapAnthropic(new FakeAnthropic({ response: message }), { persona: 'dagoth_ur', name: 'reply' });
    expect(await client.messages.create({ model: 'claude-3-5-sonnet-latest', max_tokens: 100 })).toBe(message);
    const [event] = await llmEvents();
    expect(event).toMatchObject({
      name: 'reply', provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', input_tokens: 40, output_tokens: 9,
      persona: 'dagoth_ur', attributes: { finish_reason: 'end_turn', stream: false },
    });
  });

  it('measures a stream from message_start / content_block_delta / message_delta events', async () => {
    const events = [
      { type: 'message_start', message: { model: 'claude-3-haiku-20240307', usage: { input_tokens: 25, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 15 } },
      { type: 'message_stop' },
    ];
    const client = monitoring.wrapAnthropic(new FakeAnthropic({ chunks: events, delayMs: 5 }), { provider: 'anthropic-bedrock' });
    const stream = await client.messages.create({ model: 'claude-3-haiku', max_tokens: 15, stream: true });
    let n = 0;
    for await (const _ of stream as AsyncIterable<unknown>) n++;
    expect(n).toBe(7);
    const [event] = await llmEvents();
    expect(event).toMatchObject({
      provider: 'anthropic-bedrock', model: 'claude-3-haiku-20240307', input_tokens: 25, output_tokens: 15,
      attributes: { stream: true, finish_reason: 'max_tokens' },
    });
    expect(Number(event?.ttft_ms)).toBeGreaterThanOrEqual(10);
    expect(Number(event?.ttft_ms)).toBeLessThan(Number(event?.duration_ms));
  });

  it('counts cached prompt tokens: input_tokens excludes cache reads and cache writes', async () => {
    const message = {
      id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-sonnet-4-20250514', stop_reason: 'end_turn', content: [],
      usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 9 },
    };
    const client = monitoring.wrapAnthropic(new FakeAnthropic({ response: message }));
    await client.messages.create({ model: 'claude-sonnet-4-0', max_tokens: 100 });
    const uncached = { ...message, usage: { input_tokens: 40, cache_read_input_tokens: 0, cache_creation_input_tokens: null, output_tokens: 3 } };
    await monitoring.wrapAnthropic(new FakeAnthropic({ response: uncached })).messages.create({ model: 'claude-sonnet-4-0', max_tokens: 100 });
    const [cachedEvent, plainEvent] = await llmEvents();
    expect(cachedEvent).toMatchObject({ input_tokens: 1210, output_tokens: 9 });
    expect(plainEvent).toMatchObject({ input_tokens: 40, output_tokens: 3 });
    expect(await tokenSpend()).toEqual([
      { labels: { service: 'bot', model: 'claude-sonnet-4-20250514', type: 'prompt' }, value: 1250 },
      { labels: { service: 'bot', model: 'claude-sonnet-4-20250514', type: 'completion' }, value: 12 },
    ]);
  });

  it('counts cached prompt tokens in a stream: from message_start, replaced (not added to) by a cumulative message_delta', async () => {
    const start = { type: 'message_start', message: { model: 'claude-3-5-haiku-20241022', usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 1 } } };
    const text = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } };
    // Older API versions: message_delta carries output_tokens only.
    const outputOnly = [start, text, { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } }, { type: 'message_stop' }];
    // Current ones: every field, cumulative, the cache fields possibly null.
    const cumulative = [
      start, text,
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: null, output_tokens: 20 } },
      { type: 'message_stop' },
    ];
    for (const chunks of [outputOnly, cumulative]) {
      const client = monitoring.wrapAnthropic(new FakeAnthropic({ chunks }));
      for await (const _ of (await client.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 50, stream: true })) as AsyncIterable<unknown>) {
        // reading
      }
    }
    const [first, second] = await llmEvents();
    expect(first).toMatchObject({ input_tokens: 1210, output_tokens: 15 });
    expect(second).toMatchObject({ input_tokens: 1210, output_tokens: 20 });
    expect(await tokenSpend()).toEqual([
      { labels: { service: 'bot', model: 'claude-3-5-haiku-20241022', type: 'prompt' }, value: 2420 },
      { labels: { service: 'bot', model: 'claude-3-5-haiku-20241022', type: 'completion' }, value: 35 },
    ]);
  });

  it('hands a custom recorder the cached share of the prompt (cacheReadTokens, cacheWriteTokens)', async () => {
    const calls: LLMCall[] = [];
    const recorder = { recordLLM: (c: LLMCall) => void calls.push(c) };
    const message = { model: 'claude-sonnet-4-20250514', usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 9 } };
    await wrapAnthropic(new FakeAnthropic({ response: message }), recorder).messages.create({ model: 'claude-sonnet-4-0', max_tokens: 10 });
    const cached = { ...completion, usage: { prompt_tokens: 1200, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 1000 } } };
    await wrapOpenAI(new FakeOpenAI({ response: cached }), recorder).chat.completions.create({ model: 'gpt-4o' });
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[0]).toMatchObject({ provider: 'anthropic', inputTokens: 1210, outputTokens: 9, cacheReadTokens: 1000, cacheWriteTokens: 200 });
    expect(calls[1]).toMatchObject({ provider: 'openai', inputTokens: 1200, outputTokens: 5, cacheReadTokens: 1000 });
    expect(calls[1]?.cacheWriteTokens).toBeUndefined();
  });
});
