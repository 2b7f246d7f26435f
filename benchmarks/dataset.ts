/**
 * The benchmark dataset: `count` events from the seeded synthetic generator of @pulse/server (the
 * demo's distributions: models and prices, personas, skewed users, channels, diurnal rhythm, ~2 %
 * errors, phases), in time order over a window, pre-serialised as ingest request bodies — one per
 * line of a file (`<events>\t{"events":[…]}`) — so replaying them costs the client almost no CPU.
 *
 * PostgreSQL gets the same rows from Pulse's own store afterwards (postgres/export.ts), so both hold
 * identical data, server-side enrichment (cost, sentiment) included.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { syntheticEvents } from '../packages/server/dist/synthetic/index.js';
import type { Body } from './lib/load.js';

export const DAY_MS = 86_400_000;
export const DATASET_SEED = 20_240_601;

export interface DatasetSpec {
  count: number;
  seed: number;
  startMs: number;
  endMs: number;
  /** Events per ingest request. */
  batchSize: number;
}

export interface DatasetFile {
  spec: DatasetSpec;
  path: string;
  events: number;
  requests: number;
  jsonBytes: number;
  seconds: number;
}

/** `days` of history ending at `endMs` (minute-aligned), 1,000-event requests. */
export function datasetSpec(count: number, endMs: number, days = 30, seed = DATASET_SEED): DatasetSpec {
  const end = Math.floor(endMs / 60_000) * 60_000;
  return { count, seed, startMs: end - days * DAY_MS, endMs: end, batchSize: 1000 };
}

/** Request bodies of `batchSize` events, in generation (time) order. */
export function* bodies(spec: DatasetSpec): Generator<Body> {
  let batch: string[] = [];
  const body = (): Body => ({ events: batch.length, data: Buffer.from(`{"events":[${batch.join(',')}]}`) });
  for (const e of syntheticEvents({ seed: spec.seed, startMs: spec.startMs, endMs: spec.endMs, count: spec.count })) {
    batch.push(JSON.stringify(e));
    if (batch.length === spec.batchSize) {
      yield body();
      batch = [];
    }
  }
  if (batch.length > 0) yield body();
}

export async function writeDataset(spec: DatasetSpec, path: string, onProgress?: (events: number) => void): Promise<DatasetFile> {
  const t0 = performance.now();
  const out = createWriteStream(path);
  let events = 0;
  let requests = 0;
  let jsonBytes = 0;
  for (const b of bodies(spec)) {
    events += b.events;
    requests++;
    jsonBytes += b.data.length;
    out.write(`${b.events}\t`);
    out.write(b.data);
    if (!out.write('\n')) await once(out, 'drain');
    onProgress?.(events);
  }
  out.end();
  await once(out, 'finish');
  return { spec, path, events, requests, jsonBytes, seconds: (performance.now() - t0) / 1000 };
}

/** The file written by writeDataset as a stream of ready-to-send requests. */
export async function* readDataset(path: string): AsyncGenerator<Body> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    yield { events: Number(line.slice(0, tab)), data: Buffer.from(line.slice(tab + 1)) };
  }
}

export interface RequestPool {
  spec: DatasetSpec;
  bodies: Body[];
  /** JSON bytes of all bodies. */
  jsonBytes: number;
}

/**
 * A pool of distinct ingest requests for timed loads, which replay it in a cycle: `count` events over the last day,
 * in 1,000-event requests, so repeats are far apart.
 */
export function requestPool(count: number): RequestPool {
  const spec = datasetSpec(count, Date.now(), 1);
  const all = [...bodies(spec)];
  return { spec, bodies: all, jsonBytes: all.reduce((s, b) => s + b.data.length, 0) };
}
