/**
 * The span → event mapping, a pure function of the span, its resource and scope, and the OTLP config.
 * GenAI spans become `llm` events (agent and tool operations `agent` and `tool` events); with
 * `spans: http` HTTP server spans become `http` events, with `spans: all` every other span a `span`
 * event. The validator and enricher of /v1/events run on the result, as on any client's event.
 */
import { LIMITS, type EventInput } from '@pulse/protocol';
import type { OtlpAttributeKeys, OtlpSpanMode } from '../../config/types.js';
import { AttributeBuilder } from './attributes.js';
import {
  AGENT_OPERATIONS, GENAI_KEYS, inputTokens, isGenAi, operationOf, outputTokens, round3, TOOL_OPERATIONS, ttftMs,
} from './genai.js';
import { attr, type Attrs, isSet, msBetween, type OtlpSpan, SPAN_KIND, STATUS_CODE } from './model.js';
import { clip, firstNumber, firstText } from './read.js';

export interface MapOptions {
  spans: OtlpSpanMode;
  attributes: OtlpAttributeKeys;
}

export interface SpanContext {
  resource: Attrs;
  scope: { name: string; version: string };
}

export type SpanClass = 'llm' | 'agent' | 'tool' | 'http' | 'span';

const HTTP_METHOD = ['http.request.method', 'http.method'];
const HTTP_STATUS = ['http.response.status_code', 'http.status_code'];
const HTTP_ROUTE = ['http.route'];
const ENVIRONMENT = ['deployment.environment.name', 'deployment.environment'];

const KEPT: Record<OtlpSpanMode, ReadonlySet<SpanClass>> = {
  genai: new Set(['llm', 'agent', 'tool']),
  http: new Set(['llm', 'agent', 'tool', 'http']),
  all: new Set(['llm', 'agent', 'tool', 'http', 'span']),
};

export function classify(span: OtlpSpan): SpanClass {
  const a = span.attributes;
  if (isGenAi(a)) {
    const op = operationOf(a);
    if (op !== undefined && AGENT_OPERATIONS.has(op)) return 'agent';
    if (op !== undefined && TOOL_OPERATIONS.has(op)) return 'tool';
    if (firstText(GENAI_KEYS.model, a) !== undefined) return 'llm';
  }
  if (span.kind === SPAN_KIND.SERVER && firstText(HTTP_METHOD, a) !== undefined) return 'http';
  return 'span';
}

/** Span attribute keys that become event fields, so they do not take attribute slots too. */
function consumedKeys(opts: MapOptions): Set<string> {
  const keys = new Set<string>([
    ...GENAI_KEYS.operation, ...GENAI_KEYS.model, ...GENAI_KEYS.provider, ...GENAI_KEYS.inputTokens, ...GENAI_KEYS.outputTokens,
    ...GENAI_KEYS.ttftSeconds, ...GENAI_KEYS.ttftMs, ...GENAI_KEYS.prompt, 'error.type', ...ENVIRONMENT,
  ]);
  for (const list of Object.values(opts.attributes)) for (const k of list) keys.add(k);
  return keys;
}

const consumedCache = new WeakMap<MapOptions, Set<string>>();

/** The first `exception` span event (the API's recordException), for an error's type and message. */
function exceptionOf(span: OtlpSpan): Attrs | undefined {
  for (const e of span.events) if (e.name === 'exception') return e.attributes;
  return undefined;
}

