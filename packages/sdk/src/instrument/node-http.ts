import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodLabel, templateFromUrl } from './route.js';
import type { HttpRecorder } from './types.js';

export interface NodeHttpOptions {
  /** The route template of a request; default: the URL path with id-like segments replaced by `:id`. */
  route?: (req: IncomingMessage) => string;
}

/**
 * Wraps a node:http request listener: every response is recorded once, when it finishes or when the
 * connection closes first (status then as sent so far). The listener itself runs unchanged.
 */
export function instrumentHttpListener<Req extends IncomingMessage, Res extends ServerResponse>(
  recorder: HttpRecorder,
  listener: (req: Req, res: Res) => void,
  opts: NodeHttpOptions = {},
): (req: Req, res: Res) => void {
  const routeOf = opts.route ?? ((req: IncomingMessage) => templateFromUrl(req.url));
  return (req, res) => {
    const started = performance.now();
    let done = false;
    const record = (): void => {
      if (done) return;
      done = true;
      try {
        recorder.recordHttp({
          route: routeOf(req),
          method: methodLabel(req.method),
          statusCode: res.statusCode,
          durationMs: performance.now() - started,
        });
      } catch {
        // Instrumentation must never break the response path.
      }
    };
    res.once('finish', record);
    res.once('close', record);
    listener(req, res);
  };
}
