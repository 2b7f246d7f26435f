import { validateEvents, type StoredEvent } from '@pulse/protocol';
import { createEnricher } from '../ingest/enrich/enrich.js';
import { createPricing } from '../ingest/enrich/pricing.js';

/**
 * Events as ingest stores them: validated as received at `receivedAt` (events it rejects are left out) and enriched
 * without keeping text, in `project`. For tests that append straight into a store.
 */
export function storedEvents(raw: readonly unknown[], receivedAt: number, project: string): StoredEvent[] {
  const enricher = createEnricher({ pricing: createPricing([]) });
  const { records } = validateEvents(raw as unknown[], receivedAt);
  return records.map((r) => {
    enricher.enrich(r, { storeText: false });
    return { ...r, project };
  });
}
