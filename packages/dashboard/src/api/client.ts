import { apiBasePath } from '../lib/base-path';
import { createStore } from '../state/store';
import { authStore, keyAccepted, requireKey } from './auth';

/** When the API last answered with data (client clock): half of "Last update". */
export const lastAnswerStore = createStore<number | null>(null);

export const API_BASE = apiBasePath(location.pathname);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Relative path and query as the panel asked for them (no key): shown in `data-queries`, rerun by tests. */
export function apiPath(path: string, params?: URLSearchParams): string {
  const q = params?.toString();
  return `${API_BASE}${path.replace(/^\//, '')}${q ? `?${q}` : ''}`;
}

/** GET a JSON endpoint with the stored key. A 401 raises the key prompt. */
export async function getJson<T>(path: string, params?: URLSearchParams, opts: { signal?: AbortSignal; key?: string | null; quiet401?: boolean; method?: 'GET' | 'POST' } = {}): Promise<T> {
  const key = opts.key === undefined ? authStore.get().key : opts.key;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(apiPath(path, params), { method: opts.method ?? 'GET', headers, signal: opts.signal ?? null, cache: 'no-store' });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    const e = new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
    if (res.status === 401 && !opts.quiet401) requireKey(e.message);
    throw e;
  }
  if (opts.key === undefined) keyAccepted(key ?? null);
  lastAnswerStore.set(Date.now());
  return body as T;
}

/** POST with the stored key and no body (the export API takes its parameters in the query string). */
export function postEmpty<T>(path: string, params?: URLSearchParams): Promise<T> {
  return getJson<T>(path, params, { method: 'POST' });
}

/**
 * A link a browser can follow without headers (a download): the key travels as `?api_key=` (CONTRACT §3), as on
 * the WebSockets. The server redacts it wherever it logs a URL.
 */
export function keyedUrl(path: string, params: URLSearchParams = new URLSearchParams()): string {
  const q = new URLSearchParams(params);
  const key = authStore.get().key;
  if (key) q.set('api_key', key);
  return apiPath(path, q);
}

/** ws:// or wss:// URL for a live stream, carrying the key as `?api_key=` (browsers cannot set headers on WebSockets). */
export function wsUrl(path: string, params: URLSearchParams): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const key = authStore.get().key;
  const q = new URLSearchParams(params);
  if (key) q.set('api_key', key);
  const s = q.toString();
  return `${proto}//${location.host}${API_BASE}${path.replace(/^\//, '')}${s ? `?${s}` : ''}`;
}
