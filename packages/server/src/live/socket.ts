/** The part of a `ws` WebSocket the hubs use; tests may pass their own. */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
  on(event: 'pong' | 'close', fn: () => void): unknown;
}

export const OPEN = 1;

/**
 * A frame is skipped, not queued, while this many bytes wait in the socket's buffer: a client that
 * cannot keep up loses frames (and is told how many) instead of growing the server's memory.
 */
export const MAX_BUFFERED_BYTES = 512 * 1024;

/** Heartbeat: a ping every 30 s; a socket that has not answered the previous one is closed. */
export const PING_INTERVAL_MS = 30_000;

export class Heartbeat {
  private readonly alive = new Map<LiveSocket, boolean>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = PING_INTERVAL_MS) {
    this.timer = setInterval(() => this.beat(), intervalMs);
    this.timer.unref();
  }

  watch(socket: LiveSocket): void {
    this.alive.set(socket, true);
    socket.on('pong', () => this.alive.set(socket, true));
    socket.on('close', () => this.alive.delete(socket));
  }

  private beat(): void {
    for (const [socket, ok] of this.alive) {
      if (!ok) {
        this.alive.delete(socket);
        socket.terminate();
        continue;
      }
      this.alive.set(socket, false);
      try {
        socket.ping();
      } catch {
        // a socket closing under us; its close handler forgets it
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.alive.clear();
  }
}
