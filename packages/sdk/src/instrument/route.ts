import type { HttpRecorder } from './types.js';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Unusual methods collapse to `OTHER`: the label must stay a short, fixed list. */
export function methodLabel(method: string | undefined): string {
  const m = (method ?? 'GET').toUpperCase();
  return METHODS.has(m) ? m : 'OTHER';
}

const ID_SEGMENT =
  /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[0-9A-Za-z_-]{21,})$/i;

/**
 * A route template guessed from a raw URL, for plain node:http servers that have no router: the query
 * is dropped and id-like segments (numbers, UUIDs, long hex or random tokens) become `:id`.
 * Frameworks with a router should pass their template instead.
 */
export function templateFromUrl(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  const out = path
    .split('/')
    .map((seg) => (ID_SEGMENT.test(seg) ? ':id' : seg))
    .join('/');
  return out === '' ? '/' : out;
}

/** What `recordWhenDone` needs of a response: node's ServerResponse and Express's both fit. */
export interface FinishingResponse {
  statusCode: number;
  headersSent?: boolean;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/** nginx's "client closed request": the client went away before any answer was sent. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Records a request once, when its response finishes or the connection closes first: then with the
 * status already sent (a stream cut short), or 499 when nothing was sent yet (`res.statusCode` would
 * still be its default 200). `routeOf` is read at that moment, after the router has matched. Never
 * throws into the response path.
 */
export function recordWhenDone(recorder: HttpRecorder, res: FinishingResponse, method: string | undefined, routeOf: () => string): void {
  const started = performance.now();
  let done = false;
  const record = (finished: boolean): void => {
    if (done) return;
    done = true;
    try {
      const statusCode = finished || res.headersSent ? res.statusCode : CLIENT_CLOSED_REQUEST;
      recorder.recordHttp({ route: routeOf(), method: methodLabel(method), statusCode, durationMs: performance.now() - started });
    } catch {
      // Instrumentation must never break the response path.
    }
  };
  res.once('finish', () => record(true));
  res.once('close', () => record(false));
}
