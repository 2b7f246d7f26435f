import { createHash } from 'node:crypto';
import { HttpError } from '../http/errors.js';
import type { EventStore } from '../store/types.js';
import { LocalIdempotencyClaims, type IdempotencyClaims } from './idempotency-claims.js';

export interface IngestResponse {
  status: number;
  body: string;
}

/** `Idempotency-Key`: printable ASCII, at most 255 characters (the IETF draft's shape). */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined) return null;
  // Sent but empty: a client that meant to key its batches (and would lose retry protection silently) is told.
  if (v === '') throw new HttpError(400, 'invalid_header', 'Idempotency-Key: empty; send 1..255 printable ASCII characters, or no header');
  if (v.length > 255 || !/^[\x21-\x7e]+$/.test(v)) {
    throw new HttpError(400, 'invalid_header', 'Idempotency-Key: must be 1..255 printable ASCII characters');
  }
  return v;
}

/**
 * Names a request's body for its idempotency record: the SHA-256 of the body as decoded (after Content-Encoding), so a
 * retry compressed again by a client whose gzip headers carry a time still matches.
 */
export function bodyFingerprint(decoded: Buffer): string {
  return createHash('sha256').update(decoded).digest('base64url');
}

/** What an attempt holding the claim gets: the claim's signal, and a way to keep the claim past the answer. */
export interface ClaimedAttempt {
  /** Aborted when the claim may have been lost: pass it to the write, which then must not begin (IdempotencyClaim). */
  readonly signal: AbortSignal;
  /**
   * Keeps the claim until the returned function is called, even after the attempt has answered: for a write that may
   * still land after a 503 (a commit timeout while its INSERT runs), so that a retry looks only once it has settled.
   */
  holdUntilSettled(): () => void;
}

/**
 * Makes a retried request a no-op. The answer is stored with the events (so after a crash the retry finds it), and
 * attempts with the same key take turns through `claims` — in this process, or with a shared implementation on every
 * instance (store/postgres/idempotency-claims.ts) — so a duplicate looks for the stored answer only once the attempt
 * before it has stored it or failed, however the two arrive.
 */
export class IdempotencyGuard {
  constructor(
    private readonly store: Pick<EventStore, 'getIdempotency'>,
    private readonly claims: IdempotencyClaims = new LocalIdempotencyClaims(),
  ) {}

  /**
   * `fingerprint` names the request's body (null: the key names it already): a stored answer with another
   * fingerprint is for a different request, refused with 422 (the IETF Idempotency-Key draft's answer) and nothing
   * of this one is stored.
   */
  async run(project: string, key: string, fingerprint: string | null, work: (attempt: ClaimedAttempt) => Promise<IngestResponse>): Promise<IngestResponse & { replayed: boolean }> {
    const claim = await this.claims.acquire(project, key);
    let holds = 0;
    let answered = false;
    const release = (): void => void claim.release();
    try {
      const stored = await this.store.getIdempotency(project, key);
      if (stored) {
        if (stored.fingerprint !== null && fingerprint !== null && stored.fingerprint !== fingerprint) {
          throw new HttpError(422, 'idempotency_key_reused', 'Idempotency-Key: already used with a different body in the last 24 hours; send a new key with each batch');
        }
        return { status: stored.status, body: stored.response, replayed: true };
      }
      const attempt: ClaimedAttempt = {
        signal: claim.signal,
        holdUntilSettled: () => {
          holds++;
          let settled = false;
          return () => {
            if (settled) return;
            settled = true;
            if (--holds === 0 && answered) release();
          };
        },
      };
      return { ...(await work(attempt)), replayed: false };
    } finally {
      answered = true;
      // Released before answering when nothing may still land (the next retry then finds the key free at once);
      // otherwise when the last held write settles.
      if (holds === 0) await claim.release();
    }
  }
}
