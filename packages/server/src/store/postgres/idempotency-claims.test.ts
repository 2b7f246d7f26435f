/**
 * The PostgreSQL idempotency claims on a real PostgreSQL (a throwaway cluster for this file, a fresh schema per test):
 * the contract, then what only shared claims have — other instances, holders that die or lose PostgreSQL — and the
 * ingest guard over them with two "instances" sharing one event store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClaimLostError, ClaimTimeoutError, type IdempotencyClaim } from '../../ingest/idempotency-claims.js';
import { IdempotencyGuard, type IngestResponse } from '../../ingest/idempotency.js';
import { idempotencyClaimsContract } from '../../ingest/test-support/idempotency-claims.contract.js';
import { openEmbeddedEventStore } from '../duckdb/index.js';
import { emptyEvent } from '../contract/fixtures.js';
import type { EventStore } from '../types.js';
import { PgIdempotencyClaims, type PgClaimsOptions } from './idempotency-claims.js';
import { migratePostgres, PgDb } from './index.js';
import { postgresMissing, testCluster } from './test-support/pg-cluster.js';

const missing = postgresMissing();
if (missing !== null) console.warn(missing);
const cluster = testCluster();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE = 500;

/** A fresh schema, migrated; `instance(name)` opens claims of another instance (its own pool) on it. */
async function schemaFixture() {
  const c = await cluster();
  const schema = c.schema();
  const dbs: PgDb[] = [];
  const all: PgIdempotencyClaims[] = [];
  const open = (): PgDb => {
    const db = PgDb.open({ url: c.url, schema, poolSize: 3 });
    dbs.push(db);
    return db;
  };
  await migratePostgres(open());
  let n = 0;
  return {
    /** Claims of a new instance, on a pool of its own. */
    instance(options: Partial<Omit<PgClaimsOptions, 'db'>> & { db?: PgDb } = {}): PgIdempotencyClaims {
      const claims = new PgIdempotencyClaims({ db: options.db ?? open(), instance: `i${n++}`, leaseMs: LEASE, pollMs: 20, ...options });
      all.push(claims);
      return claims;
    },
    open,
    /** The claims table as it is. */
    async rows(): Promise<{ project: string; key: string; instance: string; live: boolean }[]> {
      return (await dbs[0]!.rows('SELECT project, key, instance, lease_until > now() AS live FROM idempotency_claims ORDER BY project, key')) as never;
    },
    async cleanup(): Promise<void> {
      await Promise.all(all.map((a) => a.close()));
      await Promise.all(dbs.map((d) => d.end()));
    },
  };
}

