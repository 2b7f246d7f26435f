/** The IdempotencyClaims contract, on every implementation (interface only). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../store/types.js';
import { ClaimTimeoutError, type IdempotencyClaim, type IdempotencyClaims } from '../idempotency-claims.js';

export interface ClaimsFixture {
  /**
   * Claims whose `acquire` waits at most `waitMs`; a shared implementation's lease is short (about 500 ms), so holding
   * a claim for seconds needs its renewals. Each call of a shared implementation is another instance on the same data.
   */
  open(options: { waitMs: number }): Promise<IdempotencyClaims>;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function idempotencyClaimsContract(name: string, fixture: () => Promise<ClaimsFixture>): void {
  describe(`IdempotencyClaims contract: ${name}`, () => {
    let f: ClaimsFixture;
    beforeEach(async () => {
      f = await fixture();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it('takes a free key at once, and a held key only after its holder releases it', async () => {
      const claims = await f.open({ waitMs: 10_000 });
      const first = await claims.acquire('p1', 'k');
      let second: IdempotencyClaim | null = null;
      const waiting = claims.acquire('p1', 'k').then((c) => (second = c));
      // The same key of another project, and another key, are other requests: not held.
      const others = await Promise.all([claims.acquire('p2', 'k'), claims.acquire('p1', 'k2')]);
      await sleep(200);
      expect(second).toBeNull();
      await first.release();
      await waiting;
      expect(second).not.toBeNull();
      expect(second!.signal.aborted).toBe(false);
      await Promise.all([second!.release(), ...others.map((c) => c.release())]);
    });

    it('lets one attempt at a time through among many at once', async () => {
      const claims = await f.open({ waitMs: 10_000 });
      let inside = 0;
      let most = 0;
      const done: number[] = [];
      await Promise.all(Array.from({ length: 8 }, async (_, i) => {
        const claim = await claims.acquire('p1', 'crowded');
        inside++;
        most = Math.max(most, inside);
        await sleep(20);
        inside--;
        done.push(i);
        await claim.release();
      }));
      expect(most).toBe(1);
      expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('waits at most its bound, then rejects with ClaimTimeoutError (a 503); the holder keeps the key', async () => {
      const claims = await f.open({ waitMs: 300 });
      const held = await claims.acquire('p1', 'slow');
      const t0 = Date.now();
      const err = await claims.acquire('p1', 'slow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClaimTimeoutError);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toContain('"slow"');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(held.signal.aborted).toBe(false);
      await held.release();
      const next = await claims.acquire('p1', 'slow');
      await next.release();
    });

    it('keeps a claim held for longer than a lease, and a second release frees nothing else', async () => {
      const claims = await f.open({ waitMs: 300 });
      const first = await claims.acquire('p1', 'long');
      await sleep(1_500); // three short leases: held by renewal
      expect(first.signal.aborted).toBe(false);
      await expect(claims.acquire('p1', 'long')).rejects.toBeInstanceOf(ClaimTimeoutError);
      await first.release();
      const second = await claims.acquire('p1', 'long');
      await first.release(); // again: must not free the second holder's key
      await expect(claims.acquire('p1', 'long')).rejects.toBeInstanceOf(ClaimTimeoutError);
      expect(await claims.deleteExpired()).toBe(0); // a live claim is never expired
      await second.release();
    });
  });
}
