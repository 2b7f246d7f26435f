/**
 * Test doubles shaped like the OpenAI and Anthropic SDKs (no provider can be reached from here): classes
 * with private fields, an APIPromise-like promise with extra methods, and stream objects that are async
 * iterables with a `controller`, as the real SDKs return.
 */

export class ApiPromise<T> extends Promise<T> {
  withResponse(): Promise<{ data: T; response: { status: number } }> {
    return this.then((data) => ({ data, response: { status: 200 } }));
  }
}

function apiPromise<T>(make: () => Promise<T>): ApiPromise<T> {
  return new ApiPromise<T>((resolve, reject) => {
    make().then(resolve, reject);
  });
}

export class FakeStream<C> {
  readonly #chunks: C[];
  readonly #delayMs: number;
  readonly #failAfter: number | undefined;
  readonly controller = new AbortController();

  constructor(chunks: C[], delayMs = 0, failAfter?: number) {
    this.#chunks = chunks;
    this.#delayMs = delayMs;
    this.#failAfter = failAfter;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<C> {
    for (let i = 0; i < this.#chunks.length; i++) {
      if (this.#failAfter === i) throw Object.assign(new Error('connection reset mid-stream'), { name: 'APIConnectionError' });
      await new Promise((r) => setTimeout(r, this.#delayMs));
      yield this.#chunks[i] as C;
    }
  }

  /** As the OpenAI and Anthropic SDKs write it (Stainless): NDJSON bytes pulled from `this[Symbol.asyncIterator]()`. */
  toReadableStream(): ReadableStream<Uint8Array> {
    const self = this;
    let iter: AsyncIterator<C>;
    const encoder = new TextEncoder();
    return new ReadableStream<Uint8Array>({
      start() {
        iter = self[Symbol.asyncIterator]();
      },
      async pull(ctrl) {
        try {
          const { value, done } = await iter.next();
          if (done) return ctrl.close();
          ctrl.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
        } catch (err) {
          ctrl.error(err);
        }
      },
      async cancel() {
        await iter.return?.();
      },
    });
  }
}

export class RateLimitError extends Error {
  override name = 'RateLimitError';
  readonly status = 429;
}

export interface OpenAIScript {
  response?: unknown;
  chunks?: unknown[];
  error?: Error;
  delayMs?: number;
  failAfter?: number;
}

export class FakeOpenAI {
  readonly #script: OpenAIScript;
  readonly calls: unknown[] = [];
  readonly chat: { completions: { create: (params: { model: string; stream?: boolean }) => ApiPromise<unknown> } };

  constructor(script: OpenAIScript) {
    this.#script = script;
    this.chat = {
      completions: {
        create: (params) => {
          this.calls.push(params);
          return apiPromise(async () => {
            await new Promise((r) => setTimeout(r, this.#script.delayMs ?? 0));
            if (this.#script.error) throw this.#script.error;
            if (params.stream) return new FakeStream(this.#script.chunks ?? [], this.#script.delayMs ?? 0, this.#script.failAfter);
            return this.#script.response;
          });
        },
      },
    };
  }

  get models(): { list: () => string[] } {
    // Reading a private field through `this` breaks if a proxy forwards `this` wrongly.
    return { list: () => [String(this.#script.response !== undefined)] };
  }
}

export class FakeAnthropic {
  readonly #script: OpenAIScript;
  readonly messages: { create: (params: { model: string; stream?: boolean; max_tokens: number }) => ApiPromise<unknown> };

  constructor(script: OpenAIScript) {
    this.#script = script;
    this.messages = {
      create: (params) =>
        apiPromise(async () => {
          await new Promise((r) => setTimeout(r, this.#script.delayMs ?? 0));
          if (this.#script.error) throw this.#script.error;
          if (params.stream) return new FakeStream(this.#script.chunks ?? [], this.#script.delayMs ?? 0, this.#script.failAfter);
          return this.#script.response;
        }),
    };
  }
}