describe.skipIf(missing !== null)('PostgreSQL idempotency claims (real PostgreSQL)', { timeout: 30_000 }, () => {
  idempotencyClaimsContract('postgres', async () => {
    const f = await schemaFixture();
    return { open: async ({ waitMs }) => f.instance({ waitMs }), cleanup: f.cleanup };
  });

  let f: Awaited<ReturnType<typeof schemaFixture>>;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('holds a key against other instances until released; a timed-out waiter names the holder', async () => {
    f = await schemaFixture();
    const a = f.instance({ instance: 'inst-a' });
    const b = f.instance({ instance: 'inst-b', waitMs: 300 });
    const held = await a.acquire('p1', 'k');
    expect(await f.rows()).toEqual([{ project: 'p1', key: 'k', instance: 'inst-a', live: true }]);
    const err = await b.acquire('p1', 'k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClaimTimeoutError);
    expect((err as Error).message).toContain('instance inst-a');
    await held.release();
    expect(await f.rows()).toEqual([]);
    const taken = await b.acquire('p1', 'k');
    expect(await f.rows()).toEqual([{ project: 'p1', key: 'k', instance: 'inst-b', live: true }]);
    await taken.release();
  });

  it('gives each key to exactly one of two instances acquiring at once', async () => {
    f = await schemaFixture();
    const [a, b] = [f.instance({ waitMs: 10_000 }), f.instance({ waitMs: 10_000 })];
    const inside = new Map<string, number>();
    let overlaps = 0;
    const attempt = async (claims: PgIdempotencyClaims, key: string) => {
      const claim = await claims.acquire('p1', key);
      const n = (inside.get(key) ?? 0) + 1;
      inside.set(key, n);
      if (n > 1) overlaps++;
      await sleep(10);
      inside.set(key, inside.get(key)! - 1);
      await claim.release();
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => [attempt(a, `race-${i}`), attempt(b, `race-${i}`)]).flat());
    expect(overlaps).toBe(0);
    expect(await f.rows()).toEqual([]);
  });

  it('lets another instance take over the claim of a holder that died, once its lease has run out', async () => {
    f = await schemaFixture();
    const dead = f.instance({ instance: 'dead' });
    const alive = f.instance({ instance: 'alive', waitMs: 5_000 });
    const left = await dead.acquire('p1', 'k');
    await dead.acquire('p1', 'never-retried');
    await dead.close(); // renews no more, releases nothing: as after SIGKILL
    const blocked = await f.instance({ waitMs: 100 }).acquire('p1', 'k').catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(ClaimTimeoutError); // its lease still runs
    const taken = await alive.acquire('p1', 'k'); // waits for it to end (at most LEASE), within its 5 s
    await sleep(LEASE); // the other claim's lease has surely ended too
    expect(await f.rows()).toEqual([
      { project: 'p1', key: 'k', instance: 'alive', live: true },
      { project: 'p1', key: 'never-retried', instance: 'dead', live: false },
    ]);
    // The dead holder's late release (had it come back) does not free the new holder's key.
    await left.release();
    expect((await f.rows()).filter((r) => r.instance === 'alive')).toHaveLength(1);
    // Retention deletes the claim left behind; the live one stays.
    expect(await alive.deleteExpired()).toBe(1);
    expect(await f.rows()).toEqual([{ project: 'p1', key: 'k', instance: 'alive', live: true }]);
    await taken.release();
  });

  it('aborts the signal of a holder that cannot renew (PostgreSQL lost) before its lease ends, or whose claim was taken', async () => {
    f = await schemaFixture();
    const ownDb = f.open();
    const cutOff = f.instance({ db: ownDb, instance: 'cut-off' });
    const other = f.instance({ instance: 'other', waitMs: 5_000 });
    const claim = await cutOff.acquire('p1', 'k');
    await ownDb.end(); // every renewal fails from now on
    const reason = await aborted(claim, 5_000);
    const abortedAt = Date.now();
    expect(reason).toBeInstanceOf(ClaimLostError);
    // PostgreSQL runs on this machine, so its clock is ours: the holder gave up before the lease it last set ended.
    const [row] = await f.open().rows('SELECT (extract(epoch from lease_until) * 1000)::bigint AS until FROM idempotency_claims');
    expect(abortedAt).toBeLessThan(Number(row!.until));
    const next = await other.acquire('p1', 'k');
    await next.release();

    // A claim whose row was taken (here: by hand) is given up at the next renewal.
    const held = await other.acquire('p1', 'stolen');
    await f.open().changed("UPDATE idempotency_claims SET token = 'someone-else' WHERE key = 'stolen'");
    expect(await aborted(held, 2_000)).toBeInstanceOf(ClaimLostError);
    await held.release();
    expect(await f.rows()).toEqual([{ project: 'p1', key: 'stolen', instance: 'other', live: true }]); // not its row any more
  });

  describe('the ingest guard over two instances sharing one event store', () => {
    let opened: { close(): Promise<void> } | null = null;
    afterEach(async () => {
      await opened?.close();
      opened = null;
    });
    /** The shared event store: the real embedded one, in memory. */
    const openStore = async (): Promise<EventStore> => {
      const events = await openEmbeddedEventStore({ dataDir: ':memory:', rollups: false });
      opened = events;
      return events.store;
    };

    /** What one request of `key` stores: two events and its answer. */
    const write = async (s: EventStore, key: string): Promise<IngestResponse> => {
      const body = JSON.stringify({ accepted: 2, rejected: [], key });
      await s.append({
        events: [emptyEvent({ project: 'p1', name: key }), emptyEvent({ project: 'p1', name: key })],
        idempotency: [{ project: 'p1', key, createdAt: Date.now(), status: 200, response: body, fingerprint: null }],
      });
      return { status: 200, body };
    };
    const stored = async (s: EventStore, key: string) => Number((await s.query('SELECT count(*) AS n FROM events WHERE name = ?', [key]))[0]!.n);

    it('runs each of 20 keys sent to both instances at once exactly once; both answer alike, one replayed', async () => {
      f = await schemaFixture();
      const s = await openStore();
      const guards = [new IdempotencyGuard(s, f.instance({ waitMs: 10_000 })), new IdempotencyGuard(s, f.instance({ waitMs: 10_000 }))];
      const runs = new Map<string, number>();
      const work = (key: string) => async () => {
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await sleep(30); // parsing, the commit: long enough for the two to overlap
        return write(s, key);
      };
      const keys = Array.from({ length: 20 }, (_, i) => `pair-${i}`);
      const answers = await Promise.all(keys.map((key) => Promise.all(guards.map((g) => g.run('p1', key, null, work(key))))));
      for (const [i, [x, y]] of answers.entries()) {
        const key = keys[i]!;
        expect(runs.get(key), key).toBe(1);
        expect(await stored(s, key), key).toBe(2);
        expect({ status: y!.status, body: y!.body }).toEqual({ status: x!.status, body: x!.body });
        expect([x!.replayed, y!.replayed].sort()).toEqual([false, true]);
        expect(JSON.parse(x!.body).key).toBe(key);
      }
      expect(await f.rows()).toEqual([]);
    });

    it('after a holder died: replays its write if it completed, else runs the retry once', async () => {
      f = await schemaFixture();
      const s = await openStore();
      const dead = f.instance({ instance: 'dead' });
      const guard = new IdempotencyGuard(s, f.instance({ instance: 'alive', waitMs: 5_000 }));
      await dead.acquire('p1', 'written');
      const first = await write(s, 'written'); // its write landed, then it died before answering
      await dead.acquire('p1', 'not-written'); // it died before writing
      await dead.close();
      let ran = 0;
      const retry = (key: string) => async () => {
        ran++;
        return write(s, key);
      };
      const replayed = await guard.run('p1', 'written', null, retry('written'));
      expect(replayed).toEqual({ ...first, replayed: true });
      expect(ran).toBe(0);
      const fresh = await guard.run('p1', 'not-written', null, retry('not-written'));
      expect(fresh.replayed).toBe(false);
      expect(ran).toBe(1);
      expect(await stored(s, 'written')).toBe(2);
      expect(await stored(s, 'not-written')).toBe(2);
      expect(await f.rows()).toEqual([]);
    });

    it('keeps the claim past a 503 until the write it held settles, so a retry then finds the stored answer', async () => {
      f = await schemaFixture();
      const s = await openStore();
      const [a, b] = [new IdempotencyGuard(s, f.instance({ waitMs: 5_000 })), new IdempotencyGuard(s, f.instance({ waitMs: 5_000 }))];
      let settle!: () => void;
      const landed = new Promise<void>((r) => (settle = r));
      // A's write outlives its answer (a commit timeout while the INSERT runs): A answers 503, the write lands later.
      const failed = await a.run('p1', 'late', null, async (attempt) => {
        const done = attempt.holdUntilSettled();
        void (async () => {
          await sleep(300);
          await write(s, 'late');
          done();
          settle();
        })();
        throw new Error('commit timed out');
      }).catch((e: Error) => e.message);
      expect(failed).toBe('commit timed out');
      let ranOnB = false;
      const retried = await b.run('p1', 'late', null, async () => {
        ranOnB = true;
        return write(s, 'late');
      });
      await landed;
      expect(ranOnB).toBe(false);
      expect(retried.replayed).toBe(true);
      expect(await stored(s, 'late')).toBe(2);
    });
  });
});

/** The reason `claim`'s signal aborts with, within `ms`. */
function aborted(claim: IdempotencyClaim, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (claim.signal.aborted) return resolve(claim.signal.reason);
    const timer = setTimeout(() => reject(new Error(`the signal did not abort within ${ms} ms`)), ms);
    claim.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(claim.signal.reason);
    }, { once: true });
  });
}
