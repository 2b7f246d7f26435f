import type { StoredEvent } from '@pulse/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores, type EmbeddedStores } from '../store/duckdb/index.js';
import type { EventStore } from '../store/types.js';
import { renderReport } from './render.js';
import { buildSummary } from './summary.js';
import { blankEvent } from '../test-support/blank-event.js';

const HOUR = 3_600_000;
const DAY0 = Date.parse('2026-11-30T00:00:00Z');
const ev = blankEvent;

let stores: EmbeddedStores | null = null;
afterEach(async () => {
  await stores?.close();
  stores = null;
});

/** The store with its queries counted. */
async function open(events: StoredEvent[]): Promise<{ store: EventStore; queries: () => number }> {
  stores = await openEmbeddedStores({ dataDir: ':memory:' });
  await stores.store.append({ events });
  const inner = stores.store;
  let n = 0;
  const store = Object.create(inner, { query: { value: (sql: string, params: never) => ((n += 1), inner.query(sql, params)) } }) as EventStore;
  return { store, queries: () => n };
}

const day = (store: EventStore, start = DAY0) =>
  buildSummary({ store, project: 'default', period: { startMs: start, endMs: start + 24 * HOUR }, previous: { startMs: start - 24 * HOUR, endMs: start }, label: 'daily' });

describe('report: tokens the cost leaves out', () => {
  it('counts the tokens of events without a cost and names their models, most tokens first, in every form', async () => {
    const { store } = await open([
      // Priced: in the cost.
      ev({ ts: DAY0 + HOUR, model: 'gpt-4o', input_tokens: 100, output_tokens: 40, cost_usd: 0.3, duration_ms: 900 }),
      // No cost (a model the pricing table does not know): 10,000 + 2,345 + 5 tokens left out.
      ev({ ts: DAY0 + 2 * HOUR, model: 'other', input_tokens: 2000, output_tokens: 345 }),
      ev({ ts: DAY0 + 3 * HOUR, model: 'new-model', input_tokens: 6000, output_tokens: 1500 }),
      ev({ ts: DAY0 + 4 * HOUR, model: 'new-model', input_tokens: 2000, output_tokens: 500 }),
      ev({ ts: DAY0 + 5 * HOUR, input_tokens: 5 }),
    ]);
    const s = await day(store);
    expect(s.cost).toMatchObject({ usd: 0.3, unpriced_tokens: 12_350 });
    expect(s.cost.unpriced_models).toEqual([{ model: 'new-model', tokens: 10_000 }, { model: 'other', tokens: 2345 }, { model: null, tokens: 5 }]);

    const r = renderReport(s);
    const line = 'Cost excludes 12,350 tokens of models without a price: new-model, other, (no model)';
    expect(r.text).toContain(`Cost\n  Cost: $0.3000\n  Trend: no cost in the previous period\n  Unpriced: ${line}\n`);
    expect(r.html).toContain(`<tr><td style="color:#5a6475">Unpriced</td><td>${line}</td></tr>`);
    expect(r.slack.attachments[0]!.fields.find((f) => f.title === 'Cost: Unpriced')?.value).toBe(line);
    expect(r.discord.embeds[0]!.fields.find((f) => f.name === 'Cost')?.value).toContain(`**Unpriced**: ${line}`);
    expect(r.json.report.cost).toMatchObject({ unpriced_tokens: 12_350, unpriced_models: s.cost.unpriced_models });
  });

  it('says nothing, and asks nothing more, when every token was priced', async () => {
    const events = [ev({ ts: DAY0 + HOUR, model: 'gpt-4o', input_tokens: 100, output_tokens: 40, cost_usd: 0.3 }), ev({ ts: DAY0 + 2 * HOUR, type: 'message' })];
    const { store, queries } = await open(events);
    const s = await day(store);
    expect(s.cost).toEqual({ usd: 0.3, previous_usd: 0, change_pct: null, unpriced_tokens: 0, unpriced_models: [] });
    const r = renderReport(s);
    expect(r.text).not.toContain('Unpriced');
    expect(r.html).not.toContain('without a price');
    expect(r.slack.attachments[0]!.fields.map((f) => f.title)).not.toContain('Cost: Unpriced');
    // The per-model query of unpriced tokens runs only for a period that has some.
    const priced = queries();
    await stores!.store.append({ events: [ev({ ts: DAY0 + 3 * HOUR, model: 'new-model', input_tokens: 10 })] });
    await day(store);
    expect(queries() - priced).toBe(priced + 1);
  });

  it('names the five models with the most unpriced tokens, and says there were others', async () => {
    const { store } = await open(Array.from({ length: 7 }, (_, i) => ev({ ts: DAY0 + HOUR, model: `m${i}`, input_tokens: 100 * (i + 1) })));
    const s = await day(store);
    expect(s.cost.unpriced_tokens).toBe(2800);
    expect(s.cost.unpriced_models.map((m) => m.model)).toEqual(['m6', 'm5', 'm4', 'm3', 'm2']);
    expect(renderReport(s).text).toContain('Unpriced: Cost excludes 2,800 tokens of models without a price: m6, m5, m4, m3, m2, and others\n');
  });
});
