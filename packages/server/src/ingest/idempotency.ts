import { HttpError } from '../http/errors.js';
import type { EventStore } from '../store/types.js';

export interface IngestResponse {
  status: number;
  body: string;
}

/** `Idempotency-Key`: printable ASCII, at most 255 characters (the IETF draft's shape). */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v === '') return null;
  if (v.length > 255 || !/^[\x21-\x7e]+$/.test(v)) {
    throw new HttpError(400, 'invalid_header', 'Idempotency-Key: must be 1..255 printable ASCII characters');
  }
  return v;
}

/**
 * Makes a retried request a no-op. The committed answer is stored in the same commit as the events
 * (so after a crash the retry finds it); concurrent duplicates in this process wait for the first.
 */
export class IdempotencyGuard {
  private readonly inFlight = new Map<string, Promise<IngestResponse>>();

  constructor(private readonly store: EventStore) {}

  async run(project: string, key: string, work: () => Promise<IngestResponse>): Promise<IngestResponse & { replayed: boolean }> {
    const id = `${project}\u0000${key}`;
    const running = this.inFlight.get(id);
    if (running) return { ...(await running), replayed: true };
    const stored = await this.store.getIdempotency(project, key);
    if (stored) return { status: stored.status, body: stored.response, replayed: true };
    // Re-check: another request may have started while we read the store.
    const again = this.inFlight.get(id);
    if (again) return { ...(await again), replayed: true };
    const p = work();
    this.inFlight.set(id, p);
    try {
      return { ...(await p), replayed: false };
    } finally {
      this.inFlight.delete(id);
    }
  }
}
