/**
 * One HTTP POST and its classification (house style, CONTRACT §8): 2xx success; 408, 429, 5xx and network errors
 * retryable (with `Retry-After` honoured); any other status a failure that retrying cannot fix. Error texts never
 * carry the URL: webhook URLs hold their secret in the path.
 */
import type { ChannelDeps, SendResult } from '../types.js';

const MAX_ERROR_BODY = 200;

export async function postJson(
  deps: ChannelDeps, url: string, body: unknown, signal: AbortSignal, headers: Record<string, string> = {},
): Promise<SendResult> {
  let res: Response;
  try {
    res = await deps.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Pulse-Alerting/1', ...headers },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
  } catch (err) {
    return { outcome: 'retryable', error: networkError(err, signal) };
  }
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The status decides; an unreadable body only loses the error detail.
  }
  return classify(res.status, res.headers.get('retry-after'), scrubSecrets(text, url), deps.clock.now());
}

export function classify(status: number, retryAfter: string | null, body: string, nowMs: number): SendResult {
  if (status >= 200 && status < 300) return { outcome: 'success', status };
  const detail = body.trim() ? `: ${body.trim().replace(/\s+/g, ' ').slice(0, MAX_ERROR_BODY)}` : '';
  const error = `HTTP ${status}${detail}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
    return retryAfterMs === null ? { outcome: 'retryable', status, error } : { outcome: 'retryable', status, error, retryAfterMs };
  }
  return { outcome: 'failure', status, error };
}

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(v: string | null, nowMs: number): number | null {
  if (!v) return null;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** `connect ECONNREFUSED 127.0.0.1:9` or `timeout`: the cause's code and address, never the request URL. */
export function networkError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    return reason?.name === 'TimeoutError' ? 'timed out' : 'aborted';
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `network error: ${cause.code}${cause.message ? ` (${stripUrls(cause.message)})` : ''}`;
  return `network error: ${stripUrls((err as Error).message ?? String(err))}`;
}

export const stripUrls = (s: string): string => s.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[url]');

/**
 * A receiver's error text without the request's secret: receivers often echo the path they were posted to
 * (`Cannot POST /hooks/<token>`, a JSON error with `"path": "/hooks/<token>"`), and a webhook's path and query are its
 * secret. URLs go as in `networkError`; the URL's path with its query, the query, and every path segment or query value
 * of 8 characters or more are cut wherever they appear.
 */
export function scrubSecrets(text: string, url: string): string {
  let out = stripUrls(text);
  try {
    const u = new URL(url);
    const parts = [u.pathname + u.search, u.search.slice(1), ...u.pathname.split('/'), ...u.searchParams.values()];
    for (const part of [...new Set(parts)].filter((p) => p.length >= 8).sort((a, b) => b.length - a.length)) {
      out = out.split(part).join('[redacted]');
    }
  } catch {
    // Not a URL: nothing of it to find in the text.
  }
  return out;
}

/** What `describe()` shows for a URL: scheme and host only (the path and query of a webhook are its secret). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '[invalid url]';
  }
}