/** The event for a span, or null when the configuration does not keep spans of its kind. */
export function mapSpan(span: OtlpSpan, ctx: SpanContext, opts: MapOptions): EventInput | null {
  const cls = classify(span);
  if (!KEPT[opts.spans].has(cls)) return null;
  const a = span.attributes;
  let consumed = consumedCache.get(opts);
  if (consumed === undefined) consumedCache.set(opts, (consumed = consumedKeys(opts)));

  const e: EventInput = { type: cls };
  // A span with no start time gets ts 0, which the validator rejects: it is reported, not re-dated.
  e.ts = span.start.ms;
  const duration = msBetween(span.start, span.end);
  if (isSet(span.start) && isSet(span.end) && duration >= 0) e.duration_ms = round3(duration);

  const op = operationOf(a);
  const model = firstText(GENAI_KEYS.model, a);
  let name: string | undefined;
  if (cls === 'llm' || cls === 'agent' || cls === 'tool') {
    name = cls === 'agent' ? firstText(GENAI_KEYS.agent, a) : cls === 'tool' ? firstText(GENAI_KEYS.tool, a) : op;
    put(e, 'model', model, LIMITS.maxDimensionLength);
    put(e, 'provider', firstText(GENAI_KEYS.provider, a), LIMITS.maxDimensionLength);
    put(e, 'prompt_id', firstText(GENAI_KEYS.prompt, a), LIMITS.maxDimensionLength);
  }
  if (cls === 'llm') {
    const input = inputTokens(a);
    const output = outputTokens(a);
    if (input !== undefined) e.input_tokens = input;
    if (output !== undefined) e.output_tokens = output;
    const ttft = ttftMs(span);
    if (ttft !== undefined) e.ttft_ms = ttft;
  } else if (cls === 'http') {
    name = firstText(HTTP_ROUTE, a);
  }
  put(e, 'name', name ?? span.name, LIMITS.maxNameLength);

  put(e, 'service', firstText(['service.name'], ctx.resource), LIMITS.maxServiceLength);
  put(e, 'environment', firstText(ENVIRONMENT, ctx.resource, a), LIMITS.maxServiceLength);
  const dims = opts.attributes;
  put(e, 'user_id', firstText(dims.user_id, a, ctx.resource), LIMITS.maxDimensionLength);
  put(e, 'session_id', firstText(dims.session_id, a, ctx.resource), LIMITS.maxDimensionLength);
  put(e, 'persona', firstText(dims.persona, a, ctx.resource), LIMITS.maxDimensionLength);
  put(e, 'channel', firstText(dims.channel, a, ctx.resource), LIMITS.maxDimensionLength);
  put(e, 'guild', firstText(dims.guild, a, ctx.resource), LIMITS.maxDimensionLength);

  // Error: span status ERROR, or error.type (which the conventions set only when the operation failed),
  // or a 5xx on an HTTP server span (the HTTP conventions' rule for server span status). A recorded
  // exception alone is not one (it may have been handled, e.g. retried): it only names a failure.
  const httpStatus = cls === 'http' ? firstNumber(HTTP_STATUS, a) : undefined;
  const declaredType = firstText(['error.type'], a);
  const failed = span.status.code === STATUS_CODE.ERROR || declaredType !== undefined || (httpStatus !== undefined && httpStatus >= 500);
  e.status = failed ? 'error' : 'ok';
  if (failed) {
    const exception = exceptionOf(span);
    const errorType = declaredType ?? (exception ? firstText(['exception.type'], exception) : undefined);
    put(e, 'error_type', errorType ?? (httpStatus !== undefined && httpStatus >= 500 ? String(httpStatus) : undefined), LIMITS.maxErrorTypeLength);
    const message = span.status.message !== '' ? span.status.message : exception ? firstText(['exception.message'], exception) : undefined;
    put(e, 'error_message', message, LIMITS.maxErrorMessageLength);
  }

  const attributes = new AttributeBuilder();
  attributes.put('trace_id', span.traceId || undefined);
  attributes.put('span_id', span.spanId || undefined);
  attributes.put('parent_span_id', span.parentSpanId || undefined);
  attributes.put('otel.scope.name', ctx.scope.name || undefined);
  if (span.name !== e.name) attributes.put('otel.span.name', span.name || undefined);
  attributes.put('service.version', attr(ctx.resource, 'service.version'));
  // The model asked for, when the response named a different one (the event keeps the one that ran).
  const requested = firstText(['gen_ai.request.model'], a);
  if (requested !== undefined && requested !== model) attributes.put('gen_ai.request.model', requested);
  attributes.addSpanAttributes(span, consumed);
  const attrs = attributes.result();
  if (attrs) e.attributes = attrs;
  return e;
}

type TextField = 'name' | 'service' | 'environment' | 'user_id' | 'session_id' | 'persona' | 'channel' | 'guild'
  | 'prompt_id' | 'model' | 'provider' | 'error_type' | 'error_message';

/** Sets a text field clipped to its limit: a long value is shortened, never a reason to lose the span. */
function put(e: EventInput, field: TextField, v: string | undefined, max: number): void {
  const s = clip(v, max);
  if (s !== undefined && s !== '') e[field] = s;
}
