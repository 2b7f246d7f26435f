import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIMITS } from '@pulse/protocol';
import { HttpError } from '../http/errors.js';

/**
 * A memory budget for the request bodies the ingest routes hold at once (`PULSE_INGEST_INFLIGHT_MB`): each body is
 * counted as its bytes arrive — a slow client holds only what it has sent — and, when it was compressed, its
 * decompressed size too, until its answer has gone. A request that would pass the budget is answered
 * `503 overloaded` with `Retry-After` (the server's condition, not the client's mistake) and its connection closed,
 * so the rest of its body is never read. Without it, 200 clients sending 5 MiB bodies at once would hold 1 GB of
 * buffers, and several times that once parsed.
 */
export class BodyBudget {
  private used = 0;

  /** `maxBytes` ≤ 0: no budget (every body fits). */
  constructor(readonly maxBytes: number) {}

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes held now. */
  get inUse(): number {
    return this.used;
  }

  /**
   * Whether `bytes` more would fit now (without taking them), for a body already holding `own` of the bytes in use. A
   * body held alone always fits, whatever its size, so a budget smaller than one large request slows it down but never
   * refuses it for ever.
   */
  fits(bytes: number, own = 0): boolean {
    return !this.enabled || this.used - own <= 0 || this.used + bytes <= this.maxBytes;
  }

  /** Takes `bytes` (for a body holding `own` already); false — and nothing taken — when they would pass the budget. */
  take(bytes: number, own = 0): boolean {
    if (!this.fits(bytes, own)) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

export function overBudget(budget: BodyBudget, retryAfterSeconds: number): HttpError {
  const mb = Math.round(budget.maxBytes / 1024 / 1024);
  return new HttpError(
    503,
    'overloaded',
    `the server is holding its limit of ${mb} MB of request bodies (PULSE_INGEST_INFLIGHT_MB); retry after ${retryAfterSeconds}s`,
    { 'retry-after': String(retryAfterSeconds), connection: 'close' },
  );
}

/** What one request holds of the budget, released once when its answer has gone (or its connection closed). */
class Holding {
  private bytes = 0;
  private released = false;
  constructor(private readonly budget: BodyBudget) {}

  take(bytes: number): boolean {
    if (this.released) return true;
    // Its own chunks do not count against it: a body held alone always fits.
    if (!this.budget.take(bytes, this.bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.release(this.bytes);
    this.bytes = 0;
  }
}

const holdings = new WeakMap<FastifyRequest, Holding>();

/**
 * Counts the bodies of `scope`'s routes against `budget`: a request whose announced `Content-Length` would not fit is
 * refused before its body is read; otherwise each chunk is taken as it arrives, and the whole is given back when
 * the response closes. An announced length past the body limit is left to the parser's 413.
 */
export function limitBodiesInFlight(scope: FastifyInstance, budget: BodyBudget, retryAfterSeconds: number): void {
  if (!budget.enabled) return;
  scope.addHook('preParsing', async (request, reply, payload) => {
    const announced = Number(request.headers['content-length']);
    if (announced <= LIMITS.maxRequestBytes && !budget.fits(announced)) throw overBudget(budget, retryAfterSeconds);
    const holding = new Holding(budget);
    holdings.set(request, holding);
    reply.raw.once('close', () => holding.release());
    const counted = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        if (holding.take(chunk.length)) callback(null, chunk);
        else callback(overBudget(budget, retryAfterSeconds));
      },
    });
    payload.on('error', (err) => counted.destroy(err));
    return payload.pipe(counted);
  });
}

/**
 * Takes a body's decompressed size (beside the compressed bytes already counted) for the rest of the request;
 * throws the 503 when it does not fit. A no-op for requests the budget does not count.
 */
export function holdDecodedBody(request: FastifyRequest, bytes: number, budget: BodyBudget | undefined, retryAfterSeconds: number): void {
  const holding = holdings.get(request);
  if (budget === undefined || holding === undefined) return;
  if (!holding.take(bytes)) throw overBudget(budget, retryAfterSeconds);
}
