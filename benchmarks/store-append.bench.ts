/**
 * The embedded DuckDB event store on its own, in-process: how fast 1,000-event batches are appended
 * durably (BEGIN; appender; COMMIT with the WAL fsync'd), and how many bytes an event takes on disk.
 * Events come from the demo's synthetic generator, validated and enriched as ingest would store them.
 * A side table compares three ways of handing rows to DuckDB's appender.
 *
 *   npx tsx benchmarks/store-append.bench.ts [--quick] [--events N]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DuckDBDataChunk, DuckDBInstance, DuckDBMapValue, DuckDBTimestampValue, type DuckDBAppender, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import { validateEvents, type StoredEvent } from '../packages/protocol/src/index.js';
import { createEnricher } from '../packages/server/src/ingest/enrich/enrich.js';
import { createPricing } from '../packages/server/src/ingest/enrich/pricing.js';
import { ChunkPool } from '../packages/server/src/store/duckdb/chunk-pool.js';
import { CHUNK_ROWS, EVENT_COLUMN_NAMES, fillEventChunk, numberChunk } from '../packages/server/src/store/duckdb/event-columns.js';
import { openEmbeddedStores } from '../packages/server/src/store/duckdb/index.js';
import { MIGRATIONS } from '../packages/server/src/store/duckdb/schema.js';
import { syntheticEvents } from '../packages/server/src/synthetic/index.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

const TARGET_EVENTS_PER_S = 400_000;
const TARGET_BYTES_PER_EVENT = 20;
const BATCH = 1000;
const DAY_MS = 86_400_000;

/** `count` events over 30 days, as the ingest pipeline would hand them to the store. */
export function storedEvents(count: number, seed = 7): StoredEvent[] {
  const end = Date.UTC(2025, 5, 1);
  const raws = [...syntheticEvents({ seed, startMs: end - 30 * DAY_MS, endMs: end, count })];
  const { records } = validateEvents(JSON.parse(JSON.stringify(raws)) as unknown[], end);
  const enricher = createEnricher({ pricing: createPricing([]) });
  return records.map((r) => {
    enricher.enrich(r, { storeText: false });
    return { ...r, project: 'default' };
  });
}

function batches(events: readonly StoredEvent[], size = BATCH): StoredEvent[][] {
  const out: StoredEvent[][] = [];
  for (let i = 0; i < events.length; i += size) out.push(events.slice(i, i + size));
  return out;
}

const fileSize = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;

interface AppendRun {
  eventsPerS: number;
  cpuUsPerEvent: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  bytesBeforeCheckpoint: number;
  bytesAfterClose: number;
}

/** Appends every batch with `inFlight` appends outstanding, then closes (checkpoint) and measures the file. */
async function appendRun(dir: string, all: StoredEvent[][], inFlight: number): Promise<AppendRun> {
  const { store, close } = await openEmbeddedStores({ dataDir: dir });
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < all.length) {
      const batch = all[next++] as StoredEvent[];
      const s = performance.now();
      await store.append({ events: batch });
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const events = all.reduce((n, b) => n + b.length, 0);
  const file = join(dir, 'pulse.duckdb');
  const bytesBeforeCheckpoint = fileSize(file) + fileSize(`${file}.wal`);
  await close();
  latencies.sort((a, b) => a - b);
  return {
    eventsPerS: events / seconds,
    cpuUsPerEvent: (cpu.user + cpu.system) / events,
    p50Ms: pct(latencies, 0.5),
    p99Ms: pct(latencies, 0.99),
    maxMs: latencies[latencies.length - 1] ?? NaN,
    bytesBeforeCheckpoint: bytesBeforeCheckpoint / events,
    bytesAfterClose: (fileSize(file) + fileSize(`${file}.wal`)) / events,
  };
}

// --- the three ways of feeding an appender, timed without the commit (in-memory database) ---

