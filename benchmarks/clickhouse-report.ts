/** The `clickhouse` bench's section: tables in docs/benchmarks.md and the figures in docs/benchmarks.json. */
import type { IngestPhase, IngestRow, IngestSetup } from './clickhouse-ingest.js';
import type { EngineCase, QueryPhase } from './clickhouse-query.js';
import type { StoreBytes } from './clickhouse/storage.js';
import { fmtBytes, fmtDuration, fmtInt, fmtMs, fmtRatio, table } from './lib/markdown.js';
import { geomean } from './lib/stats.js';
import { P95_TARGET_MS, sizeLabel } from './query-report.js';

export interface ClickHouseRun {
  clickhouseVersion: string;
  compression: string;
  postgresVersion: string;
  /** PostgreSQL's CPU could be read (it runs on this machine). */
  postgresCpu: boolean;
  cores: number;
  quick: boolean;
  ingest: IngestPhase;
  query: QueryPhase;
}

export const SETUP_LABELS: Record<IngestSetup, string> = {
  duckdb_1: 'DuckDB (embedded), 1 instance',
  clickhouse_1: 'ClickHouse + PostgreSQL, 1 instance',
  clickhouse_2: 'ClickHouse + PostgreSQL, 2 instances',
};

/** Microseconds of CPU per acknowledged event (warm-up included on both sides). */
export function usPerEvent(r: IngestRow, server: string): number | null {
  const s = r.cpu.servers[server];
  return s === undefined || s === null || r.load.totalAccepted === 0 ? null : (s / r.load.totalAccepted) * 1e6;
}

/** Every server process's CPU per event: Pulse, plus ClickHouse and PostgreSQL where they serve the row. */
export function serverUsPerEvent(r: IngestRow): number | null {
  const parts = Object.keys(r.cpu.servers).map((name) => usPerEvent(r, name)).filter((v): v is number => v !== null);
  return parts.length === 0 ? null : parts.reduce((a, b) => a + b, 0);
}

const round = (n: number | null, digits = 1): number | null => (n === null || !Number.isFinite(n) ? null : Number(n.toFixed(digits)));
const range = (days: number): string => (days === 1 ? '24 h' : `${days} d`);
const perEvent = (bytes: number, events: number): string => (events > 0 ? `${(bytes / events).toFixed(1)} B/event` : '—');

export interface EngineVerdict {
  slowest: EngineCase | null;
  over: number;
}

export function engineVerdict(cases: readonly EngineCase[], engine: 'duckdb' | 'clickhouse'): EngineVerdict {
  let slowest: EngineCase | null = null;
  for (const c of cases) if (!slowest || c[engine].p95 > slowest[engine].p95) slowest = c;
  return { slowest, over: cases.filter((c) => c[engine].p95 > P95_TARGET_MS).length };
}

/** ClickHouse's p95 over DuckDB's, per case; the geometric mean summarises them. */
export const p95Ratio = (c: EngineCase): number => c.clickhouse.p95 / c.duckdb.p95;

