import pg from 'pg';

export interface ListenerOptions {
  config: pg.ClientConfig;
  /** Constant channel names (identifiers, never input). */
  channels: readonly string[];
  /** A notification; null when notifications may have been missed (the connection dropped or came back). */
  onNotify: (notification: { channel: string; payload: string | null } | null) => void;
  onError?: (err: Error, what: string) => void;
  /** First delay before reconnecting; doubles up to 30 s. */
  retryMs?: number;
  /**
   * How often the session is checked (`SELECT 1`, default 5 s); one whose check has gone unanswered for this long is
   * given up and reconnected. A network that silently stops carrying packets closes no socket, so without the check
   * the session would stay "listening" to nothing.
   */
  pingMs?: number;
}

/**
 * One dedicated connection (outside the pool: LISTEN belongs to a session) that LISTENs on its channels. When it drops,
 * it reports `null` (anything may have changed meanwhile) and reconnects with backoff, reporting `null` again once
 * listening, so a cache that clears on every report is never stale for longer than the outage. A session that stops
 * answering without closing (a silent network cut) counts as dropped once a check has gone unanswered for `pingMs`.
 */
export class PgListener {
  private client: pg.Client | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private pinger: NodeJS.Timeout | null = null;
  /** The check in flight: its session, and when it was sent. */
  private ping: { client: pg.Client; sentAt: number } | null = null;

  constructor(private readonly options: ListenerOptions) {
    this.delay = options.retryMs ?? 500;
  }

  /** Connects and listens; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options.config);
    client.on('notification', (n) => {
      if (this.options.channels.includes(n.channel)) this.options.onNotify({ channel: n.channel, payload: n.payload ?? null });
    });
    client.on('error', (err) => {
      this.options.onError?.(err, `PostgreSQL listener on ${this.options.channels.join(', ')}`);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    await client.connect();
    try {
      for (const channel of this.options.channels) {
        if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
        await client.query(`LISTEN ${channel}`); // checked identifier, a constant of the code
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = this.options.retryMs ?? 500;
    if (this.pinger === null) {
      const every = this.options.pingMs ?? 5_000;
      this.pinger = setInterval(() => this.check(every), every);
      this.pinger.unref();
    }
  }

  /** Sends a check; gives the session up when the previous one has gone unanswered for `timeoutMs`. */
  private check(timeoutMs: number): void {
    const client = this.client;
    if (client === null) return;
    if (this.ping !== null && this.ping.client === client) {
      if (Date.now() - this.ping.sentAt < timeoutMs) return;
      this.ping = null;
      this.options.onError?.(new Error(`no answer within ${timeoutMs} ms`), `PostgreSQL listener on ${this.options.channels.join(', ')}`);
      this.lost(client);
      // Its socket is destroyed: end() would wait on a connection that carries nothing.
      (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.();
      void client.end().catch(() => undefined);
      return;
    }
    const ping = { client, sentAt: Date.now() };
    this.ping = ping;
    client.query('SELECT 1').then(
      () => {
        if (this.ping === ping) this.ping = null;
      },
      () => undefined, // a failed check: the session's 'error' or 'end' reports the loss
    );
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.closed) return;
    this.options.onNotify(null);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(
        () => this.options.onNotify(null),
        (err: Error) => {
          this.options.onError?.(err, `PostgreSQL listener on ${this.options.channels.join(', ')} (reconnecting)`);
          this.delay = Math.min(this.delay * 2, 30_000);
          this.retry();
        },
      );
    }, this.delay);
    this.timer.unref();
  }

  /** Whether the listener is connected now (for health and tests). */
  get listening(): boolean {
    return this.client !== null;
  }

  /** The server process of the listening session (pg_stat_activity's `pid`), null while disconnected. */
  get backendPid(): number | null {
    const pid = (this.client as { processID?: unknown } | null)?.processID;
    return typeof pid === 'number' ? pid : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pinger !== null) clearInterval(this.pinger);
    this.pinger = null;
    const client = this.client;
    this.client = null;
    if (client !== null) await client.end().catch(() => undefined);
  }
}
