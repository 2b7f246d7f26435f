/**
 * Posts event batches to the public ingest API the way a careful client does: gzip'd JSON, one
 * Idempotency-Key per batch (so a retry after a lost answer is stored once), a bounded number of
 * requests in flight, 429/503 retried after Retry-After, network errors after a backoff.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { EventInput } from '@pulse/protocol';

const gzipAsync = promisify(gzip);

export interface SenderOptions {
  url: string;
  key?: string;
  project?: string;
  /** Requests in flight at once (default 2). */
  concurrency?: number;
  /** Attempts per batch for 429/503 and network errors (default 8). */
  maxAttempts?: number;
  /** Longest Retry-After honoured, ms (default 30 s). */
  maxRetryAfterMs?: number;
  /** Abandons waits (Retry-After, backoff, a free slot) when aborted. */
  signal?: AbortSignal;
}

export interface SendCounters {
  /** Events handed to the server (counted once per batch, not per retry). */
  sent: number;
  accepted: number;
  rejected: number;
  requests: number;
  /** Extra attempts after a 429, 503 or network error. */
  retries: number;
  /** Batches that failed for good; their events are in `lost`. */
  errors: number;
  lost: number;
  firstRejection: string | null;
  lastError: string | null;
}

/** A failure the run cannot continue past: a refused key or request, or a server that never answered. */
export class FatalSendError extends Error {}

export class BatchSender {
  readonly counters: SendCounters = { sent: 0, accepted: 0, rejected: 0, requests: 0, retries: 0, errors: 0, lost: 0, firstRejection: null, lastError: null };
  fatal: FatalSendError | null = null;
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly runId = randomUUID();
  private seq = 0;
  private delivered = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly maxRetryAfterMs: number;

  constructor(private readonly opts: SenderOptions) {
    const base = opts.url.replace(/\/+$/, '');
    this.endpoint = `${base}/v1/events${opts.project ? `?project=${encodeURIComponent(opts.project)}` : ''}`;
    this.headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    if (opts.key) this.headers.authorization = `Bearer ${opts.key}`;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
  }

  /**
   * Starts sending `events` once a slot is free; resolves when it has started (true), not when it is
   * done — or false when a fatal error means nothing more is sent.
   */
  async submit(events: readonly EventInput[]): Promise<boolean> {
    if (events.length === 0) return true;
    while (this.inFlight.size >= this.concurrency && !this.fatal) await Promise.race(this.inFlight);
    if (this.fatal) return false;
    const p = this.send(events).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return true;
  }

  /** Waits for every batch in flight. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private async send(events: readonly EventInput[]): Promise<void> {
    const c = this.counters;
    // Numbered before the first await, so keys follow the order batches were submitted in.
    const headers = { ...this.headers, 'idempotency-key': `demo-${this.runId}-${++this.seq}` };
    c.sent += events.length;
    const body = await gzipAsync(JSON.stringify({ events }), { level: constants.Z_BEST_SPEED });
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        c.requests++;
        res = await fetch(this.endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(60_000) });
      } catch (err) {
        const why = describeNetworkError(err);
        // A server that has never answered is most likely not running: give up in under a second.
        const attempts = this.delivered === 0 ? Math.min(3, this.maxAttempts) : this.maxAttempts;
        if (attempt < attempts && !this.stopping()) {
          c.retries++;
          await sleep(Math.min(5_000, 250 * 2 ** (attempt - 1)), this.opts.signal);
          if (!this.stopping()) continue;
        }
        // Retries exhausted (~17 s of backoff once the server has answered): it is down, so stop
        // rather than fail every remaining batch the same slow way.
        if (!this.opts.signal?.aborted) {
          this.fatal ??= new FatalSendError(this.delivered === 0
            ? `cannot reach ${this.endpoint}: ${why} — is \`pulse serve\` running?`
            : `lost the server at ${this.endpoint}: ${why} after ${attempt} attempts`);
        }
        return this.fail(events.length, why);
      }
      if (res.status === 200 || res.status === 207) {
        const json = (await res.json().catch(() => null)) as { accepted?: number; rejected?: { index: number; error: string }[] } | null;
        const rejected = json?.rejected ?? [];
        c.accepted += json?.accepted ?? events.length - rejected.length;
        c.rejected += rejected.length;
        if (rejected[0] && c.firstRejection === null) c.firstRejection = `event ${rejected[0].index}: ${rejected[0].error}`;
        this.delivered++;
        return;
      }
      const detail = await errorDetail(res);
      if (res.status === 401 || res.status === 403) {
        this.fatal ??= new FatalSendError(`the server refused the key (${res.status}: ${detail}) — pass --key or set ANALYTICS_API_KEY / PULSE_API_KEY`);
        return this.fail(events.length, `HTTP ${res.status}: ${detail}`);
      }
      // The request itself is wrong (a bad --project, a URL that is not Pulse's API): every batch would be refused alike.
      if (res.status === 400 || res.status === 404) {
        this.fatal ??= new FatalSendError(`the server refused the request (${res.status}: ${detail}) — check --url and --project`);
        return this.fail(events.length, `HTTP ${res.status}: ${detail}`);
      }
      if ((res.status === 429 || res.status === 503) && attempt < this.maxAttempts && !this.stopping()) {
        c.retries++;
        await sleep(Math.min(this.maxRetryAfterMs, retryAfterMs(res.headers.get('retry-after')) ?? 1_000), this.opts.signal);
        if (!this.stopping()) continue;
      }
      return this.fail(events.length, `HTTP ${res.status}: ${detail}`);
    }
  }

  /** Aborted, or another batch hit a fatal error: no more retries. */
  private stopping(): boolean {
    return this.opts.signal?.aborted === true || this.fatal !== null;
  }

  private fail(n: number, why: string): void {
    this.counters.errors++;
    this.counters.lost += n;
    this.counters.lastError = why;
  }
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms; null when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const v = header.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function errorDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message;
    if (msg) return msg;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200) || res.statusText;
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
