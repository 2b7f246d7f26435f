import type { StoredEvent } from '../../packages/protocol/src/index.js';
import { openClickHouseEventStore } from '../../packages/server/src/store/clickhouse/index.js';
import { storedEventBatches, type StoredDatasetSpec } from '../lib/stored-dataset.js';
import { mergeAll } from './storage.js';

/** Rows per append: fewer, larger INSERTs write fewer parts (into `events` and every rollup table) to merge later. */
const APPEND_ROWS = 100_000;

export interface ClickHouseLoad {
  events: number;
  /** Rows per append. */
  appendRows: number;
  /** Generating, validating, enriching and appending (they overlap: one append in flight while the next rows are made). */
  appendSeconds: number;
  /** OPTIMIZE … FINAL of every table. */
  mergeSeconds: number;
}

/**
 * The rows lib/stored-dataset.ts puts in the DuckDB file, appended through the ClickHouseEventStore (migrations,
 * materialized views and all) into `database`, then merged to one part per partition. No HTTP: the rows a Pulse
 * instance would store, without timing its ingest path (the ingest rows of the bench do that).
 */
export async function loadClickHouse(url: string, database: string, spec: StoredDatasetSpec, log: (m: string) => void): Promise<ClickHouseLoad> {
  const store = await openClickHouseEventStore({ url, database });
  const t0 = performance.now();
  let events = 0;
  let lastLog = t0;
  try {
    let inFlight: Promise<void> | null = null;
    let group: StoredEvent[] = [];
    const flush = async (): Promise<void> => {
      await inFlight;
      inFlight = store.append({ events: group });
      events += group.length;
      group = [];
    };
    for (const batch of storedEventBatches(spec)) {
      group.push(...batch);
      if (group.length < APPEND_ROWS) continue;
      await flush();
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`ClickHouse: ${events.toLocaleString('en-US')} / ${spec.count.toLocaleString('en-US')} events appended`);
      }
    }
    if (group.length > 0) await flush();
    await inFlight;
  } finally {
    await store.close();
  }
  const appendSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await mergeAll(url, database);
  return { events, appendRows: APPEND_ROWS, appendSeconds, mergeSeconds: (performance.now() - t1) / 1000 };
}
