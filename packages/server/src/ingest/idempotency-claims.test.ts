/** The in-process claims against the contract (the PostgreSQL ones: store/postgres/idempotency-claims.test.ts). */
import { LocalIdempotencyClaims } from './idempotency-claims.js';
import { idempotencyClaimsContract } from './test-support/idempotency-claims.contract.js';

idempotencyClaimsContract('in-process', async () => ({
  open: async ({ waitMs }) => new LocalIdempotencyClaims({ waitMs }),
  cleanup: async () => undefined,
}));
