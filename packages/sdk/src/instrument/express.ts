import { recordWhenDone, type FinishingResponse } from './route.js';
import type { HttpRecorder } from './types.js';

/** The parts of Express's request and response the middleware reads; no dependency on express. */
export interface ExpressLikeRequest {
  method: string;
  baseUrl?: string;
  route?: { path?: unknown };
}
export type ExpressLikeResponse = FinishingResponse;

/**
 * Express middleware (`app.use(expressMiddleware(monitoring))`, before the routes). The route label is
 * the matched template, `req.baseUrl + req.route.path` (`/api/users/:id`), read when the response ends;
 * requests no route matched are labelled `unmatched` so 404 scans cannot create new series.
 */
export function expressMiddleware(recorder: HttpRecorder) {
  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void => {
    recordWhenDone(recorder, res, req.method, () => {
      const path = req.route?.path;
      return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` || '/' : 'unmatched';
    });
    next();
  };
}
