/**
 * End to end with the real OpenTelemetry JS SDK: an app instrumented the usual way (NodeTracerProvider,
 * BatchSpanProcessor, the OTLP/HTTP JSON and protobuf exporters, with and without gzip) sends its
 * spans to a real Pulse; the events are read back from the store, the query API and the fan-out.
 */
import { context, diag, DiagLogLevel, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME, ATTR_GEN_AI_AGENT_NAME, ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_RESPONSE_FINISH_REASONS, ATTR_GEN_AI_RESPONSE_MODEL, ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, ATTR_SESSION_ID, ATTR_USER_ID,
} from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@pulse/protocol';
import { getJson, postJson, startTestPulse } from '../../test-support/pulse.js';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const ADMIN = 'admin-key-for-otlp-tests';
let pulse: Pulse;
let ingestKey: string;
const exportErrors: unknown[] = [];
const warnings: string[] = [];
const published: StoredEvent[] = [];

beforeAll(async () => {
  pulse = await startTestPulse({
    apiKey: ADMIN,
    otlp: {
      spans: 'genai',
      attributes: { user_id: ['user.id'], session_id: ['session.id'], persona: ['bot.persona'], channel: ['discord.channel'], guild: [] },
    },
  });
  const key = await postJson(`${pulse.url}/v1/keys`, { project: 'otel', scope: 'ingest', name: 'otel exporter' }, { authorization: `Bearer ${ADMIN}` });
  ingestKey = key.json.key;
  pulse.fanout.subscribe('otlp-test', (events) => { published.push(...events.filter((e) => e.project === 'otel')); });
  setGlobalErrorHandler((err) => exportErrors.push(err));
  diag.setLogger({
    error: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined,
    warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
  }, DiagLogLevel.WARN);
});
afterAll(async () => {
  diag.disable();
  await pulse?.dispose();
});

interface AppRun {
  traceId: string;
  serverSpanId: string;
  chatSpanId: string;
  t0: number;
}

