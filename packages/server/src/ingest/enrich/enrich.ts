/**
 * Server-side enrichment of validated records, in place, before they are queued for the store:
 * cost from the pricing table, sentiment and text facts (length, questions, emojis, mentions, topic)
 * from the text, and the text dropped unless the project keeps it. Values the client sent always win.
 */
import type { EventRecord } from '@pulse/protocol';
import type { Pricing } from './pricing.js';
import { sentimentOf } from './sentiment.js';
import { textFacts } from './text-facts.js';

export interface EnrichOptions {
  /** The project stores message text (default off: text is used for sentiment, then dropped). */
  storeText: boolean;
}

export interface Enricher {
  enrich(record: EventRecord, opts: EnrichOptions): void;
}

export interface EnricherDeps {
  pricing: Pricing;
}

export function createEnricher({ pricing }: EnricherDeps): Enricher {
  return {
    enrich(r, opts) {
      if (r.cost_usd === null && r.model !== null && (r.input_tokens !== null || r.output_tokens !== null)) {
        r.cost_usd = pricing.costUsd(r.model, r.ts, r.input_tokens ?? 0, r.output_tokens ?? 0, r.provider);
      }
      const explicitTopic = r.attributes?.topic ?? null;
      if (r.text !== null) {
        if (r.sentiment === null) r.sentiment = sentimentOf(r.text);
        const facts = textFacts(r.text);
        r.text_length = facts.text_length;
        r.questions = facts.questions;
        r.emojis = facts.emojis;
        r.mentions = facts.mentions;
        r.topic = explicitTopic ?? facts.topic;
        if (!opts.storeText) r.text = null;
      } else if (explicitTopic !== null) {
        r.topic = explicitTopic;
      }
    },
  };
}
