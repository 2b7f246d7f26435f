/** The in-process claims against the contract (the PostgreSQL ones: store/postgres/idempotency-claims.test.ts). */
import { describe, expect, it } from 'vitest';
import { LocalIdempotencyClaims } from './idempotency-claims.js';
import { idempotencyClaimsContract } from './test-support/idempotency-claims.contract.js';

idempotencyClaimsContract('in-process', async () => ({
  open: async ({ waitMs }) => new LocalIdempotencyClaims({ waitMs }),
  cleanup: async () => undefined,
}));

describe('in-process claims, beyond the contract', () => {
  it('without a wait bound, a second attempt waits as long as the holder holds, and a claim is never lost', async () => {
    const claims = new LocalIdempotencyClaims();
    const first = await claims.acquire('p', 'k');
    let second: Awaited<ReturnType<LocalIdempotencyClaims['acquire']>> | null = null;
    const waiting = claims.acquire('p', 'k').then((c) => (second = c));
    await new Promise((r) => setTimeout(r, 200));
    expect(second).toBeNull();
    expect(first.signal.aborted).toBe(false);
    await first.release();
    await waiting;
    expect(second).not.toBeNull();
    expect(second!.signal.aborted).toBe(false);
    await second!.release();
  });
});
