import pg from 'pg';
import type { Leadership } from './types.js';

export interface PgLeaderOptions {
  /** The meta stores' connection settings (search path, `pulse.instance`); the election opens its own session. */
  config: pg.ClientConfig;
  /** The schema: deployments sharing one database in different schemas elect their own leaders. */
  schema: string;
  instance: string;
  /** How often a follower tries to take the lock, and a leader checks its session (default 2 s). */
  retryMs?: number;
  /** A leader whose session has not answered for this long steps down (default 6 s; keep below idleTimeoutMs). */
  leaseMs?: number;
  /**
   * The server ends the election session after this long without a statement (`idle_session_timeout`, PostgreSQL
   * 14+; default 10 s), so a leader that hangs or is cut off loses the lock even when its socket never closes.
   */
  idleTimeoutMs?: number;
  onError?: (err: Error, what: string) => void;
  onLog?: (message: string, fields: Record<string, unknown>) => void;
}

const LOCK_SQL = "hashtext('pulse-leader'), hashtext($1)";
const APP_PREFIX = 'pulse-leader:';

/**
 * Leader election by a session-level advisory lock, `pg_try_advisory_lock(hashtext('pulse-leader'), hashtext(schema))`,
 * held on a connection of its own (a pooled one would hand the session to other queries). The lock lives as long as
 * the session: the leader's process dying, its connection dropping or the server ending an idle session releases it,
 * and a follower's next attempt (every `retryMs`) takes it. A leader that loses its connection, or whose check does
 * not answer within `leaseMs`, stops leading at once — before the server can have released the lock to another.
 */
export class PgLeaderElection implements Leadership {
  readonly instance: string;
  private client: pg.Client | null = null;
  private leading = false;
  private leader: string | null = null;
  private lastOkMs = 0;
  private busy = false;
  /** When the step in progress began (Date.now()). */
  private busySince = 0;
  /** After stepping down, no attempt before this (ms): the others get the first chance at the lock. */
  private holdOffUntil = 0;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly hooks = new Set<() => Promise<void>>();
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly retryMs: number;
  private readonly leaseMs: number;

  constructor(private readonly options: PgLeaderOptions) {
    this.instance = options.instance;
    this.retryMs = options.retryMs ?? 2_000;
    this.leaseMs = options.leaseMs ?? 6_000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  leaderInstance(): string | null {
    return this.leading ? this.instance : this.leader;
  }

  /** The server process of the election session (pg_stat_activity's `pid`), null while disconnected. */
  get backendPid(): number | null {
    const pid = (this.client as { processID?: unknown } | null)?.processID;
    return typeof pid === 'number' ? pid : null;
  }

  onChange(fn: (leader: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  beforeLeading(fn: () => Promise<void>): () => void {
    this.hooks.add(fn);
    return () => this.hooks.delete(fn);
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
  }

  /** One step: a follower tries to take the lock, a leader checks its session. Never overlaps another step. */
  async tick(): Promise<void> {
    if (this.closed) return;
    if (this.leading && Date.now() - this.lastOkMs > this.leaseMs) {
      this.stepDown('the election session did not answer within the lease');
      return;
    }
    if (this.busy) {
      // A step that has waited a lease for its answer is on a session the network cut silently (no FIN or RST ever
      // arrives): drop it, which fails the step, so the next attempt opens a new one. A leader steps down above.
      if (Date.now() - this.busySince > this.leaseMs) this.drop();
      return;
    }
    if (!this.leading && Date.now() < this.holdOffUntil) return;
    this.busy = true;
    this.busySince = Date.now();
    try {
      if (this.leading) await this.check();
      else await this.attempt();
    } catch (err) {
      this.report(err as Error);
      if (this.leading) this.stepDown(`the election session failed: ${(err as Error).message}`);
      else this.drop();
    } finally {
      this.busy = false;
    }
  }

  private lastReport = { message: '', at: 0 };

  /** An attempt's error, reported once per distinct message and minute (a follower retries every 2 s during an outage). */
  private report(err: Error): void {
    const now = Date.now();
    if (err.message === this.lastReport.message && now - this.lastReport.at < 60_000) return;
    this.lastReport = { message: err.message, at: now };
    this.options.onError?.(err, 'leader election');
  }

  private async session(): Promise<pg.Client> {
    if (this.client !== null) return this.client;
    const client = new pg.Client({ ...this.options.config, application_name: `${APP_PREFIX}${this.instance}`.slice(0, 63) });
    client.on('error', (err) => {
      this.options.onError?.(err, 'leader election session');
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    await client.connect();
    this.client = client;
    const timeout = Math.round(this.options.idleTimeoutMs ?? 10_000);
    // PostgreSQL 14+; older servers do not know the setting (42704) and rely on TCP keepalives instead.
    await client.query(`SET idle_session_timeout = ${timeout}`).catch((err: { code?: string }) => {
      if (err.code !== '42704') throw err;
    });
    return client;
  }

  private async attempt(): Promise<void> {
    const client = await this.session();
    const got = (await client.query(`SELECT pg_try_advisory_lock(${LOCK_SQL}) AS ok`, [this.options.schema])).rows[0]?.ok === true;
    if (!got) {
      // Who holds it: the session with the lock names its instance in application_name.
      const rows = (await client.query(
        `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid = hashtext('pulse-leader')::oid AND l.objid = hashtext($1)::oid`, [this.options.schema])).rows as { name: string | null }[];
      const name = rows[0]?.name ?? null;
      this.leader = name !== null && name.startsWith(APP_PREFIX) ? name.slice(APP_PREFIX.length) : null;
      return;
    }
    try {
      for (const hook of this.hooks) await hook();
    } catch (err) {
      this.options.onError?.(err as Error, 'leader election: preparing to lead failed; the lock is given up');
      await client.query(`SELECT pg_advisory_unlock(${LOCK_SQL})`, [this.options.schema]).catch(() => this.drop());
      return;
    }
    if (this.client !== client || this.closed) return; // the session dropped while the hooks ran: the lock went with it
    this.lastOkMs = Date.now();
    this.leading = true;
    this.leader = this.instance;
    this.options.onLog?.('this instance now leads', { instance: this.instance });
    for (const fn of this.listeners) fn(true);
  }

  private async check(): Promise<void> {
    const client = this.client;
    if (client === null) throw new Error('no election session');
    await client.query('SELECT 1');
    if (this.client === client) this.lastOkMs = Date.now();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.leading) this.stepDown('the election session was lost');
  }

  /** Stops leading now (listeners are told synchronously) and ends the session, which releases the lock. */
  private stepDown(reason: string): void {
    const was = this.leading;
    this.leading = false;
    this.leader = null;
    this.drop();
    if (!was) return;
    this.holdOffUntil = Date.now() + 2 * this.retryMs;
    this.options.onLog?.('this instance no longer leads', { instance: this.instance, reason });
    for (const fn of this.listeners) fn(false);
  }

  /** Forgets the session; its socket is destroyed (end() could wait on a connection that hangs). */
  private drop(): void {
    const client = this.client;
    this.client = null;
    if (client === null) return;
    const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
    stream?.destroy?.();
    void client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const client = this.client;
    const was = this.leading;
    this.leading = false;
    this.client = null;
    if (was) for (const fn of this.listeners) fn(false);
    if (client !== null) await client.end().catch(() => undefined);
  }
}
