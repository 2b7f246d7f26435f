import type { WebSocket } from 'ws';

/** How long a live socket has to answer the server's close frame at shutdown before it is cut. */
export const CLOSE_GRACE_MS = 1_000;

/**
 * Closes every live socket when the server shuts down: a close frame (1001 "going away", so clients
 * reconnect), then, after `graceMs`, the TCP connection of any client that has not answered it. Left to
 * `ws`, a client that never completes the closing handshake holds the HTTP server's close for ws's own
 * 30-s timeout (the upgraded socket still counts as one of the server's connections).
 */
export async function closeLiveSockets(clients: Iterable<WebSocket>, graceMs = CLOSE_GRACE_MS): Promise<void> {
  const open = [...clients];
  if (open.length === 0) return;
  const closed = open.map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        try {
          ws.close(1001, 'server shutting down');
        } catch {
          ws.terminate();
        }
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([Promise.all(closed), grace]);
  clearTimeout(timer);
  if (outcome !== 'late') return;
  for (const ws of open) if (ws.readyState !== ws.CLOSED) ws.terminate();
  await Promise.all(closed);
}
