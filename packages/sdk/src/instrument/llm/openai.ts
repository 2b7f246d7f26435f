import type { LLMRecorder } from '../types.js';
import { CallMeter } from './call.js';
import type { LLMWrapOptions } from './call.js';
import { observeStream, replaceMethod } from './observe.js';
import type { OpenAIChatChunk, OpenAIChatCompletion, OpenAIChatParams, OpenAILike } from './shapes.js';

type Create = (this: unknown, params: OpenAIChatParams, options?: unknown) => PromiseLike<unknown>;

function readCompletion(meter: CallMeter, res: unknown): void {
  const r = (res ?? {}) as OpenAIChatCompletion;
  if (typeof r.model === 'string') meter.model = r.model;
  meter.finishReason = r.choices?.[0]?.finish_reason ?? undefined;
  meter.usage(r.usage?.prompt_tokens, r.usage?.completion_tokens);
}

function readChunk(meter: CallMeter, chunk: OpenAIChatChunk): void {
  if (typeof chunk.model === 'string') meter.model = chunk.model;
  const choice = chunk.choices?.[0];
  if (choice?.delta?.content || (choice?.delta?.tool_calls?.length ?? 0) > 0) meter.firstToken();
  if (choice?.finish_reason) meter.finishReason = choice.finish_reason;
  // With `stream_options: { include_usage: true }` the last chunk carries the usage (and no choices).
  if (chunk.usage) meter.usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens);
}

/**
 * The same client, with `chat.completions.create` measured: model, tokens (`usage`), latency, finish
 * reason, errors by type; for `stream: true`, time to first token too. Plain calls return the SDK's own
 * promise untouched (its `.withResponse()` still works); streaming calls return the SDK's stream object,
 * observed while the host iterates it.
 */
export function wrapOpenAI<T extends OpenAILike>(client: T, recorder: LLMRecorder, options: LLMWrapOptions = {}): T {
  const completions = client.chat.completions;
  const original = completions.create as unknown as Create;
  function create(params: OpenAIChatParams, requestOptions?: unknown): PromiseLike<unknown> {
    const stream = params?.stream === true;
    const meter = new CallMeter(recorder, 'openai', options, params?.model, stream);
    let pending: PromiseLike<unknown>;
    try {
      pending = original.call(completions, params, requestOptions);
    } catch (error) {
      meter.report({ error });
      throw error;
    }
    if (stream) {
      return Promise.resolve(pending).then(
        (s) =>
          typeof s === 'object' && s !== null
            ? observeStream(s, {
                onChunk: (chunk: OpenAIChatChunk) => readChunk(meter, chunk),
                onEnd: (end) => meter.report(end),
              })
            : s,
        (error: unknown) => {
          meter.report({ error });
          throw error;
        },
      );
    }
    // Observed on the side: the host gets the SDK's own promise object.
    Promise.resolve(pending).then(
      (res) => {
        readCompletion(meter, res);
        meter.report();
      },
      (error: unknown) => meter.report({ error }),
    );
    return pending;
  }
  return replaceMethod(client, ['chat', 'completions'], 'create', create as (...args: unknown[]) => unknown);
}
