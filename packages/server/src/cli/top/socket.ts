import WebSocket from 'ws';

/** What a connection needs from a socket; the `ws` implementation below, a fake in tests. */
export interface SocketHandlers {
  open(): void;
  message(text: string): void;
  /** The server answered the upgrade with an HTTP status instead of switching protocols. */
  rejected(status: number, body: string): void;
  /** Closed after opening, or failed to connect (then `error` came first). */
  close(code: number, reason: string): void;
  error(err: Error): void;
}

export interface SocketHandle {
  close(): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketHandle;

/** A real WebSocket (the `ws` package, as the server uses). */
export const wsSocketFactory: SocketFactory = (url, h) => {
  const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
  let rejected = false;
  ws.on('open', () => h.open());
  ws.on('message', (data, isBinary) => {
    if (!isBinary) h.message(data.toString());
  });
  ws.on('unexpected-response', (req, res) => {
    rejected = true;
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < 4096) chunks.push(c);
      size += c.length;
    });
    let reported = false;
    const done = (): void => {
      if (reported) return;
      reported = true;
      h.rejected(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8').slice(0, 4096));
      req.destroy();
    };
    // The server may destroy the socket right after its answer (Pulse does, for refused upgrades).
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
  });
  ws.on('error', (err) => {
    if (!rejected) h.error(err);
  });
  ws.on('close', (code, reason) => {
    if (!rejected) h.close(code, reason.toString());
  });
  return { close: () => ws.terminate() };
};
