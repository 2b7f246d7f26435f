import { describe, expect, it } from 'vitest';
import { validateEvents } from '@pulse/protocol';
import { OTLP_ATTRIBUTE_DEFAULTS } from '../../config/load.js';
import { classify, mapSpan, type MapOptions, type SpanContext } from './map-span.js';
import { mapRequest, rejectionMessage } from './map-request.js';
import type { AnyValue, Attrs, OtlpSpan, UnixTime } from './model.js';

type Plain = string | number | boolean | Plain[];

const T0 = 1_790_000_000_000; // 2026-09-21T…Z, epoch ms
/** T0 + `offset` ms (fractions become the nanoseconds beyond the millisecond). */
const at = (offset: number): UnixTime => ({ ms: T0 + Math.floor(offset), ns: Math.round((offset - Math.floor(offset)) * 1e6) });
/** Plain values as an SDK would send them: strings, ints, doubles, booleans, arrays. */
const anyOf = (v: Plain): AnyValue =>
  Array.isArray(v) ? { arrayValue: { values: v.map(anyOf) } }
    : typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v }
      : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
const attrs = (o: Record<string, Plain>): Attrs => Object.entries(o).map(([key, v]) => ({ key, value: anyOf(v) }));

const span = (over: Partial<OtlpSpan> & { attrs?: Record<string, Plain> } = {}): OtlpSpan => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '',
  name: 'chat gpt-4o-mini',
  kind: 3,
  start: at(0.25),
  end: at(1234.75),
  events: [],
  status: { code: 0, message: '' },
  ...over,
  attributes: over.attributes ?? attrs(over.attrs ?? {}),
});

const ctx: SpanContext = {
  resource: attrs({ 'service.name': 'discord-bot', 'deployment.environment.name': 'prod', 'service.version': '1.4.2', 'host.name': 'box' }),
  scope: { name: '@opentelemetry/instrumentation-openai', version: '0.1.0' },
};
const genai: MapOptions = { spans: 'genai', attributes: { ...OTLP_ATTRIBUTE_DEFAULTS } };
const all: MapOptions = { ...genai, spans: 'all' };

const CHAT = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'gen_ai.usage.input_tokens': 1200,
  'gen_ai.usage.output_tokens': 300,
  'gen_ai.response.finish_reasons': ['stop'],
  'gen_ai.response.id': 'chatcmpl-123',
  'gen_ai.request.temperature': 0.7,
  'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"secret"}]}]',
  'gen_ai.output.messages': '[{"role":"assistant"}]',
  'user.id': 'u-42',
  'session.id': 's-7',
  'gen_ai.agent.name': 'scav',
};