function appendPerValue(a: DuckDBAppender, types: readonly DuckDBType[], events: readonly StoredEvent[], seq: number): void {
  const str = (v: string | null): void => (v === null ? a.appendNull() : a.appendVarchar(v));
  const num = (v: number | null, f: (x: number) => void): void => (v === null ? a.appendNull() : f(v));
  const map = (m: Readonly<Record<string, string | number>> | null, t: DuckDBType | undefined): void =>
    m === null ? a.appendNull() : a.appendValue(new DuckDBMapValue(Object.entries(m).map(([key, value]) => ({ key, value }))), t);
  for (const e of events) {
    a.appendVarchar(e.project);
    a.appendTimestamp(new DuckDBTimestampValue(BigInt(e.ts) * 1000n));
    a.appendBigInt(BigInt(++seq));
    for (const f of ['id', 'type', 'name', 'service', 'environment', 'user_id', 'session_id', 'persona', 'channel', 'guild', 'prompt_id', 'model', 'provider'] as const) str(e[f]);
    num(e.input_tokens, (x) => a.appendInteger(x));
    num(e.output_tokens, (x) => a.appendInteger(x));
    num(e.cost_usd, (x) => a.appendDouble(x));
    num(e.duration_ms, (x) => a.appendFloat(x));
    num(e.ttft_ms, (x) => a.appendFloat(x));
    for (const f of ['status', 'error_type', 'error_message', 'severity'] as const) str(e[f]);
    num(e.value, (x) => a.appendDouble(x));
    str(e.target);
    str(e.text);
    num(e.sentiment, (x) => a.appendFloat(x));
    map(e.phases, types[29]);
    map(e.attributes, types[30]);
    // Migration 2's text facts (optional on StoredEvent).
    for (const f of ['text_length', 'questions', 'emojis', 'mentions'] as const) num(e[f] ?? null, (x) => a.appendInteger(x));
    str(e.topic ?? null);
    a.endRow();
  }
}

function appendSetColumnValues(a: DuckDBAppender, types: readonly DuckDBType[], events: readonly StoredEvent[], seq: number): void {
  for (let start = 0; start < events.length; start += CHUNK_ROWS) {
    const rows = events.slice(start, start + CHUNK_ROWS);
    const chunk = DuckDBDataChunk.create(types, rows.length);
    EVENT_COLUMN_NAMES.forEach((name, col) => {
      chunk.setColumnValues(
        col,
        rows.map((e, i): DuckDBValue => {
          if (name === 'ts') return new DuckDBTimestampValue(BigInt(e.ts) * 1000n);
          if (name === 'seq') return BigInt(seq + start + i + 1);
          const v = (e as unknown as Record<string, unknown>)[name] ?? null;
          if (v !== null && typeof v === 'object') return new DuckDBMapValue(Object.entries(v).map(([key, value]) => ({ key, value: value as DuckDBValue })));
          return v as DuckDBValue;
        }),
      );
    });
    a.appendDataChunk(chunk);
  }
}

/** The store's own path: pooled chunks filled by `fillEventChunk` (event-store.ts). */
const pools = new WeakMap<readonly DuckDBType[], ChunkPool>();
function appendVectorWriter(a: DuckDBAppender, types: readonly DuckDBType[], events: readonly StoredEvent[], seq: number): void {
  let pool = pools.get(types);
  if (!pool) pools.set(types, (pool = new ChunkPool(types)));
  for (let start = 0; start < events.length; start += CHUNK_ROWS) {
    const chunk = pool.take();
    fillEventChunk(chunk, events, start, Math.min(CHUNK_ROWS, events.length - start));
    numberChunk(chunk, seq + start + 1);
    a.appendDataChunk(chunk);
    pool.give([chunk]);
  }
}

