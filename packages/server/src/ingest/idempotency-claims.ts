import { StoreUnavailableError } from '../store/types.js';

/**
 * One attempt's hold on an `Idempotency-Key`: while it is held, no other attempt with the same key (in this process,
 * or with a shared implementation on any instance) gets past `acquire`.
 */
export interface IdempotencyClaim {
  /**
   * Aborted when the claim may have been lost (a shared claim whose lease could not be renewed in time): a write
   * that has not begun must not begin. Never aborted by the in-process implementation.
   */
  readonly signal: AbortSignal;
  /** Gives the key up: its answer is in the event store now, or nothing of the attempt was stored. Never throws. */
  release(): Promise<void>;
}

/**
 * Serialises the attempts carrying the same `Idempotency-Key` of a project, so that the second one looks for the
 * first one's stored answer only after the first has stored it (or failed). The in-process implementation is all one
 * process needs; instances sharing an event store share their claims in PostgreSQL
 * (store/postgres/idempotency-claims.ts).
 */
export interface IdempotencyClaims {
  /**
   * Takes the key, waiting while another attempt holds it. Rejects with ClaimTimeoutError (503 with Retry-After) when
   * the key is not free within the implementation's wait bound, with StoreUnavailableError when the claims cannot be
   * reached.
   */
  acquire(project: string, key: string): Promise<IdempotencyClaim>;
  /** Deletes the claims their holders left behind (they died holding them); returns how many. Retention runs it. */
  deleteExpired(): Promise<number>;
  /** Stops background work (lease renewal). Claims still held are not released: as if the process died. */
  close(): Promise<void>;
}

/** The key stayed held by another attempt for longer than the wait bound: answered 503 with Retry-After, nothing stored. */
export class ClaimTimeoutError extends StoreUnavailableError {
  override readonly name = 'ClaimTimeoutError';
}

/** The claim's lease could not be renewed in time: the attempt's write had not begun and was dropped. */
export class ClaimLostError extends StoreUnavailableError {
  override readonly name = 'ClaimLostError';
}

const NEVER = new AbortController().signal;

export interface LocalClaimsOptions {
  /** How long `acquire` waits at most for the holder (default: until it releases). */
  waitMs?: number;
}

/**
 * Claims within one process: a map of the held keys; an `acquire` of a held key waits for its release, then takes it
 * (waiters are woken in arrival order, and the first to run takes the key; the others wait again).
 */
export class LocalIdempotencyClaims implements IdempotencyClaims {
  private readonly held = new Map<string, Promise<void>>();

  constructor(private readonly options: LocalClaimsOptions = {}) {}

  /** Keys held now (for tests and metrics). */
  get size(): number {
    return this.held.size;
  }

  async acquire(project: string, key: string, deadline?: number): Promise<IdempotencyClaim> {
    const id = `${project}\u0000${key}`;
    const until = deadline ?? (this.options.waitMs === undefined ? Infinity : Date.now() + this.options.waitMs);
    for (let current = this.held.get(id); current !== undefined; current = this.held.get(id)) {
      await waitFor(current, until, key);
    }
    let free!: () => void;
    const released = new Promise<void>((resolve) => (free = resolve));
    this.held.set(id, released);
    let done = false;
    return {
      signal: NEVER,
      release: async () => {
        if (done) return;
        done = true;
        if (this.held.get(id) === released) this.held.delete(id);
        free();
      },
    };
  }

  async deleteExpired(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}

/** Resolves when `p` does; rejects with ClaimTimeoutError at `until` (epoch ms) if it has not. */
async function waitFor(p: Promise<void>, until: number, key: string): Promise<void> {
  if (until === Infinity) return p;
  const left = until - Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(claimTimeout(key)), Math.max(0, left));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function claimTimeout(key: string, holder?: string): ClaimTimeoutError {
  return new ClaimTimeoutError(
    `Idempotency-Key ${JSON.stringify(key)} is held by another attempt${holder ? ` (on instance ${holder})` : ''} that has not finished; retry later`,
  );
}
