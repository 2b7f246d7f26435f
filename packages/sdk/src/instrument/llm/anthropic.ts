import type { LLMRecorder } from '../types.js';
import type { CallMeter, LLMWrapOptions } from './call.js';
import { measuredCreate } from './measured-create.js';
import { replaceMethod } from './observe.js';
import type { AnthropicMessage, AnthropicParams, AnthropicLike, AnthropicStreamEvent, AnthropicUsage } from './shapes.js';

/** `input_tokens` leave out `cache_read_input_tokens` and `cache_creation_input_tokens`: the prompt is the three summed. */
function readUsage(meter: CallMeter, usage: AnthropicUsage | null | undefined): void {
  if (!usage) return;
  meter.cacheExcludedFromInput = true;
  meter.usage(usage.input_tokens, usage.output_tokens);
  meter.cacheUsage(usage.cache_read_input_tokens, usage.cache_creation_input_tokens);
}

function readMessage(meter: CallMeter, res: unknown): void {
  const m = (res ?? {}) as AnthropicMessage;
  if (typeof m.model === 'string') meter.model = m.model;
  meter.finishReason = m.stop_reason ?? undefined;
  readUsage(meter, m.usage);
}

function readEvent(meter: CallMeter, event: AnthropicStreamEvent): void {
  switch (event.type) {
    case 'message_start': {
      const message = (event as { message?: AnthropicMessage }).message;
      if (typeof message?.model === 'string') meter.model = message.model;
      readUsage(meter, message?.usage);
      return;
    }
    case 'content_block_delta':
      meter.firstToken();
      return;
    case 'message_delta': {
      const e = event as { delta?: { stop_reason?: string | null }; usage?: AnthropicUsage | null };
      if (e.delta?.stop_reason) meter.finishReason = e.delta.stop_reason;
      // message_delta's usage is cumulative: it replaces, not adds to, the counts from message_start
      // (fields it leaves null or out keep message_start's).
      readUsage(meter, e.usage);
      return;
    }
    default:
  }
}

/**
 * The same client, with `messages.create` measured (plain and `stream: true`): model, input/output
 * tokens (input counting cache reads and writes too), latency, time to first token (first `content_block_delta`), stop reason, errors by type.
 */
export function wrapAnthropic<T extends AnthropicLike>(client: T, recorder: LLMRecorder, options: LLMWrapOptions = {}): T {
  const target = client.messages;
  const create = measuredCreate(target, target.create as unknown as Parameters<typeof measuredCreate>[1], { provider: 'anthropic', readResponse: readMessage, readChunk: readEvent }, recorder, options);
  return replaceMethod(client, ['messages'], 'create', create as (...args: unknown[]) => unknown);
}
