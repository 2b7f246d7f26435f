import type { StoredEvent } from '@pulse/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores, type EmbeddedStores } from '../../store/duckdb/index.js';
import { performanceMetrics } from './performance-metrics.js';

/** The throughput figures over a range whose minutes are past retention (raw events and minute rollups deleted). */
let stores: EmbeddedStores | null = null;
afterEach(async () => {
  await stores?.close();
  stores = null;
});

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const event = (ts: number): StoredEvent => ({
  project: 'p', id: null, ts, type: 'llm', name: null, service: null, environment: null, user_id: null, session_id: null,
  persona: null, channel: null, guild: null, prompt_id: null, model: 'm', provider: null, input_tokens: null, output_tokens: null,
  cost_usd: null, duration_ms: 100, ttft_ms: null, status: 'ok', error_type: null, error_message: null, severity: null, value: null,
  target: null, text: null, sentiment: null, phases: null, attributes: null,
});

describe('performance metrics throughput', () => {
  it('past the minutes kept, the peak minute is unknown (null), not 0 beside an average above 0', async () => {
    stores = await openEmbeddedStores({ dataDir: ':memory:', clock: { now: () => NOW } });
    const day = NOW - 20 * DAY - (NOW % DAY); // a whole day 20 days ago
    // 1,440 events over that day: 3 in its busiest minute.
    await stores.store.append({ events: [...Array.from({ length: 1437 }, (_, i) => event(day + i * 60_000)), event(day + 60_000), event(day + 60_000 + 1), event(day + 60_000 + 2)] });
    const range = { startMs: day, endMs: day + DAY };
    const input = { store: stores.store, project: 'p', range, filters: [] };
    const before = await performanceMetrics(input, null, NOW);
    expect(before.throughput).toEqual({ events_per_minute: 1, peak_events_per_minute: 4, peak_minute: new Date(day + 60_000).toISOString().replace('.000Z', 'Z') });

    // Retention: raw events and minute rollups go after 7 days; the hourly and daily rollups stay.
    await stores.store.rollups!.catchUp();
    const cutoff = NOW - 7 * DAY;
    await stores.store.deleteBefore(cutoff);
    await stores.store.rollups!.deleteBefore({ minute: cutoff, hour: 0, day: 0 });
    const after = await performanceMetrics(input, null, NOW);
    expect(after.response_time.events).toBe(1440);
    expect(after.throughput).toEqual({ events_per_minute: 1, peak_events_per_minute: null, peak_minute: null });
  });
});
