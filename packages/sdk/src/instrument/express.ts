import { recordWhenDone, type FinishingResponse } from './route.js';
import type { HttpRecorder } from './types.js';

/** The parts of Express's request and response the middleware reads; no dependency on express. */
export interface ExpressLikeRequest {
  method: string;
  baseUrl?: string;
  route?: { path?: unknown };
}
export type ExpressLikeResponse = FinishingResponse;

/** `baseUrl + route.path` (`/api/users/:id`), or undefined without a string route path. */
function templateOf(req: ExpressLikeRequest): string | undefined {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` || '/' : undefined;
}

/**
 * Express middleware (`app.use(expressMiddleware(monitoring))`, before the routes). The route label is
 * the matched template, `req.baseUrl + req.route.path` (`/api/users/:id`), taken when the router sets
 * `req.route`: when a handler in a mounted router fails, the router restores `baseUrl` before the error
 * handler answers, so reading it at the end would drop the mount path from every error. Requests no
 * route matched are labelled `unmatched` so 404 scans cannot create new series.
 */
export function expressMiddleware(recorder: HttpRecorder) {
  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: (err?: unknown) => void): void => {
    let route = req.route;
    let template = templateOf(req);
    let watched = false;
    try {
      Object.defineProperty(req, 'route', {
        configurable: true,
        enumerable: true,
        get: () => route,
        set: (value: ExpressLikeRequest['route']) => {
          route = value;
          template = templateOf(req);
        },
      });
      watched = true;
    } catch {
      // A request object that cannot take the property: read the template at the end instead.
    }
    recordWhenDone(recorder, res, req.method, () => (watched ? template : templateOf(req)) ?? 'unmatched');
    next();
  };
}
