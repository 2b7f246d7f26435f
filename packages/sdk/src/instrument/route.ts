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
