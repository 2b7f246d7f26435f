import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordWhenDone, templateFromUrl } from './route.js';
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
    recordWhenDone(recorder, res, req.method, () => routeOf(req));
    listener(req, res);
  };
}
