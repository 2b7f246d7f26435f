/**
 * What Pulse reads from a GenAI span: the OpenTelemetry GenAI semantic conventions first (current
 * names, then the ones they replaced), then the names of instrumentations that predate or extend
 * them — OpenLLMetry (`llm.request.type`, `gen_ai.usage.prompt_tokens`), OpenLIT
 * (`gen_ai.server.time_to_first_token`), the Vercel AI SDK (`ai.model.*`, `ai.usage.*`,
 * `ai.response.msToFirstChunk`, the `ai.stream.firstChunk` event). docs/otlp.md has the table.
 */
import { type Attrs, hasAttr, isSet, msBetween, type OtlpSpan } from './model.js';
import { firstNumber, firstText } from './read.js';

export const GENAI_KEYS = {
  operation: ['gen_ai.operation.name', 'llm.request.type'],
  model: ['gen_ai.response.model', 'gen_ai.request.model', 'ai.model.id'],
  provider: ['gen_ai.provider.name', 'gen_ai.system', 'ai.model.provider'],
  inputTokens: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'ai.usage.inputTokens', 'ai.usage.promptTokens'],
  outputTokens: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens'],
  /** Seconds (semantic conventions; OpenLIT). */
  ttftSeconds: ['gen_ai.response.time_to_first_chunk', 'gen_ai.server.time_to_first_token'],
  /** Milliseconds (Vercel AI SDK; `ai.stream.*` before AI SDK 4). */
  ttftMs: ['ai.response.msToFirstChunk', 'ai.stream.msToFirstChunk'],
  prompt: ['gen_ai.prompt.name', 'traceloop.prompt.key'],
  agent: ['gen_ai.agent.name'],
  tool: ['gen_ai.tool.name'],
} as const;

/** Any of these marks a span as GenAI (the Vercel AI SDK's outer `ai.*` spans carry none, so they are not counted twice). */
const GENAI_MARKERS = ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.system', 'gen_ai.request.model', 'gen_ai.response.model'];

/** The Vercel AI SDK's event at the first streamed chunk. */
const FIRST_CHUNK_EVENTS = new Set(['ai.stream.firstChunk']);

export const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);
export const TOOL_OPERATIONS = new Set(['execute_tool']);

export function isGenAi(attrs: Attrs): boolean {
  for (const k of GENAI_MARKERS) if (hasAttr(attrs, k)) return true;
  return false;
}

export const operationOf = (attrs: Attrs): string | undefined => firstText(GENAI_KEYS.operation, attrs);

/** A count Pulse can store: a non-negative integer within int32. */
function tokens(keys: readonly string[], attrs: Attrs): number | undefined {
  const n = firstNumber(keys, attrs);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 2_147_483_647 ? n : undefined;
}

export const inputTokens = (attrs: Attrs): number | undefined => tokens(GENAI_KEYS.inputTokens, attrs);
export const outputTokens = (attrs: Attrs): number | undefined => tokens(GENAI_KEYS.outputTokens, attrs);

/** Time to first token in ms: an attribute in seconds, one in ms, or the first-chunk event's offset from the span start. */
export function ttftMs(span: OtlpSpan): number | undefined {
  const s = firstNumber(GENAI_KEYS.ttftSeconds, span.attributes);
  let ms = s === undefined ? firstNumber(GENAI_KEYS.ttftMs, span.attributes) : s * 1000;
  if (ms === undefined) {
    for (const e of span.events) {
      if (!FIRST_CHUNK_EVENTS.has(e.name)) continue;
      ms = firstNumber(GENAI_KEYS.ttftMs, e.attributes) ?? (isSet(e.time) && isSet(span.start) ? msBetween(span.start, e.time) : undefined);
      break;
    }
  }
  return ms !== undefined && ms >= 0 ? round3(ms) : undefined;
}

export const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;
