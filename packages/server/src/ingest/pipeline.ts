import { validateEvents } from '@pulse/protocol';
import type { StoredEvent } from '@pulse/protocol';
import type { Enricher } from './enrich/enrich.js';

export interface PreparedBatch {
  events: StoredEvent[];
  rejected: { index: number; error: string }[];
}

/**
 * Validate → enrich → tag with the project. Bad events are reported by index and never stop the
 * good ones from being stored.
 */
export function prepareEvents(
  raws: readonly unknown[],
  project: string,
  nowMs: number,
  enricher: Enricher,
  storeText: boolean,
): PreparedBatch {
  const { records, rejected } = validateEvents(raws, nowMs);
  const events = records as StoredEvent[];
  const opts = { storeText };
  for (const r of events) {
    enricher.enrich(r, opts);
    r.project = project;
  }
  return { events, rejected };
}

/** Events prepared between two looks at the clock: ~10 ms of text enrichment for chat messages. */
export const PREPARE_SLICE = 250;

export interface YieldingOptions {
  /** Synchronous work allowed before the event loop gets its turn (default 10 ms, as the store's commit path). */
  budgetMs?: number;
  /** How the loop gets its turn (default: setImmediate, so pending I/O — `GET /health` — is served first). */
  yieldToLoop?: () => Promise<void>;
}

const setImmediateTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `prepareEvents` for request bodies, `PREPARE_SLICE` events at a time, yielding to the event loop whenever a tick
 * has used its budget: validating and enriching a 10,000-message body (5 MB) takes ~400 ms of CPU, which in one go
 * held every other request — `GET /health` included — as long. Same result as `prepareEvents`.
 */
export async function prepareEventsYielding(
  raws: readonly unknown[],
  project: string,
  nowMs: number,
  enricher: Enricher,
  storeText: boolean,
  options: YieldingOptions = {},
): Promise<PreparedBatch> {
  if (raws.length <= PREPARE_SLICE) return prepareEvents(raws, project, nowMs, enricher, storeText);
  const budgetMs = options.budgetMs ?? 10;
  const yieldToLoop = options.yieldToLoop ?? setImmediateTurn;
  const events: StoredEvent[] = [];
  const rejected: PreparedBatch['rejected'] = [];
  let tick = performance.now();
  for (let start = 0; start < raws.length; start += PREPARE_SLICE) {
    if (start > 0 && performance.now() - tick >= budgetMs) {
      await yieldToLoop();
      tick = performance.now();
    }
    const part = prepareEvents(raws.slice(start, start + PREPARE_SLICE), project, nowMs, enricher, storeText);
    for (const e of part.events) events.push(e);
    for (const r of part.rejected) rejected.push({ index: r.index + start, error: r.error });
  }
  return { events, rejected };
}
