import { createConnection, createServer, type Socket } from 'node:net';

export interface BlackholeProxy {
  /** The database URL through the proxy. */
  url: string;
  /** From now on the connections open now drop every byte, both ways, and stay open (a silent network cut). */
  blackhole(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy to the PostgreSQL of `target` (a postgresql:// URL) on a free loopback port. `blackhole()` cuts the
 * connections open at that moment without closing them — as a NAT or firewall forgetting a connection, or a failover
 * behind a virtual IP, does: no FIN or RST ever arrives. Connections made later pass.
 */
export async function blackholeProxy(target: string): Promise<BlackholeProxy> {
  const to = new URL(target);
  const open = new Set<{ frozen: boolean; sockets: Socket[] }>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: to.hostname, port: Number(to.port) });
    const conn = { frozen: false, sockets: [client, upstream] };
    open.add(conn);
    client.on('data', (d) => void (conn.frozen || upstream.write(d)));
    upstream.on('data', (d) => void (conn.frozen || client.write(d)));
    const end = (): void => {
      if (conn.frozen) return; // a cut connection does not learn that the other end closed either
      open.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    blackhole: () => open.forEach((c) => (c.frozen = true)),
    close: async () => {
      for (const c of open) for (const s of c.sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
