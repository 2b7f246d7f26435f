import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEvents, type StoredEvent } from '@pulse/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnricher } from '../ingest/enrich/enrich.js';
import { createPricing } from '../ingest/enrich/pricing.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import { syntheticEvents } from '../synthetic/index.js';
import { GRAINS } from './definition.js';
import { mergeByTime, tsOf, unpricedEvents } from './test-support/unpriced-events.js';

/**
 * The two ways rows get into the rollup tables — aggregated in memory as batches commit (accumulator.ts), and
 * aggregated back out of the events table by SQL (store/duckdb/rollups.ts, for a backlog) — must write the same rows.
 * Same events into two stores, one each way; every table compared row by row after both merged their deltas.
 */
const DAY = 86_400_000;
const END = Date.UTC(2026, 10, 20, 14, 37, 12, 345);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function stored(): StoredEvent[] {
  const enricher = createEnricher({ pricing: createPricing([]) });
  // With calls of models the table does not price, some priced by the client (priced_tokens of mixed rows).
  const raw = mergeByTime<object>([...syntheticEvents({ seed: 11, startMs: END - 3 * DAY, endMs: END, count: 8_000 })], unpricedEvents(END - 3 * DAY, END, 60), tsOf);
  const { records } = validateEvents(JSON.parse(JSON.stringify(raw)), END);
  return records.map((r) => {
    enricher.enrich(r, { storeText: false });
    return { ...r, project: r.persona === 'luna' ? 'p2' : 'p1' };
  });
}

const TABLES = GRAINS.flatMap((g) => [g.table, ...g.sketchTables.map((t) => t.table), ...(g.phasesTable ? [g.phasesTable] : [])]);

async function tables(viaMemory: boolean, events: readonly StoredEvent[]): Promise<Record<string, Record<string, unknown>[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-acc-'));
  dirs.push(dir);
  if (!viaMemory) {
    const before = await openEmbeddedStores({ dataDir: dir, rollups: false });
    for (let i = 0; i < events.length; i += 700) await before.store.append({ events: events.slice(i, i + 700) });
    await before.close();
  }
  const stores = await openEmbeddedStores({ dataDir: dir, clock: { now: () => END + DAY } });
  try {
    if (viaMemory) {
      for (let i = 0; i < events.length; i += 700) {
        await stores.store.append({ events: events.slice(i, i + 700) });
        if (i % 2_800 === 0) await stores.store.rollups!.catchUp();
      }
    }
    const run = await stores.store.rollups!.catchUp();
    expect(run.watermark).toBe(events.length);
    await stores.store.rollups!.compactNow();
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const t of TABLES) {
      out[t] = await stores.store.query(`SELECT * EXCLUDE (compacted) FROM ${t} ORDER BY ALL`, []);
    }
    return out;
  } finally {
    await stores.close();
  }
}

describe('rollup rows from memory and from the table', () => {
  it('are the same, table by table, row by row', async () => {
    const events = stored();
    const [memory, table] = await Promise.all([tables(true, events), tables(false, events)]);
    for (const t of TABLES) {
      const a = memory[t]!;
      const b = table[t]!;
      expect(a.length, t).toBe(b.length);
      expect(a.length, t).toBeGreaterThan(0);
      a.forEach((row, i) => {
        for (const [column, v] of Object.entries(row)) {
          const w = b[i]![column];
          const where = `${t}[${i}].${column}`;
          // Floating sums to rounding (DuckDB adds in the order its threads meet the rows): 207 vs 206.99999999999997.
          if (typeof v === 'number' && typeof w === 'number' && !(Number.isInteger(v) && Number.isInteger(w))) {
            expect(Math.abs(v - w), where).toBeLessThanOrEqual(Math.abs(w) * 1e-9 + 1e-9);
          } else {
            expect(v, where).toEqual(w);
          }
        }
      });
    }
  }, 120_000);
});

describe('rollup rows from memory: keys', () => {
  it('keep apart values that differ only where a joined key would not (separators, NUL, null)', async () => {
    // One hour, one of each: joined with a separator, ('a\u0001b', 'c') and ('a', 'b\u0001c') made one key, and a
    // model '\u0000' the same key as no model — their sketches and phases were merged into the first one's row.
    const ts = END - 2 * 3_600_000;
    const input = [
      { type: 'llm', ts, name: 'a\u0001b', model: 'c', duration_ms: 100, phases: { llm_inference: 90 } },
      { type: 'llm', ts: ts + 1, name: 'a', model: 'b\u0001c', duration_ms: 100, phases: { llm_inference: 4_000 } },
      { type: 'llm', ts: ts + 2, name: 'x', model: '\u0000', duration_ms: 7, phases: { tts: 5 } },
      { type: 'llm', ts: ts + 3, name: 'x', duration_ms: 7, phases: { tts: 8_000 } },
    ];
    const { records, rejected } = validateEvents(JSON.parse(JSON.stringify(input)), END);
    expect(rejected).toEqual([]);
    const events = records.map((r) => ({ ...r, project: 'p1' }));
    const [memory, table] = await Promise.all([tables(true, events), tables(false, events)]);
    for (const t of ['latency_hour_by_model', 'phases_hour']) {
      expect(memory[t], t).toHaveLength(table[t]!.length);
      expect(memory[t], t).toEqual(table[t]);
    }
  }, 60_000);
});
