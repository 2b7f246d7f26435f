/**
 * A WebSocket that reconnects with capped exponential backoff and jitter (0.5 s, 1 s, 2 s … 15 s),
 * starting over from 0.5 s after a connection that worked: one that delivered a frame after its greeting,
 * or stayed open for 10 s (a quiet stream sends nothing). A server that greets and drops at once is
 * backed off from like one that refuses. A close with 1008 (policy: the
 * server revoked the socket's key) is not retried: reconnecting with that key would be refused forever.
 */
export interface SocketHandlers {
  onOpen(): void;
  onFrame(frame: unknown): void;
  onDown(): void;
  /** The server closed the socket with 1008 and this reason ("API key revoked"); no retry follows. */
  onRefused(reason: string): void;
}

/** WebSocket close code "policy violation": the server's answer to a revoked key. */
export const CLOSE_POLICY = 1008;

const MIN_DELAY = 500;
/** Open this long, a connection counts as having worked when it drops. */
const WORKED_AFTER_MS = 10_000;
const MAX_DELAY = 15_000;

export class ReconnectingSocket {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = false;

  constructor(
    private readonly url: () => string,
    private readonly handlers: SocketHandlers,
  ) {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    let openedAt: number | null = null;
    let frames = 0;
    ws.onopen = () => {
      openedAt = Date.now();
      this.handlers.onOpen();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let frame: unknown;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (++frames > 1) this.attempt = 0; // the first frame is the server's greeting
      this.handlers.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (openedAt !== null && Date.now() - openedAt >= WORKED_AFTER_MS) this.attempt = 0;
      this.handlers.onDown();
      if (ev.code === CLOSE_POLICY) {
        this.handlers.onRefused(ev.reason || 'the server closed the live connection (policy)');
        return;
      }
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped || this.timer) return;
    const base = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.attempt);
    this.attempt++;
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  /** Drops the connection and reconnects at once (e.g. after the key changed). */
  restart(): void {
    this.attempt = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    retire(this.ws);
    this.ws = null;
    this.connect();
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    retire(this.ws);
    this.ws = null;
  }
}

/**
 * Closes a socket we no longer want. One still connecting is closed once open: closing it mid-handshake
 * makes the browser log an error for what is a normal change of filters.
 */
function retire(ws: WebSocket | null): void {
  if (!ws) return;
  ws.onmessage = null;
  ws.onclose = null;
  if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close();
  else {
    ws.onopen = null;
    ws.close();
  }
}
