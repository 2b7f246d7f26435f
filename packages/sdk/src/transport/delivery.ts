import { LIMITS } from '@pulse/protocol';
import type { Batch } from './batch.js';
import { batchEvents, splitBatch } from './batch.js';
import { backoffDelay, sleep } from './backoff.js';
import type { Counters } from './counters.js';
import { encodeBatch, sendBatch } from './http-sender.js';
import type { SenderConfig } from './http-sender.js';
import type { ThrottledLog } from './log.js';
import type { Spool } from './spool.js';
import type { SendResult } from './types.js';

export interface DeliveryContext {
  sender: SenderConfig;
  spool: Spool | undefined;
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
  /** Aborted when `shutdown()` runs out of time: stop waiting, keep what can be kept. */
  signal: AbortSignal;
  counters: Counters;
  log: ThrottledLog;
  /** A batch that could not be delivered now but is safe on disk. */
  onParked(batch: Batch): void;
  /** The server answered 2xx: parked batches are worth another try. */
  onHealthy(): void;
}

async function prepare(batch: Batch, ctx: DeliveryContext): Promise<'ready' | 'oversize' | 'gone'> {
  if (batch.body) return 'ready';
  if (batch.spool && ctx.spool) {
    try {
      batch.body = await ctx.spool.read(batch.spool);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Another instance on the directory delivered and removed it: nothing to send, nothing lost; the spool's
      // size stops counting it.
      await ctx.spool.remove(batch.spool).catch(() => {});
      return 'gone';
    }
    return 'ready';
  }
  const { body, rawBytes } = await encodeBatch(batch.events ?? []);
  if (rawBytes > LIMITS.maxRequestBytes && batch.count > 1) return 'oversize';
  batch.body = body;
  return 'ready';
}

/** Writes the batch to the spool if there is one and it is not there yet; false when it cannot be kept. */
/** Whether the batch is on disk; otherwise why not: the spool is full, a write failed, or there is no spool. */
async function persist(batch: Batch, ctx: DeliveryContext): Promise<true | 'spool_full' | 'spool_write_failed' | 'no_spool'> {
  if (batch.spool) return true;
  if (!ctx.spool || !batch.body) return 'no_spool';
  try {
    const entry = await ctx.spool.write(batch.key, batch.count, batch.body);
    if (!entry) return 'spool_full';
    batch.spool = entry;
    return true;
  } catch (err) {
    ctx.log.warn('spool_write_failed', { err: (err as Error).message }, 'pulse: could not write to the spool');
    return 'spool_write_failed';
  }
}

async function settle(batch: Batch, ctx: DeliveryContext): Promise<void> {
  if (batch.spool && ctx.spool) await ctx.spool.remove(batch.spool).catch(() => {});
}

async function onSuccess(batch: Batch, res: Extract<SendResult, { kind: 'success' }>, ctx: DeliveryContext): Promise<void> {
  const rejected = res.rejected.length;
  ctx.counters.sent += Math.max(0, batch.count - rejected);
  if (rejected > 0) {
    ctx.counters.drop('rejected', rejected);
    const events = await batchEvents(batch).catch(() => []);
    const sample = res.rejected.slice(0, 5).map((r) => ({ index: r.index, type: events[r.index]?.type, error: r.error }));
    // Resending would be rejected again: the accepted ones are stored, the rest are dropped with the reason.
    ctx.log.warn('rejected', { rejected, sample }, 'pulse: server rejected events');
  }
  ctx.onHealthy();
}

/**
 * Sends one batch until the server has answered for it: success, a definitive failure (dropped and
 * counted), or retries exhausted (spooled when a spool is configured, else dropped). Never throws.
 */
export async function deliver(batch: Batch, ctx: DeliveryContext): Promise<void> {
  const prepared = await prepare(batch, ctx);
  if (prepared === 'gone') return;
  if (prepared === 'oversize') return deliverHalves(batch, ctx);
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal.aborted) return giveUp(batch, ctx, 'shutdown_timeout');
    ctx.counters.requests++;
    const res = await sendBatch(ctx.sender, batch.body as Buffer, batch.count, batch.key, ctx.signal);
    if (res.kind === 'success') {
      await onSuccess(batch, res, ctx);
      return settle(batch, ctx);
    }
    if (res.kind === 'failure') {
      if (res.tooLarge && batch.count > 1) {
        await deliverHalves(batch, ctx);
        return settle(batch, ctx);
      }
      ctx.counters.drop(res.reason, batch.count);
      ctx.log.warn(res.reason, { status: res.status, events: batch.count, detail: res.detail }, 'pulse: batch dropped, not retryable');
      return settle(batch, ctx);
    }
    // Retryable: make it crash-safe first, so a host restart during the backoff loses nothing.
    await persist(batch, ctx);
    if (ctx.signal.aborted) return giveUp(batch, ctx, 'shutdown_timeout');
    if (attempt >= ctx.maxRetries) return giveUp(batch, ctx, 'retries_exhausted');
    ctx.counters.retries++;
    // A Retry-After of 0 (an HTTP date already past, e.g. this host's clock ahead of the server's) would spend every
    // retry back to back in milliseconds: it falls back to the backoff.
    const delay =
      res.retryAfterMs !== undefined && res.retryAfterMs > 0
        ? Math.min(res.retryAfterMs, ctx.maxRetryAfterMs)
        : backoffDelay(attempt, ctx.initialBackoffMs, ctx.maxBackoffMs);
    ctx.log.warn('retry', { reason: res.reason, attempt: attempt + 1, delayMs: delay }, 'pulse: send failed, will retry');
    await sleep(delay, ctx.signal);
  }
}

async function deliverHalves(batch: Batch, ctx: DeliveryContext): Promise<void> {
  const events = await batchEvents(batch);
  if (events.length <= 1) {
    ctx.counters.drop('too_large', batch.count);
    return;
  }
  for (const half of splitBatch(batch, events)) await deliver(half, ctx);
}

async function giveUp(batch: Batch, ctx: DeliveryContext, reason: string): Promise<void> {
  const persisted = await persist(batch, ctx);
  if (persisted === true) {
    ctx.onParked(batch);
    return;
  }
  const why = persisted === 'no_spool' ? reason : persisted;
  ctx.counters.drop(why, batch.count);
  ctx.log.warn(why, { events: batch.count }, 'pulse: batch dropped after retries');
}
