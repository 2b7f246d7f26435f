import { methodLabel } from './route.js';
import type { HttpRecorder } from './types.js';

/** The parts of Express's request and response the middleware reads; no dependency on express. */
export interface ExpressLikeRequest {
  method: string;
  baseUrl?: string;
  route?: { path?: unknown };
}
export interface ExpressLikeResponse {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * Express middleware (`app.use(expressMiddleware(monitoring))`, before the routes). The route label is
 * the matched template, `req.baseUrl + req.route.path` (`/api/users/:id`), read when the response ends;
 * requests no route matched are labelled `unmatched` so 404 scans cannot create new series.
 */
export function expressMiddleware(recorder: HttpRecorder) {
  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void => {
    const started = performance.now();
    let done = false;
    const record = (): void => {
      if (done) return;
      done = true;
      try {
        const path = req.route?.path;
        const route = typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` || '/' : 'unmatched';
        recorder.recordHttp({ route, method: methodLabel(req.method), statusCode: res.statusCode, durationMs: performance.now() - started });
      } catch {
        // Never break the response path.
      }
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
