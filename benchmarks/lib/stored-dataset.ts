/**
 * A store already holding `count` events, for benches that measure reads (exports, alert rules, analytics): the
 * demo's synthetic generator over 30 days ending at `endMs`, validated and enriched as ingest stores them, appended
 * straight into a DuckDB file (no HTTP: 10M events load in about a minute instead of several). Built once per
 * (count, seed, endMs) under `.tmp/bench-cache/` and copied for each bench, so one `npm run bench` builds it once.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateEvents, type StoredEvent } from '../../packages/protocol/src/index.js';
import { createEnricher } from '../../packages/server/src/ingest/enrich/enrich.js';
import { createPricing } from '../../packages/server/src/ingest/enrich/pricing.js';
import { openEmbeddedStores } from '../../packages/server/src/store/duckdb/index.js';
import { syntheticEvents } from '../../packages/server/src/synthetic/index.js';

const DAY_MS = 86_400_000;
const CHUNK = 20_000;

/**
 * One end time for every bench of a run (minute-aligned), so they share one cached store. `PULSE_BENCH_END_MS` pins it
 * to an earlier run's, to reuse the store that run cached (building 10M events takes ~10 minutes here); every range a
 * bench queries is relative to this end, not to the clock.
 */
export const RUN_END_MS = process.env.PULSE_BENCH_END_MS
  ? Math.floor(Number(process.env.PULSE_BENCH_END_MS) / 60_000) * 60_000
  : Math.floor(Date.now() / 60_000) * 60_000;

export interface StoredDatasetSpec {
  count: number;
  /** End of the 30 days (minute-aligned by the caller so benches of one run agree). */
  endMs: number;
  seed?: number;
  project?: string;
}

/**
 * The dataset's events as ingest stores them, in appends of CHUNK: the generator over 30 days ending at `endMs`, each
 * event through JSON (as a request body would arrive), validated and enriched. Deterministic for a spec, so every
 * store fed from it holds the same rows (lib/clickhouse-dataset.ts, clickhouse-storage.ts).
 */
export function* storedEventBatches(spec: StoredDatasetSpec): Generator<StoredEvent[]> {
  const enricher = createEnricher({ pricing: createPricing([]) });
  const project = spec.project ?? 'default';
  let batch: unknown[] = [];
  const stored = (): StoredEvent[] => validateEvents(batch, spec.endMs).records.map((r) => {
    enricher.enrich(r, { storeText: false });
    return { ...r, project };
  });
  for (const e of syntheticEvents({ seed: spec.seed ?? 31, startMs: spec.endMs - 30 * DAY_MS, endMs: spec.endMs, count: spec.count })) {
    batch.push(JSON.parse(JSON.stringify(e)));
    if (batch.length === CHUNK) {
      yield stored();
      batch = [];
    }
  }
  if (batch.length > 0) yield stored();
}

async function build(dataDir: string, spec: StoredDatasetSpec): Promise<number> {
  const stores = await openEmbeddedStores({ dataDir });
  let stored = 0;
  try {
    for (const events of storedEventBatches(spec)) {
      await stores.store.append({ events });
      stored += events.length;
      // As the server's rollup task would: write what was rolled up in memory before it outgrows its bound.
      if (stored % 500_000 < CHUNK) await stores.store.rollups?.catchUp();
    }
  } finally {
    await stores.close();
  }
  return stored;
}

/** Copies a ready store into `dataDir` (building and caching it first if needed); returns the events it holds. */
export async function storedDataset(repoRoot: string, dataDir: string, spec: StoredDatasetSpec, log: (m: string) => void): Promise<void> {
  const key = `stored-${spec.count}-${spec.seed ?? 31}-${spec.endMs}-${spec.project ?? 'default'}`;
  const cacheRoot = join(repoRoot, '.tmp', 'bench-cache');
  const cached = join(cacheRoot, key);
  if (!existsSync(cached)) {
    mkdirSync(cacheRoot, { recursive: true });
    // Datasets of earlier runs (another end time) are of no further use; builds in progress are left alone.
    for (const old of readdirSync(cacheRoot)) {
      const path = join(cacheRoot, old);
      if (old.startsWith('stored-') && !old.includes('.building-') && Date.now() - statSync(path).mtimeMs > 6 * 3_600_000) {
        rmSync(path, { recursive: true, force: true });
      }
    }
    const building = `${cached}.building-${process.pid}`;
    log(`building a store of ${spec.count.toLocaleString('en-US')} events (cached for the other benches of this run)`);
    const t0 = performance.now();
    await build(building, spec);
    renameSync(building, cached);
    log(`store built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  mkdirSync(dataDir, { recursive: true });
  cpSync(cached, dataDir, { recursive: true });
}
