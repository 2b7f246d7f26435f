import { randomUUID } from 'node:crypto';
import {
  ClaimLostError, claimTimeout, LocalIdempotencyClaims, type IdempotencyClaim, type IdempotencyClaims,
} from '../../ingest/idempotency-claims.js';
import { StoreUnavailableError } from '../types.js';
import { translate, type PgDb, type PgParam, type PgRow } from './connection.js';

export interface PgClaimsOptions {
  db: PgDb;
  /** This process's name (PULSE_INSTANCE_ID), recorded with each claim for operators. */
  instance: string;
  /**
   * How long a claim stays valid without renewal (default 10 s). The holder renews its claims every `leaseMs / 5`;
   * a holder that died leaves its claims to be taken over at most this long after its last renewal.
   */
  leaseMs?: number;
  /** How long `acquire` waits at most for another attempt to finish (default 20 s); then ClaimTimeoutError (503). */
  waitMs?: number;
  /** How often a waiting `acquire` tries again (default 50 ms). */
  pollMs?: number;
  onError?: (err: Error, what: string) => void;
  onLog?: (message: string, fields: Record<string, unknown>) => void;
}

interface Held {
  token: string;
  project: string;
  key: string;
  /** performance.now() when the last statement that set the lease (claim or renewal) was sent. */
  confirmedAt: number;
  abort: AbortController;
}

/**
 * Claims shared by every instance, in PostgreSQL's `idempotency_claims` (schema.ts, migration 6): one row per key held
 * now, `(project, key)` its primary key, taken by `INSERT … ON CONFLICT DO UPDATE … WHERE lease_until < now()` —
 * atomic, so exactly one attempt gets it — and deleted on release. The row carries a lease (`lease_until`, in the
 * server's clock) that the holding process renews every `leaseMs / 5` with one UPDATE for all its claims:
 *
 * - A holder that dies (SIGKILL, power loss) stops renewing; once `lease_until` has passed, the next attempt takes the
 *   row over. It then checks the event store, whose `getIdempotency` finds the dead attempt's write if it completed or
 *   is still running on the server (ClickHouse: event-store.ts), or else does the write itself — once.
 * - A live holder that cannot renew (PostgreSQL unreachable from it) aborts the claim's signal before the lease can
 *   have run out — `leaseMs − 2 × leaseMs / 5` after the last renewal was *sent*, so PostgreSQL's lease, set later,
 *   ends after it — and a write not yet begun is then dropped (the request answers 503).
 * - Waiting is polling the same statement every `pollMs`; only concurrent duplicates wait, so the table sees one
 *   INSERT and one DELETE per idempotent request and one UPDATE per renewal period, not a poll per request.
 *
 * Within the process, attempts with the same key wait for each other in memory first (LocalIdempotencyClaims), so a
 * duplicate never polls PostgreSQL for a claim its own process holds.
 */
export class PgIdempotencyClaims implements IdempotencyClaims {
  private readonly local: LocalIdempotencyClaims;
  private readonly held = new Map<string, Held>();
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly waitMs: number;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private renewing = false;
  private closed = false;
  private lastError = { message: '', at: 0 };

