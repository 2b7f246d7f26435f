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
