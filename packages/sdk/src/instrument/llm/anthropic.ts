import type { LLMRecorder } from '../types.js';
import type { CallMeter, LLMWrapOptions } from './call.js';
import { measuredCreate } from './measured-create.js';
import { replaceMethod } from './observe.js';
import type { AnthropicMessage, AnthropicParams, AnthropicLike, AnthropicStreamEvent, AnthropicUsage } from './shapes.js';


function readMessage(meter: CallMeter, res: unknown): void {
  const m = (res ?? {}) as AnthropicMessage;
  if (typeof m.model === 'string') meter.model = m.model;
  meter.finishReason = m.stop_reason ?? undefined;
  meter.usage(m.usage?.input_tokens, m.usage?.output_tokens);
}

function readEvent(meter: CallMeter, event: AnthropicStreamEvent): void {
  switch (event.type) {
    case 'message_start': {
      const message = (event as { message?: AnthropicMessage }).message;
      if (typeof message?.model === 'string') meter.model = message.model;
      meter.usage(message?.usage?.input_tokens, message?.usage?.output_tokens);
      return;
    }
    case 'content_block_delta':
      meter.firstToken();
      return;
    case 'message_delta': {
      const e = event as { delta?: { stop_reason?: string | null }; usage?: AnthropicUsage | null };
      if (e.delta?.stop_reason) meter.finishReason = e.delta.stop_reason;
      // message_delta's usage is cumulative: it replaces, not adds to, the count from message_start.
      meter.usage(e.usage?.input_tokens, e.usage?.output_tokens);
      return;
    }
    default:
  }
}

/**
 * The same client, with `messages.create` measured (plain and `stream: true`): model, input/output
 * tokens, latency, time to first token (first `content_block_delta`), stop reason, errors by type.
 */
export function wrapAnthropic<T extends AnthropicLike>(client: T, recorder: LLMRecorder, options: LLMWrapOptions = {}): T {
  const target = client.messages;
  const create = measuredCreate(target, target.create as unknown as Parameters<typeof measuredCreate>[1], { provider: 'anthropic', readResponse: readMessage, readChunk: readEvent }, recorder, options);
  return replaceMethod(client, ['messages'], 'create', create as (...args: unknown[]) => unknown);
}