describe('mapSpan: GenAI spans → llm events', () => {
  it('maps every field of a chat span', () => {
    const e = mapSpan(span({ attrs: CHAT }), ctx, genai)!;
    expect(e).toEqual({
      type: 'llm',
      ts: T0,
      duration_ms: 1234.5,
      name: 'chat',
      model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai',
      input_tokens: 1200,
      output_tokens: 300,
      service: 'discord-bot',
      environment: 'prod',
      user_id: 'u-42',
      session_id: 's-7',
      persona: 'scav',
      status: 'ok',
      attributes: {
        trace_id: '0af7651916cd43dd8448eb211c80319c',
        span_id: 'b7ad6b7169203331',
        'otel.scope.name': '@opentelemetry/instrumentation-openai',
        'otel.span.name': 'chat gpt-4o-mini',
        'service.version': '1.4.2',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.finish_reasons': 'stop',
        'gen_ai.response.id': 'chatcmpl-123',
        'gen_ai.request.temperature': '0.7', // attribute values are stored as text
      },
    });
    // Message content is never copied; the event passes the /v1/events validator as it is.
    expect(JSON.stringify(e)).not.toContain('secret');
    expect(validateEvents([e], T0).rejected).toEqual([]);
  });

  it('reads the older and the instrumentations\' names: gen_ai.system, prompt/completion tokens, OpenLLMetry, Vercel AI SDK', () => {
    const old = mapSpan(span({ attrs: { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-3-5-haiku', 'llm.request.type': 'completion', 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': '20' } }), ctx, genai)!;
    expect(old).toMatchObject({ type: 'llm', name: 'completion', provider: 'anthropic', model: 'claude-3-5-haiku', input_tokens: 10, output_tokens: 20 });
    const vercel = mapSpan(span({ name: 'ai.streamText.doStream', attrs: { 'gen_ai.system': 'openai.chat', 'gen_ai.request.model': 'gpt-4o', 'ai.model.id': 'gpt-4o', 'ai.usage.promptTokens': 5, 'ai.usage.completionTokens': 7, 'ai.response.msToFirstChunk': 85.25, 'ai.telemetry.metadata.userId': 'v-1' } }), ctx, {
      ...genai, attributes: { ...genai.attributes, user_id: ['ai.telemetry.metadata.userId'] },
    })!;
    expect(vercel).toMatchObject({ name: 'ai.streamText.doStream', provider: 'openai.chat', model: 'gpt-4o', input_tokens: 5, output_tokens: 7, ttft_ms: 85.25, user_id: 'v-1' });
    // The Vercel AI SDK's outer span has only ai.* attributes: not a GenAI span, so not counted twice.
    expect(mapSpan(span({ name: 'ai.streamText', attrs: { 'ai.model.id': 'gpt-4o', 'ai.usage.promptTokens': 5 } }), ctx, genai)).toBeNull();
  });

  it('takes TTFT from the semantic conventions (s), OpenLIT (s), or the first-chunk event', () => {
    const base = { 'gen_ai.request.model': 'gpt-4o' };
    expect(mapSpan(span({ attrs: { ...base, 'gen_ai.response.time_to_first_chunk': 0.25 } }), ctx, genai)!.ttft_ms).toBe(250);
    expect(mapSpan(span({ attrs: { ...base, 'gen_ai.server.time_to_first_token': 1.5 } }), ctx, genai)!.ttft_ms).toBe(1500);
    const ev = span({ attrs: base, events: [{ name: 'ai.stream.firstChunk', time: at(320.25), attributes: [] }] });
    expect(mapSpan(ev, ctx, genai)!.ttft_ms).toBe(320);
    expect(mapSpan(span({ attrs: base }), ctx, genai)!.ttft_ms).toBeUndefined();
  });

  it('maps an error: status ERROR, error.type, the status message; or the exception event', () => {
    const e = mapSpan(span({ attrs: { ...CHAT, 'error.type': 'RateLimitError' }, status: { code: 2, message: '429 Too Many Requests' } }), ctx, genai)!;
    expect(e).toMatchObject({ status: 'error', error_type: 'RateLimitError', error_message: '429 Too Many Requests' });
    expect(e.attributes).not.toHaveProperty('error.type');
    const exc = mapSpan(span({
      attrs: { 'gen_ai.request.model': 'gpt-4o' },
      status: { code: 2, message: '' },
      events: [{ name: 'exception', time: at(1), attributes: attrs({ 'exception.type': 'APIConnectionError', 'exception.message': 'socket hang up' }) }],
    }), ctx, genai)!;
    expect(exc).toMatchObject({ status: 'error', error_type: 'APIConnectionError', error_message: 'socket hang up' });
    const bare = mapSpan(span({ attrs: { 'gen_ai.request.model': 'gpt-4o' }, status: { code: 2, message: '' } }), ctx, genai)!;
    expect(bare.status).toBe('error');
    expect(bare.error_type).toBeUndefined();
    expect(mapSpan(span({ attrs: { 'gen_ai.request.model': 'gpt-4o' }, status: { code: 1, message: '' } }), ctx, genai)!.status).toBe('ok');
  });

  it('a recorded exception alone is no failure: a span whose status is not ERROR (a retry that succeeded) stays ok', () => {
    const retried = { name: 'exception', time: at(1), attributes: attrs({ 'exception.type': 'RateLimitError', 'exception.message': '429, retrying' }) };
    for (const code of [0, 1]) {
      const e = mapSpan(span({ attrs: CHAT, status: { code, message: '' }, events: [retried] }), ctx, genai)!;
      expect(e.status, `status code ${code}`).toBe('ok');
      expect(e.error_type).toBeUndefined();
      expect(e.error_message).toBeUndefined();
    }
  });

  it('agent and tool operations are agent and tool events without tokens (their LLM calls carry them)', () => {
    const agent = mapSpan(span({ attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 99 } }), ctx, genai)!;
    expect(agent).toMatchObject({ type: 'agent', name: 'planner', model: 'gpt-4o' });
    expect(agent.input_tokens).toBeUndefined();
    const tool = mapSpan(span({ attrs: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.arguments': '{"city":"x"}' } }), ctx, genai)!;
    expect(tool).toMatchObject({ type: 'tool', name: 'get_weather' });
    expect(tool.attributes).not.toHaveProperty('gen_ai.tool.call.arguments');
  });
});

describe('mapSpan: configuration and other spans', () => {
  it('reads persona/channel/user/session/guild from the configured keys, span first, then resource', () => {
    const opts: MapOptions = { spans: 'genai', attributes: { user_id: ['app.user'], session_id: ['app.thread'], persona: ['bot.persona'], channel: ['discord.channel'], guild: ['discord.guild'] } };
    const res: SpanContext = { ...ctx, resource: [...ctx.resource, ...attrs({ 'discord.guild': 'g-res', 'bot.persona': 'res-persona' })] };
    const e = mapSpan(span({ attrs: { 'gen_ai.request.model': 'm', 'app.user': 7, 'app.thread': 't', 'bot.persona': 'eve', 'discord.channel': '#general', 'user.id': 'ignored' } }), res, opts)!;
    expect(e).toMatchObject({ user_id: '7', session_id: 't', persona: 'eve', channel: '#general', guild: 'g-res' });
    // Configured keys are fields, not attributes too; an unconfigured default key stays an attribute.
    expect(e.attributes).not.toHaveProperty('discord.channel');
    expect(e.attributes).toHaveProperty('user.id', 'ignored');
  });

  it('genai (default) drops other spans; http keeps HTTP server spans; all keeps every span', () => {
    const http = span({ name: 'GET /v1/chat/:id', kind: 2, attrs: { 'http.request.method': 'GET', 'http.route': '/v1/chat/:id', 'http.response.status_code': 503 } });
    const internal = span({ name: 'load-context', kind: 1, attrs: { 'db.system': 'sqlite' } });
    expect(classify(http)).toBe('http');
    expect(classify(internal)).toBe('span');
    expect(mapSpan(http, ctx, genai)).toBeNull();
    expect(mapSpan(internal, ctx, genai)).toBeNull();
    expect(mapSpan(internal, ctx, { ...genai, spans: 'http' })).toBeNull();
    expect(mapSpan(http, ctx, { ...genai, spans: 'http' })).toMatchObject({ type: 'http', name: '/v1/chat/:id', status: 'error', error_type: '503', duration_ms: 1234.5 });
    expect(mapSpan(span({ kind: 2, attrs: { 'http.request.method': 'GET', 'http.response.status_code': 404 } }), ctx, all)!.status).toBe('ok');
    expect(mapSpan(internal, ctx, all)).toMatchObject({ type: 'span', name: 'load-context', status: 'ok', attributes: { 'db.system': 'sqlite' } });
  });

  it('keeps attributes within the limits: 32 keys, 1,024-char values, valid keys; clips long fields; never drops the span', () => {
    const many: Record<string, Plain> = { 'gen_ai.request.model': 'm'.repeat(300) };
    for (let i = 0; i < 60; i++) many[`custom.k${i}`] = i;
    many['custom.long'] = 'x'.repeat(5000);
    many['bad key/with slash'] = 1;
    many['k'.repeat(70)] = 1;
    const e = mapSpan(span({ name: 'n'.repeat(400), attrs: many, status: { code: 2, message: 'e'.repeat(5000) } }), ctx, genai)!;
    expect(Object.keys(e.attributes!)).toHaveLength(32);
    expect(e.model).toHaveLength(256);
    expect(e.name).toBe('n'.repeat(256)); // no operation name: the span name, clipped
    expect(e.error_message).toHaveLength(4096);
    expect(validateEvents([e], T0).rejected).toEqual([]);
    const long = mapSpan(span({ attrs: { 'gen_ai.request.model': 'm', 'custom.long': 'x'.repeat(5000) } }), ctx, genai)!;
    expect(long.attributes!['custom.long']).toHaveLength(1024);
  });

  it('a span without a start time is mapped with ts 0, which the validator rejects (reported, not re-dated)', () => {
    const bad = span({ name: 'broken', start: { ms: 0, ns: 0 }, end: { ms: 0, ns: 0 }, attrs: { 'gen_ai.request.model': 'm' } });
    const good = span({ attrs: { 'gen_ai.request.model': 'm' } });
    const mapped = mapRequest({ resourceSpans: [{ resource: ctx.resource, scopeSpans: [{ scope: ctx.scope, spans: [good, bad, span({ kind: 1 })] }] }] }, genai);
    expect(mapped.spans).toBe(3);
    expect(mapped.skipped).toBe(1);
    const { rejected } = validateEvents(mapped.events, T0);
    expect(rejected.map((r) => r.index)).toEqual([1]);
    expect(rejectionMessage(rejected, mapped.sources)).toMatch(/^1 span rejected; span "broken" \(span_id b7ad6b7169203331\): ts: /);
  });
});
