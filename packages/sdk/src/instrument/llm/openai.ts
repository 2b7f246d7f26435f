import type { LLMRecorder } from '../types.js';
import type { CallMeter, LLMWrapOptions } from './call.js';
import { measuredCreate } from './measured-create.js';
import { replaceMethod } from './observe.js';
import type { OpenAIChatChunk, OpenAIChatCompletion, OpenAIChatParams, OpenAILike, OpenAIUsage } from './shapes.js';

/** `prompt_tokens` already include the cached ones: they are kept apart only as a breakdown, never added. */
function readUsage(meter: CallMeter, usage: OpenAIUsage | null | undefined): void {
  if (!usage) return;
  meter.usage(usage.prompt_tokens, usage.completion_tokens);
  meter.cacheUsage(usage.prompt_tokens_details?.cached_tokens, undefined);
}


function readCompletion(meter: CallMeter, res: unknown): void {
  const r = (res ?? {}) as OpenAIChatCompletion;
  if (typeof r.model === 'string') meter.model = r.model;
  meter.finishReason = r.choices?.[0]?.finish_reason ?? undefined;
  readUsage(meter, r.usage);
}

function readChunk(meter: CallMeter, chunk: OpenAIChatChunk): void {
  if (typeof chunk.model === 'string') meter.model = chunk.model;
  const choice = chunk.choices?.[0];
  if (choice?.delta?.content || (choice?.delta?.tool_calls?.length ?? 0) > 0) meter.firstToken();
  if (choice?.finish_reason) meter.finishReason = choice.finish_reason;
  // With `stream_options: { include_usage: true }` the last chunk carries the usage (and no choices).
  readUsage(meter, chunk.usage);
}

/**
 * The same client, with `chat.completions.create` measured: model, tokens (`usage`), latency, finish
 * reason, errors by type; for `stream: true`, time to first token too. Plain calls return the SDK's own
 * promise untouched (its `.withResponse()` still works); streaming calls return the SDK's stream object,
 * observed while the host iterates it.
 */
export function wrapOpenAI<T extends OpenAILike>(client: T, recorder: LLMRecorder, options: LLMWrapOptions = {}): T {
  const target = client.chat.completions;
  const create = measuredCreate(target, target.create as unknown as Parameters<typeof measuredCreate>[1], { provider: 'openai', readResponse: readCompletion, readChunk: readChunk }, recorder, options);
  return replaceMethod(client, ['chat', 'completions'], 'create', create as (...args: unknown[]) => unknown);
}
