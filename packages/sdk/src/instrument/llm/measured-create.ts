import { CallMeter } from './call.js';
import type { LLMWrapOptions } from './call.js';
import { observeStream } from './observe.js';
import type { LLMRecorder } from '../types.js';

type Create<P> = (this: unknown, params: P, options?: unknown) => PromiseLike<unknown>;

/** What differs between providers: how to read a whole response and one stream chunk. */
export interface ProviderReader<C> {
  provider: string;
  readResponse(meter: CallMeter, res: unknown): void;
  readChunk(meter: CallMeter, chunk: C): void;
}

/**
 * A `create(params, options)` that calls the provider's own and measures it. Plain calls return the
 * SDK's own promise untouched (so helpers like `.withResponse()` still work), observed on the side;
 * streaming calls return the SDK's stream object, observed while the host iterates it.
 */
export function measuredCreate<P extends { model?: string; stream?: boolean | null }, C>(
  target: object,
  original: Create<P>,
  reader: ProviderReader<C>,
  recorder: LLMRecorder,
  options: LLMWrapOptions,
): Create<P> {
  return function create(params: P, requestOptions?: unknown): PromiseLike<unknown> {
    const stream = params?.stream === true;
    const meter = new CallMeter(recorder, reader.provider, options, params?.model, stream);
    let pending: PromiseLike<unknown>;
    try {
      pending = original.call(target, params, requestOptions);
    } catch (error) {
      meter.report({ error });
      throw error;
    }
    if (stream) {
      return Promise.resolve(pending).then(
        (s) =>
          typeof s === 'object' && s !== null
            ? observeStream(s, { onChunk: (chunk: C) => reader.readChunk(meter, chunk), onEnd: (end) => meter.report(end) })
            : s,
        (error: unknown) => {
          meter.report({ error });
          throw error;
        },
      );
    }
    Promise.resolve(pending).then(
      (res) => {
        reader.readResponse(meter, res);
        meter.report();
      },
      (error: unknown) => meter.report({ error }),
    );
    return pending;
  };
}