/** What an instrumented chat bot does for one request: an HTTP server span, two LLM calls (one failing), a DB span. */
async function runApp(exporter: SpanExporter, session: string, t0: number): Promise<AppRun> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'chat-bot', [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: 'test', 'service.version': '2.0.0' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('pulse-otlp-test', '1.0.0');
  const run = tracer.startActiveSpan('POST /chat', {
    kind: SpanKind.SERVER, startTime: t0,
    attributes: { [ATTR_HTTP_REQUEST_METHOD]: 'POST', [ATTR_HTTP_ROUTE]: '/chat' },
  }, (server: Span): AppRun => {
    // Children of the request span (the provider is not registered globally, so the parent is passed explicitly).
    const parent = trace.setSpan(context.active(), server);
    const common = { [ATTR_USER_ID]: 'user-1', [ATTR_SESSION_ID]: session, 'bot.persona': 'scav', 'discord.channel': 'general' };
    const chat = tracer.startSpan('chat gpt-4o-mini', {
      kind: SpanKind.CLIENT, startTime: t0 + 10,
      attributes: { ...common, [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_PROVIDER_NAME]: 'openai', [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini' },
    }, parent);
    chat.setAttributes({
      [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-mini-2024-07-18',
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 2000,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 500,
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: ['stop'],
      [ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: 0.2,
      [ATTR_GEN_AI_AGENT_NAME]: 'ignored: persona comes from bot.persona here',
    });
    chat.end(t0 + 1510);

    const failing = tracer.startSpan('chat claude-3-5-haiku', {
      kind: SpanKind.CLIENT, startTime: t0 + 1520,
      attributes: { ...common, [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic', [ATTR_GEN_AI_REQUEST_MODEL]: 'claude-3-5-haiku' },
    }, parent);
    failing.recordException(Object.assign(new Error('rate limited'), { name: 'RateLimitError' }));
    failing.setAttribute(ATTR_ERROR_TYPE, 'RateLimitError');
    failing.setStatus({ code: SpanStatusCode.ERROR, message: '429 Too Many Requests' });
    failing.end(t0 + 1600);

    tracer.startSpan('load-history', { kind: SpanKind.INTERNAL, startTime: t0 + 1, attributes: { 'db.system.name': 'sqlite' } }, parent).end(t0 + 5);
    server.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, 200);
    server.end(t0 + 1700);
    return { traceId: server.spanContext().traceId, serverSpanId: server.spanContext().spanId, chatSpanId: chat.spanContext().spanId, t0 };
  });
  await provider.forceFlush();
  await provider.shutdown();
  return run;
}

const rowsOf = async (session: string): Promise<Record<string, unknown>[]> =>
  pulse.store.query(
    `SELECT type, name, ts, service, environment, user_id, session_id, persona, channel, model, provider, input_tokens, output_tokens,
            cost_usd, duration_ms, ttft_ms, status, error_type, error_message, project, CAST(to_json(attributes) AS VARCHAR) AS attributes
       FROM events WHERE session_id = ? ORDER BY ts`,
    [session],
  ).then((rows) => rows.map((r) => ({ ...r, attributes: r.attributes === null ? null : JSON.parse(r.attributes as string) })));

const EXPORTERS = [
  { label: 'OTLP/HTTP JSON → /v1/traces', make: (h: Record<string, string>) => new JsonExporter({ url: `${pulse.url}/v1/traces`, headers: h }) },
  { label: 'OTLP/HTTP JSON, gzip → /v1/otlp/v1/traces', make: (h: Record<string, string>) => new JsonExporter({ url: `${pulse.url}/v1/otlp/v1/traces`, headers: h, compression: 'gzip' as never }) },
  { label: 'OTLP/HTTP protobuf → /v1/otlp/v1/traces', make: (h: Record<string, string>) => new ProtoExporter({ url: `${pulse.url}/v1/otlp/v1/traces`, headers: h }) },
  { label: 'OTLP/HTTP protobuf, gzip → /v1/traces', make: (h: Record<string, string>) => new ProtoExporter({ url: `${pulse.url}/v1/traces`, headers: h, compression: 'gzip' as never }) },
];

describe('OpenTelemetry JS SDK → Pulse', () => {
  EXPORTERS.forEach(({ label, make }, i) => {
    it(`${label}: GenAI spans arrive as llm events, field by field; other spans are dropped`, async () => {
      const session = `sdk-${i}`;
      const t0 = Date.now() - 60_000 - i * 5_000;
      const run = await runApp(make({ Authorization: `Bearer ${ingestKey}` }), session, t0);
      expect(exportErrors).toEqual([]);
      const rows = await rowsOf(session);
      expect(rows).toHaveLength(2); // the HTTP server span and the DB span are not GenAI: dropped by default
      const [ok, failed] = rows as [Record<string, any>, Record<string, any>];
      expect(ok).toMatchObject({
        type: 'llm', name: 'chat', ts: t0 + 10, service: 'chat-bot', environment: 'test', user_id: 'user-1', session_id: session,
        persona: 'scav', channel: 'general', model: 'gpt-4o-mini-2024-07-18', provider: 'openai', input_tokens: 2000, output_tokens: 500,
        duration_ms: 1500, ttft_ms: 200, status: 'ok', error_type: null, error_message: null, project: 'otel',
      });
      // gpt-4o-mini list price, $0.15 / $0.60 per million tokens, from the pricing table.
      expect(ok.cost_usd).toBeCloseTo((2000 * 0.15 + 500 * 0.6) / 1e6, 12);
      expect(ok.attributes).toMatchObject({
        trace_id: run.traceId, span_id: run.chatSpanId, parent_span_id: run.serverSpanId,
        'otel.scope.name': 'pulse-otlp-test', 'otel.span.name': 'chat gpt-4o-mini', 'service.version': '2.0.0',
        'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.finish_reasons': 'stop',
      });
      expect(failed).toMatchObject({
        type: 'llm', name: 'chat', ts: t0 + 1520, model: 'claude-3-5-haiku', provider: 'anthropic', duration_ms: 80,
        status: 'error', error_type: 'RateLimitError', error_message: '429 Too Many Requests', input_tokens: null, cost_usd: null,
      });
      // Through the same commit path as /v1/events: the fan-out (live dashboard, tail) saw them too.
      await expect.poll(() => published.filter((e) => e.session_id === session).length).toBe(2);
    });
  });

  it('the events answer GET /v1/query like any others', async () => {
    const q = await getJson(
      `${pulse.url}/v1/query?project=otel&measures=count,errors,input_tokens,output_tokens&dimensions=provider&type=llm&session_id=sdk-0`,
      { authorization: `Bearer ${ADMIN}` },
    );
    expect(q.status).toBe(200);
    expect(q.json.data).toEqual([
      { provider: 'anthropic', count: 1, errors: 1, input_tokens: 0, output_tokens: 0 },
      { provider: 'openai', count: 1, errors: 0, input_tokens: 2000, output_tokens: 500 },
    ]);
  });

  it('a span Pulse rejects comes back in partial_success, which the exporters log; the others are stored', async () => {
    for (const [i, make] of [(h: Record<string, string>) => new JsonExporter({ url: `${pulse.url}/v1/traces`, headers: h }), (h: Record<string, string>) => new ProtoExporter({ url: `${pulse.url}/v1/traces`, headers: h })].entries()) {
      warnings.length = 0;
      const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(make({ Authorization: `Bearer ${ingestKey}` }))] });
      const tracer = provider.getTracer('partial');
      const attributes = { [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o', [ATTR_SESSION_ID]: `partial-${i}` };
      tracer.startSpan('from the future', { startTime: Date.now() + 3 * 86_400_000, attributes }).end(Date.now() + 3 * 86_400_000 + 5);
      tracer.startSpan('fine', { attributes }).end();
      await provider.forceFlush();
      await provider.shutdown();
      expect(exportErrors).toEqual([]);
      const warning = warnings.find((w) => w.includes('Partial Success'));
      expect(warning).toBeDefined();
      expect(warning).toMatch(/"rejectedSpans":"?1"?/);
      expect(warning).toMatch(/span \\"from the future\\" \(span_id [0-9a-f]{16}\): ts: /);
      expect((await rowsOf(`partial-${i}`)).map((r) => r.name)).toEqual(['fine']);
    }
  });
});
