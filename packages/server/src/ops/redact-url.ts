/** Query parameters that carry secrets; their values are replaced wherever a URL is logged or shown. */
const SECRET_NAME = /^(?:api_key|apikey|token|access_token|key|password|secret)$/i;

/** A parameter's name as the query parser reads it (`api%5Fkey` is `api_key`); a malformed escape stays as sent. */
function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/** `/v1/query?api_key=abc&x=1` → `/v1/query?api_key=[redacted]&x=1`; userinfo in absolute URLs too. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&])([^=&#]*)=[^&#]*/g, (whole, sep: string, name: string) => (SECRET_NAME.test(decodedName(name)) ? `${sep}${name}=[redacted]` : whole))
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1[redacted]@');
}

/**
 * For a URL the operator configured (a health check's): every query value goes, not only the known secret names —
 * signed URLs carry theirs as `sig`, `signature`, `X-Amz-Signature`, `client_secret`… — and userinfo as above.
 * `http://h/api/tags?sig=abc&v=2` → `http://h/api/tags?sig=[redacted]&v=[redacted]`.
 */
export function redactUrlQuery(url: string): string {
  return redactUrl(url).replace(/([?&][^=&#]*=)[^&#]*/g, '$1[redacted]');
}