async function encoderRates(all: StoredEvent[][]): Promise<Record<string, number>> {
  const ways = { 'per-value appender': appendPerValue, 'DuckDBDataChunk.setColumnValues': appendSetColumnValues, 'Pulse vector writer': appendVectorWriter };
  const out: Record<string, number> = {};
  for (const [name, fill] of Object.entries(ways)) {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // The events table as the migrations leave it (later migrations add tables and columns beside it).
    for (const m of MIGRATIONS) for (const sql of m.sql) await connection.run(sql);
    const appender = await connection.createAppender('events');
    const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
    let seq = 0;
    const t0 = performance.now();
    for (const batch of all) {
      fill(appender, types, batch, seq);
      appender.flushSync();
      seq += batch.length;
    }
    out[name] = seq / ((performance.now() - t0) / 1000);
    appender.closeSync();
    instance.closeSync();
  }
  return out;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function run(opts: BenchOptions, count: number): Promise<BenchSection> {
  const events = storedEvents(count);
  const all = batches(events);
  const encoders = await encoderRates(all.slice(0, Math.max(1, Math.floor(all.length / 10))));
  const sequential = await appendRun(mkdtempSync(join(opts.tmpDir, 'store-seq-')), all, 1);
  const pipelined = await appendRun(mkdtempSync(join(opts.tmpDir, 'store-par-')), all, 4);
  const grouped = await appendRun(mkdtempSync(join(opts.tmpDir, 'store-big-')), batches(events, 10 * BATCH), 1);
  const best = Math.max(sequential.eventsPerS, pipelined.eventsPerS);
  const runRow = (name: string, r: AppendRun): string =>
    `| ${name} | ${fmt(r.eventsPerS)} | ${fmt(r.cpuUsPerEvent, 2)} | ${fmt(r.p50Ms, 1)} / ${fmt(r.p99Ms, 1)} / ${fmt(r.maxMs, 0)} | ${fmt(r.bytesBeforeCheckpoint, 1)} | ${fmt(r.bytesAfterClose, 1)} |`;
  const markdown = [
    `${fmt(count)} synthetic events (the demo's generator, validated and enriched) appended in ${BATCH}-event batches to a`,
    `fresh \`pulse.duckdb\`; every append is one transaction whose WAL is fsync'd before it resolves.`,
    '',
    '| events per append × appends in flight | events/s | CPU µs/event (all threads) | append ms p50 / p99 / max | bytes/event before close (file + WAL) | bytes/event after close |',
    '| --- | --- | --- | --- | --- | --- |',
    runRow(`${fmt(BATCH)} × 1`, sequential),
    runRow(`${fmt(BATCH)} × 4`, pipelined),
    runRow(`${fmt(10 * BATCH)} × 1 (a group commit of 10 requests)`, grouped),
    '',
    `Target ≥ ${fmt(TARGET_EVENTS_PER_S)} events/s: ${best >= TARGET_EVENTS_PER_S ? 'met' : `missed (${fmt((best / TARGET_EVENTS_PER_S) * 100)} % of it)`}.`,
    `Target ≤ ${TARGET_BYTES_PER_EVENT} bytes/event: ${sequential.bytesAfterClose <= TARGET_BYTES_PER_EVENT ? 'met' : `missed (${fmt(sequential.bytesAfterClose, 1)})`}.`,
    '',
    'Feeding the appender, on a tenth of the events (rows/s; each flush commits to an in-memory database, no WAL):',
    '',
    '| method | rows/s |',
    '| --- | --- |',
    ...Object.entries(encoders).map(([name, rate]) => `| ${name} | ${fmt(rate)} |`),
  ].join('\n');
  const results: Record<string, number> = {
    events: count,
    seq_events_per_s: Math.round(sequential.eventsPerS),
    seq_cpu_us_per_event: sequential.cpuUsPerEvent,
    seq_append_p99_ms: sequential.p99Ms,
    par4_events_per_s: Math.round(pipelined.eventsPerS),
    par4_cpu_us_per_event: pipelined.cpuUsPerEvent,
    batch10k_events_per_s: Math.round(grouped.eventsPerS),
    batch10k_cpu_us_per_event: grouped.cpuUsPerEvent,
    bytes_per_event_before_checkpoint: sequential.bytesBeforeCheckpoint,
    bytes_per_event: sequential.bytesAfterClose,
  };
  for (const [name, rate] of Object.entries(encoders)) results[`encoder_${name.replace(/\W+/g, '_').toLowerCase()}_rows_per_s`] = Math.round(rate);
  return { id: 'store-append', title: 'Event store appends and bytes on disk (DuckDB, in-process)', markdown, results };
}

export const storeAppendBench: Bench = (opts) => run(opts, opts.quick ? 20_000 : 1_000_000);
export default storeAppendBench;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tmp = mkdtempSync(join(tmpdir(), 'pulse-bench-store-'));
  const quick = process.argv.includes('--quick');
  const eventsArg = process.argv.indexOf('--events');
  const count = eventsArg > 0 ? Number(process.argv[eventsArg + 1]) : quick ? 20_000 : 1_000_000;
  run({ quick, tmpDir: tmp }, count)
    .then((section) => {
      process.stdout.write(`${section.markdown}\n\n${JSON.stringify(section.results, null, 2)}\n`);
    })
    .finally(() => rmSync(tmp, { recursive: true, force: true }));
}
