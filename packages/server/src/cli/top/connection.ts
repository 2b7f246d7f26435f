import type { HelloFrame, MetricsUpdate } from '../../live/messages.js';
import type { Connection } from './render.js';
import { wsSocketFactory, type SocketFactory, type SocketHandle } from './socket.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ConnectionOptions {
  /** Server base URL, http(s):// or ws(s)://; a path prefix (behind a proxy) is kept. */
  url: string;
  key?: string;
  project?: string;
  socket?: SocketFactory;
  timers?: Timers;
  now?: () => number;
  /** First retry delay; doubles per failed attempt up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** No frame for this long on an open socket: assume a dead link, reconnect. */
  silenceMs?: number;
}

export interface ConnectionListener {
  state(c: Connection): void;
  frame(f: MetricsUpdate, receivedAt: number): void;
  hello?(h: HelloFrame): void;
  /** Retrying cannot help (bad key, no such endpoint): the caller should stop and say why. */
  fatal(message: string): void;
}

/** `ws(s)://host[/prefix]/ws/metrics?api_key=…&project=…` from the server's base URL. */
export function metricsUrl(base: string, key?: string, project?: string): string {
  const bad = (): Error => new Error(`--url: expected http(s):// or ws(s)://, got ${base}`);
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw bad();
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw bad();
  u.pathname = u.pathname.replace(/\/+$/, '') + '/ws/metrics';
  u.search = '';
  u.hash = '';
  if (key) u.searchParams.set('api_key', key);
  if (project) u.searchParams.set('project', project);
  return u.toString();
}

/** Close codes a server uses to refuse a socket after accepting it: retrying would be refused again. */
const REFUSED_CLOSE_CODES = new Set([1008, 4001, 4003, 4401, 4403]);
/** Upgrade answers that retrying cannot change: bad key, no scope for the project, bad parameter, no endpoint. */
const FATAL_STATUSES = new Set([400, 401, 403, 404]);

/**
 * One `/ws/metrics` subscription that keeps itself alive: on a failed connect or a dropped socket it
 * reports `disconnected` with the time of the next attempt and retries with exponential backoff
 * (reset by the first frame of a healthy connection). 401/403/404 on the upgrade are fatal.
 */
export class MetricsConnection {
  private readonly socket: SocketFactory;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly initial: number;
  private readonly max: number;
  private silenceMs: number;
  private readonly target: string;
  private current: SocketHandle | null = null;
  private attempt: object | null = null;
  private retry: unknown = null;
  private watchdog: unknown = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly opts: ConnectionOptions, private readonly listener: ConnectionListener) {
    this.socket = opts.socket ?? wsSocketFactory;
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.now = opts.now ?? Date.now;
    this.initial = opts.initialBackoffMs ?? 1_000;
    this.max = opts.maxBackoffMs ?? 15_000;
    this.silenceMs = opts.silenceMs ?? 15_000;
    this.target = metricsUrl(opts.url, opts.key, opts.project);
  }

  start(): void {
    this.connect();
  }

  /** Idempotent; no callback fires afterwards. */
  stop(): void {
    this.stopped = true;
    this.attempt = null;
    this.clear();
    this.current?.close();
    this.current = null;
  }

  private clear(): void {
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    if (this.watchdog !== null) this.timers.clearTimeout(this.watchdog);
    this.retry = this.watchdog = null;
  }

  private connect(): void {
    if (this.stopped) return;
    this.listener.state({ state: 'connecting' });
    // Each attempt has its own token: callbacks of a replaced or closed socket may still fire, and are ignored.
    const token = {};
    this.attempt = token;
    let lastError = '';
    const mine = (): boolean => !this.stopped && this.attempt === token;
    const end = (): void => {
      this.attempt = null;
      this.current?.close();
      this.current = null;
    };
    const lost = (reason: string): void => {
      if (!mine()) return;
      end();
      this.scheduleRetry(reason);
    };
    const fatal = (message: string): void => {
      if (!mine()) return;
      end();
      this.stop();
      this.listener.fatal(message);
    };
    const silence = (): void => lost(`no frame for ${Math.round(this.silenceMs / 1000)} s`);
    const handle = this.socket(this.target, {
      open: () => {
        if (!mine()) return;
        this.listener.state({ state: 'connected' });
        this.armWatchdog(silence);
      },
      message: (text) => {
        if (!mine()) return;
        const msg = parse(text);
        if (msg?.type === 'metrics_update') {
          this.failures = 0;
          this.armWatchdog(silence);
          this.listener.frame(msg as MetricsUpdate, this.now());
        } else if (msg?.type === 'hello') {
          const hello = msg as HelloFrame;
          // A server set to a slow interval (PULSE_WS_INTERVAL_MS up to 60 s) is not a dead one.
          if (typeof hello.interval_ms === 'number') this.silenceMs = Math.max(this.silenceMs, 3 * hello.interval_ms);
          this.armWatchdog(silence);
          this.listener.hello?.(hello);
        }
      },
      rejected: (status, body) => {
        if (FATAL_STATUSES.has(status)) fatal(refusal(status, body, this.opts.url));
        else lost(`server answered ${status}`);
      },
      error: (err) => {
        lastError = describe(err);
      },
      close: (code, reason) => {
        if (REFUSED_CLOSE_CODES.has(code)) fatal(`the server closed the live feed: ${reason || `code ${code}`}`);
        else lost(lastError || (reason ? `closed: ${reason}` : `closed (code ${code})`));
      },
    });
    if (mine()) this.current = handle;
    else handle.close();
  }

  private armWatchdog(onSilence: () => void): void {
    if (this.watchdog !== null) this.timers.clearTimeout(this.watchdog);
    this.watchdog = this.timers.setTimeout(onSilence, this.silenceMs);
  }

  private scheduleRetry(reason: string): void {
    this.clear();
    const delay = Math.min(this.max, this.initial * 2 ** this.failures);
    this.failures++;
    this.listener.state({ state: 'disconnected', retryAt: this.now() + delay, reason });
    this.retry = this.timers.setTimeout(() => {
      this.retry = null;
      this.connect();
    }, delay);
  }
}

function parse(text: string): { type?: unknown } | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as { type?: unknown }) : null;
  } catch {
    return null;
  }
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset';
  return err.message;
}

/** The clear message for a refused upgrade; the server's own JSON error message when it sent one. */
function refusal(status: number, body: string, url: string): string {
  let detail = '';
  try {
    detail = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? '';
  } catch {
    /* not JSON */
  }
  const what =
    status === 401 ? 'the server refused the API key (401 unauthorized) — pass --key or set PULSE_API_KEY / ANALYTICS_API_KEY'
    : status === 403 ? 'the API key may not read this project (403 forbidden) — it needs the read or admin scope for the project'
    : status === 404 ? `no live feed at ${url} (404: /ws/metrics not found — is this a Pulse server with the live feed?)`
    : `the server rejected the request (${status})`;
  return detail ? `${what}: ${detail}` : what;
}