  constructor(private readonly options: PgClaimsOptions) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.renewMs = Math.max(1, Math.floor(this.leaseMs / 5));
    this.waitMs = options.waitMs ?? 20_000;
    this.pollMs = options.pollMs ?? 50;
    this.local = new LocalIdempotencyClaims();
  }

  /** Keys this process holds now. */
  get size(): number {
    return this.held.size;
  }

  async acquire(project: string, key: string): Promise<IdempotencyClaim> {
    if (this.closed) throw new StoreUnavailableError('the idempotency claims are closed (shutting down)');
    const deadline = Date.now() + this.waitMs;
    const local = await this.local.acquire(project, key, deadline);
    try {
      const held = await this.acquireShared(project, key, deadline);
      let released = false;
      return {
        signal: held.abort.signal,
        release: async () => {
          if (released) return;
          released = true;
          try {
            await this.releaseShared(held);
          } finally {
            await local.release();
          }
        },
      };
    } catch (err) {
      await local.release();
      throw err;
    }
  }

  private async acquireShared(project: string, key: string, deadline: number): Promise<Held> {
    const token = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const { rows, sentAt } = await this.send(
        `INSERT INTO idempotency_claims AS c (project, key, token, instance, claimed_at, lease_until)
         VALUES ($1, $2, $3, $4, now(), now() + $5 * interval '1 millisecond')
         ON CONFLICT (project, key) DO UPDATE
           SET token = EXCLUDED.token, instance = EXCLUDED.instance, claimed_at = EXCLUDED.claimed_at, lease_until = EXCLUDED.lease_until
           WHERE c.lease_until < now()
         RETURNING (xmax = 0) AS fresh`,
        [project, key, token, this.options.instance, this.leaseMs],
      );
      const row = rows[0];
      if (row !== undefined) {
        if (row.fresh !== true) this.options.onLog?.('took over an expired idempotency claim (its holder stopped renewing it)', { project, key });
        const held: Held = { token, project, key, confirmedAt: sentAt, abort: new AbortController() };
        this.held.set(token, held);
        this.startRenewing();
        return held;
      }
      if (Date.now() + this.pollMs > deadline) {
        const [holder] = await this.options.db.rows('SELECT instance FROM idempotency_claims WHERE project = $1 AND key = $2', [project, key]);
        throw claimTimeout(key, holder === undefined ? undefined : String(holder.instance));
      }
      // A little jitter, so two waiters of one key do not poll in lockstep.
      await sleep(this.pollMs * (0.75 + Math.random() / 2));
    }
  }

  private async releaseShared(held: Held): Promise<void> {
    this.held.delete(held.token);
    if (this.held.size === 0) this.stopRenewing();
    try {
      await this.options.db.changed('DELETE FROM idempotency_claims WHERE project = $1 AND key = $2 AND token = $3', [held.project, held.key, held.token]);
    } catch (err) {
      // The row stays until its lease runs out; a retry meanwhile waits (or times out with 503), then takes it over.
      this.report(err as Error, 'releasing an idempotency claim');
    }
  }

  /** One statement on a connection of its own, and when it was sent (after waiting for the connection). */
  private async send(sql: string, params: readonly PgParam[]): Promise<{ rows: PgRow[]; sentAt: number }> {
    let client;
    try {
      client = await this.options.db.pool.connect();
    } catch (err) {
      throw translate(err);
    }
    try {
      const sentAt = performance.now();
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as PgRow[], sentAt };
    } catch (err) {
      throw translate(err);
    } finally {
      client.release();
    }
  }

  private startRenewing(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setInterval(() => void this.renew(), this.renewMs);
    this.timer.unref();
  }

  private stopRenewing(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Every `renewMs`: first gives up the claims not confirmed for `leaseMs − 2 × renewMs` (this tick's renewal could
   * not be trusted to land before their lease ends), then renews the rest in one UPDATE. A claim the UPDATE does not
   * find was taken over or deleted: given up too.
   */
  async renew(): Promise<void> {
    const now = performance.now();
    for (const h of this.held.values()) {
      if (now - h.confirmedAt > this.leaseMs - 2 * this.renewMs) this.lose(h, 'its lease could not be renewed in time');
    }
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    const batch = [...this.held.values()];
    try {
      const { rows, sentAt } = await this.send(
        `UPDATE idempotency_claims AS c SET lease_until = now() + $4 * interval '1 millisecond'
         FROM unnest($1::text[], $2::text[], $3::text[]) AS h (project, key, token)
         WHERE c.project = h.project AND c.key = h.key AND c.token = h.token RETURNING c.token`,
        [batch.map((h) => h.project), batch.map((h) => h.key), batch.map((h) => h.token), this.leaseMs],
      );
      const renewed = new Set(rows.map((r) => String(r.token)));
      for (const h of batch) {
        if (renewed.has(h.token)) h.confirmedAt = sentAt;
        else if (this.held.get(h.token) === h) this.lose(h, 'another attempt took it over');
      }
    } catch (err) {
      this.report(err as Error, 'renewing idempotency claims');
    } finally {
      this.renewing = false;
    }
  }

  private lose(h: Held, why: string): void {
    if (h.abort.signal.aborted) return;
    h.abort.abort(new ClaimLostError(`the claim on Idempotency-Key ${JSON.stringify(h.key)} was lost (${why}); nothing was stored`));
    this.options.onLog?.('idempotency claim lost', { project: h.project, key: h.key, why });
  }

  /** An error reported once per distinct message and minute (renewals repeat every `renewMs` during an outage). */
  private report(err: Error, what: string): void {
    const now = Date.now();
    if (err.message === this.lastError.message && now - this.lastError.at < 60_000) return;
    this.lastError = { message: err.message, at: now };
    this.options.onError?.(err, what);
  }

  async deleteExpired(): Promise<number> {
    return this.options.db.changed('DELETE FROM idempotency_claims WHERE lease_until < now()');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopRenewing();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
