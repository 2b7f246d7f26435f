export interface StreamEnd {
  error?: unknown;
  /** The consumer stopped iterating before the end. */
  aborted: boolean;
}

export interface StreamObserver<C> {
  onChunk(chunk: C): void;
  onEnd(end: StreamEnd): void;
}

type AnyFn = (...args: unknown[]) => unknown;

/** Property reads fall through to the real object, with methods bound to it (SDK classes use private fields). */
function passThrough(target: object, prop: string | symbol): unknown {
  const value: unknown = Reflect.get(target, prop, target);
  return typeof value === 'function' ? (value as AnyFn).bind(target) : value;
}

/**
 * The same stream object, observed: iterating it (or reading its `toReadableStream()`) reports every chunk
 * and, once, how it ended. Every other property and method (`controller`, `tee()` …) is the SDK's own. Observer errors are swallowed:
 * instrumentation must not break the host's iteration.
 */
export function observeStream<S extends object, C>(stream: S, observer: StreamObserver<C>): S {
  if (!(Symbol.asyncIterator in stream)) return stream;
  let ended = false;
  const end = (e: StreamEnd): void => {
    if (ended) return;
    ended = true;
    try {
      observer.onEnd(e);
    } catch {
      // ignored, see above
    }
  };
  return new Proxy(stream, {
    get(target, prop, receiver) {
      // The SDKs' `toReadableStream()` pulls from `this[Symbol.asyncIterator]()`: called on this proxy, the
      // body of `new Response(stream.toReadableStream())` is observed like a `for await` loop.
      if (prop === 'toReadableStream') {
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as AnyFn).bind(receiver) : value;
      }
      if (prop !== Symbol.asyncIterator) return passThrough(target, prop);
      return (): AsyncIterator<C> => {
        const it = (target as unknown as AsyncIterable<C>)[Symbol.asyncIterator]();
        const wrapped: AsyncIterator<C> & AsyncIterable<C> = {
          async next(): Promise<IteratorResult<C>> {
            let r: IteratorResult<C>;
            try {
              r = await it.next();
            } catch (error) {
              end({ error, aborted: false });
              throw error;
            }
            if (r.done) end({ aborted: false });
            else {
              try {
                observer.onChunk(r.value);
              } catch {
                // ignored, see above
              }
            }
            return r;
          },
          async return(value?: unknown): Promise<IteratorResult<C>> {
            end({ aborted: true });
            return it.return ? it.return(value) : { done: true, value: value as C };
          },
          [Symbol.asyncIterator]() {
            return wrapped;
          },
        };
        return wrapped;
      };
    },
  });
}

/** `root.a.b.method` replaced by `fn`, everything else untouched. Proxies, so the host keeps its own types. */
export function replaceMethod<T extends object>(root: T, path: readonly string[], method: string, fn: AnyFn): T {
  const [head, ...rest] = path;
  let child: unknown;
  return new Proxy(root, {
    get(target, prop) {
      if (head === undefined) return prop === method ? fn : passThrough(target, prop);
      if (prop !== head) return passThrough(target, prop);
      child ??= replaceMethod(Reflect.get(target, prop, target) as object, rest, method, fn);
      return child;
    },
  });
}
