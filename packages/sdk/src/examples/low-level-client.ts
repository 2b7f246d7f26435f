/* Runnable example quoted in docs/sdk.md (between the region markers); run by examples.test.ts. */
// #region docs
import { PulseClient } from '@pulse/sdk';

// url and apiKey default to PULSE_URL (else http://127.0.0.1:8000) and PULSE_API_KEY.
const client = new PulseClient({
  batchSize: 100,
  flushIntervalMs: 30_000,
  sampling: { http: 0.1 }, // keep 10% of http events; errors are always kept
  maxAttributeCardinality: 1000,
  spoolDir: process.env.PULSE_SPOOL_DIR, // undelivered batches survive a restart
});

client.track({
  type: 'llm', model: 'gpt-4o-mini', provider: 'openai', input_tokens: 812, output_tokens: 96,
  duration_ms: 1430, ttft_ms: 220, user_id: 'u42', persona: 'scav', channel: 'general',
});
client.track({ type: 'http', name: '/v1/chat', duration_ms: 38, attributes: { method: 'POST', status_code: 200 } });

export const { tracked, sent, dropped } = client.stats();
await client.shutdown(); // flushes; safe to call twice
// #endregion docs