function ingestMarkdown(run: ClickHouseRun): string[] {
  const i = run.ingest;
  const duck = i.rows.find((r) => r.setup === 'duckdb_1');
  const rows = i.rows.map((r) => [
    SETUP_LABELS[r.setup],
    fmtInt(r.load.eventsPerSec),
    duck ? fmtRatio(r.load.eventsPerSec / duck.load.eventsPerSec) : null,
    fmtMs(r.latency.p50),
    fmtMs(r.latency.p99),
    fmtMs(usPerEvent(r, 'pulse')),
    fmtMs(usPerEvent(r, 'clickhouse')),
    fmtMs(usPerEvent(r, 'postgres')),
    fmtMs(serverUsPerEvent(r)),
    fmtInt((r.cpu.clientSeconds / r.cpu.wallSeconds) * 100),
    fmtInt(r.pulseRssMaxMb),
    fmtInt(r.clickhouseRssMaxMb),
    r.load.retries > 0 ? `${r.load.retries} retried 429/503` : '',
  ]);
  const lost = i.clickhouseStored < i.clickhouseAcknowledged;
  return [
    '### Ingest through HTTP with durable acks',
    '',
    `A pool of ${fmtInt(i.poolEvents)} generated events in 1,000-event JSON requests (${i.jsonBytesPerEvent.toFixed(0)} B/event), replayed by`,
    `${i.senders} senders that each wait for the 200 before the next request; ${i.warmupMs / 1000} s warm-up, then ${i.durationMs / 1000} s measured per row,`,
    'rows one after another in the order shown. With two instances the senders alternate between them (two each) over',
    'one pass of the same pool. CPU per event is each process\'s CPU over the whole row (warm-up included) divided by',
    'every event acknowledged in it; "server" adds the Pulse instances, ClickHouse and PostgreSQL' +
      (run.postgresCpu ? ' (its postmaster and backends: the live feed between instances NOTIFYs every committed batch).' : ' (PostgreSQL\'s could not be read: it is not on this machine).'),
    'The embedded store keeps the rollups in-process and ClickHouse in materialized views; both keep them.',
    '',
    table(
      ['setup', 'events/s', 'vs DuckDB', 'ack p50 ms', 'ack p99 ms', 'Pulse µs/event', 'ClickHouse µs/event', 'PostgreSQL µs/event', 'server µs/event', 'client CPU %', 'Pulse RSS max MB', 'ClickHouse RSS max MB', 'notes'],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    '',
    `ClickHouse holds ${fmtInt(i.clickhouseStored)} events (besides Pulse's own store-check health events) after its two rows, which acknowledged ${fmtInt(i.clickhouseAcknowledged)}` +
      (i.clickhouseStored === i.clickhouseAcknowledged
        ? ': every acknowledged event stored once.'
        : lost ? ': **acknowledged events are missing**.' : ' (retries of 503s whose writes had landed are stored twice).'),
  ];
}

function bytesRows(d: StoreBytes, c: StoreBytes): (string | null)[][] {
  return [
    ['events table', perEvent(d.events, d.eventRows), perEvent(c.events, c.eventRows)],
    ['rollup tables', perEvent(d.rollups, d.eventRows), perEvent(c.rollups, c.eventRows)],
    ['everything on disk', `${perEvent(d.total, d.eventRows)} (${fmtBytes(d.total)}, the data directory)`, `${perEvent(c.total, c.eventRows)} (${fmtBytes(c.total)}, every table's parts)`],
    ['of which free space', d.free === null ? null : `${perEvent(d.free, d.eventRows)} (free blocks of the file)`, c.free === null ? null : perEvent(c.free, c.eventRows)],
  ];
}

function queryMarkdown(run: ClickHouseRun): string[] {
  const q = run.query;
  const label = sizeLabel(q.size);
  const rows = q.cases.map((c) => [
    c.label, range(c.days), fmtMs(c.duckdb.p50), fmtMs(c.duckdb.p95), fmtMs(c.clickhouse.p50), fmtMs(c.clickhouse.p95), fmtRatio(p95Ratio(c)),
  ]);
  const d = engineVerdict(q.cases, 'duckdb');
  const c = engineVerdict(q.cases, 'clickhouse');
  const bad = q.checks.filter((x) => !x.agree);
  const load = q.clickhouseLoad;
  return [
    `### Queries at ${fmtInt(q.size)} events`,
    '',
    'The same rows in both stores: the seeded generator over 30 days ending at the start of the run, validated and',
    'enriched as ingest stores them (lib/stored-dataset.ts), appended without HTTP — into the DuckDB file, and through',
    `the ClickHouse event store in ${fmtInt(load.appendRows)}-event appends (${fmtDuration(load.appendSeconds)}, ${fmtInt(load.events / load.appendSeconds)} events/s, generation included),`,
    `whose tables were then merged to one part per month (\`OPTIMIZE … FINAL\`, ${fmtDuration(load.mergeSeconds)}). Each store is served by its own`,
    `Pulse process; every case runs ${q.plan.warmups} warm-up(s) then ${q.plan.reps} timed runs through HTTP on one, then on the other.`,
    '',
    table(
      ['query', 'range', 'DuckDB p50 ms', 'DuckDB p95 ms', 'ClickHouse p50 ms', 'ClickHouse p95 ms', 'ClickHouse / DuckDB (p95)'],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
    '',
    `Slowest p95: DuckDB ${fmtMs(d.slowest?.duckdb.p95)} ms (${d.slowest?.id ?? '—'}), ClickHouse ${fmtMs(c.slowest?.clickhouse.p95)} ms (${c.slowest?.id ?? '—'});` +
      ` over ${P95_TARGET_MS} ms: DuckDB ${d.over}, ClickHouse ${c.over} of ${q.cases.length}.` +
      ` ClickHouse's p95 over DuckDB's: geometric mean ${fmtRatio(q.cases.length > 0 ? geomean(q.cases.map(p95Ratio)) : null)}.` +
      ` An HTTP round trip alone (\`GET /health\`) takes ${fmtMs(q.httpFloor.duckdb.p50)} / ${fmtMs(q.httpFloor.clickhouse.p50)} ms at p50.`,
    `Events counted over the 30 days: DuckDB ${fmtInt(q.counts.duckdb)}, ClickHouse ${fmtInt(q.counts.clickhouse)}` +
      (q.counts.duckdb === q.counts.clickhouse ? ' (equal).' : ' — **they differ**.') +
      (q.checks.length === 0 ? '' : bad.length === 0
        ? ` Cross-check: both returned identical rows for ${q.checks.map((x) => x.id).join(', ')}.`
        : ` Cross-check FAILED: ${bad.map((x) => `${x.id} (${x.detail})`).join('; ')}.`),
    `Largest RSS while querying: DuckDB Pulse ${fmtInt(q.rssMb.duckdbPulse)} MB; ClickHouse Pulse ${fmtInt(q.rssMb.clickhousePulse)} MB and the ClickHouse server ${fmtInt(q.rssMb.clickhouseServer)} MB.`,
    '',
    `### Bytes per event at ${label}`,
    '',
    table(['', 'DuckDB', `ClickHouse (${run.compression} when merged)`], bytesRows(q.duckdbBytes, q.clickhouseBytes), ['left', 'right', 'right']),
    '',
    'DuckDB: bytes of the file charged to each table (lib/duckdb-storage.ts) after a clean stop; ClickHouse: bytes of the',
    'active parts (`system.parts`) after the merge. The idempotency and migration tables are in "everything"; DuckDB\'s',
    'file also keeps the blocks freed by its rollup merges and checkpoints, which later writes reuse (it does not shrink).',
  ];
}

export function renderClickHouseMarkdown(run: ClickHouseRun): string {
  return [
    `Pulse on the embedded DuckDB store against Pulse on ClickHouse ${run.clickhouseVersion} (events) and PostgreSQL ${run.postgresVersion}`,
    '(metadata), `PULSE_STORE=clickhouse`, in one run on the machine above. Every process of a row — the load client, the',
    `Pulse instance(s), ClickHouse and PostgreSQL — shares its ${run.cores} cores: two instances here split the same cores, so`,
    'their row shows what a second instance costs and whether the shared engines keep up, not what a second host adds.',
    'The DuckDB server runs without the user rollups, which only the embedded store keeps and no compared query reads.',
    ...(run.quick ? ['', '_Quick run: durations and sizes too small for figures._'] : []),
    '',
    ...ingestMarkdown(run),
    '',
    ...queryMarkdown(run),
  ].join('\n');
}

export function clickhouseResults(run: ClickHouseRun): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = { clickhouse_version: run.clickhouseVersion, compression: run.compression };
  for (const r of run.ingest.rows) {
    const p = `ingest.${r.setup}.`;
    out[`${p}events_per_s`] = Math.round(r.load.eventsPerSec);
    out[`${p}ack_p50_ms`] = round(r.latency.p50, 2);
    out[`${p}ack_p99_ms`] = round(r.latency.p99, 2);
    for (const name of ['pulse', 'clickhouse', 'postgres']) out[`${p}${name}_cpu_us_per_event`] = round(usPerEvent(r, name), 2);
    out[`${p}server_cpu_us_per_event`] = round(serverUsPerEvent(r), 2);
    out[`${p}pulse_rss_max_mb`] = round(r.pulseRssMaxMb, 0);
    out[`${p}clickhouse_rss_max_mb`] = round(r.clickhouseRssMaxMb, 0);
  }
  out['ingest.clickhouse_stored'] = run.ingest.clickhouseStored;
  out['ingest.clickhouse_acknowledged'] = run.ingest.clickhouseAcknowledged;
  const q = run.query;
  const label = sizeLabel(q.size);
  out.query_size = q.size;
  for (const c of q.cases) {
    out[`${label}.${c.id}.duckdb_p50_ms`] = round(c.duckdb.p50, 2);
    out[`${label}.${c.id}.duckdb_p95_ms`] = round(c.duckdb.p95, 2);
    out[`${label}.${c.id}.clickhouse_p50_ms`] = round(c.clickhouse.p50, 2);
    out[`${label}.${c.id}.clickhouse_p95_ms`] = round(c.clickhouse.p95, 2);
  }
  const d = engineVerdict(q.cases, 'duckdb');
  const c = engineVerdict(q.cases, 'clickhouse');
  out.duckdb_max_p95_ms = round(d.slowest?.duckdb.p95 ?? null, 1);
  out.duckdb_max_p95_query = d.slowest?.id ?? null;
  out.clickhouse_max_p95_ms = round(c.slowest?.clickhouse.p95 ?? null, 1);
  out.clickhouse_max_p95_query = c.slowest?.id ?? null;
  out.clickhouse_queries_over_100ms = c.over;
  out.p95_ratio_geomean = q.cases.length > 0 ? round(geomean(q.cases.map(p95Ratio)), 2) : null;
  out.checks_failed = q.checks.filter((x) => !x.agree).length + (q.counts.duckdb === q.counts.clickhouse ? 0 : 1);
  for (const [engine, b] of [['duckdb', q.duckdbBytes], ['clickhouse', q.clickhouseBytes]] as const) {
    const per = (bytes: number): number | null => (b.eventRows > 0 ? round(bytes / b.eventRows, 2) : null);
    out[`${engine}_bytes_per_event`] = per(b.total);
    out[`${engine}_events_table_bytes_per_event`] = per(b.events);
    out[`${engine}_rollup_bytes_per_event`] = per(b.rollups);
    out[`${engine}_free_bytes_per_event`] = b.free === null ? null : per(b.free);
  }
  out.clickhouse_load_events_per_s = Math.round(q.clickhouseLoad.events / q.clickhouseLoad.appendSeconds);
  out.clickhouse_merge_s = round(q.clickhouseLoad.mergeSeconds);
  return out;
}
