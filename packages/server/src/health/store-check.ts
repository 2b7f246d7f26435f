import type { WriteBuffer } from '../ingest/write-buffer.js';
import { executeQuery } from '../query/run.js';
import type { EventStore } from '../store/types.js';
import type { ProbeResult } from './probes.js';

/** The built-in check of Pulse's own store; always present, name reserved. */
export const STORE_CHECK = { name: 'store', type: 'store', intervalMs: 10_000, timeoutMs: 3_000 } as const;

/** A read slower than this makes the store `degraded`. */
const SLOW_READ_MS = 1_000;

/**
 * The store answers a small query through the query layer, and the write queue has room: healthy. A slow read
 * or a queue more than half full: degraded. A failed read: unhealthy.
 */
export async function probeStore(deps: { store: EventStore; buffer: WriteBuffer; maxQueuedEvents: number; clock: { now(): number } }, timeoutMs: number): Promise<ProbeResult> {
  const t0 = performance.now();
  const now = deps.clock.now();
  const { rows } = await executeQuery(deps.store, { project: 'default', range: { startMs: now - 60_000, endMs: now }, filters: [], measures: ['count'], dimensions: [] });
  const latency = Math.round((performance.now() - t0) * 10) / 10;
  const queued = deps.buffer.queuedEvents;
  const extra = { dialect: deps.store.dialect, queued_events: queued, events_last_minute: Number(rows[0]?.count ?? 0) };
  if (latency > Math.min(SLOW_READ_MS, timeoutMs)) return { state: 'degraded', responseTimeMs: latency, details: `reads are slow (${latency} ms)`, extra };
  if (queued > deps.maxQueuedEvents / 2) return { state: 'degraded', responseTimeMs: latency, details: `write queue ${queued} of ${deps.maxQueuedEvents} events`, extra };
  return { state: 'healthy', responseTimeMs: latency, details: `${deps.store.dialect} answering, write queue ${queued} events`, extra };
}
