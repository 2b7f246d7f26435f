/**
 * Exports at size: `count` synthetic events (the demo's generator, validated and enriched as ingest stores them) in a
 * store built by lib/stored-dataset.ts, a Pulse child process serves it, and every export kind runs over the whole 30 days
 * through the HTTP API, one after another: wall time, rows/s, file size, and the server's RSS during each export
 * (the memory bound). The 10M Parquet file is then read back by a separate DuckDB for its types and row count.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { RUN_END_MS, storedDataset } from './lib/stored-dataset.js';
import { fmtInt, table } from './lib/markdown.js';
import { RssSampler } from './lib/proc.js';
import { startPulseProcess } from './lib/pulse-process.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

const DAY_MS = 86_400_000;
export const EXPORT_RSS_TARGET_MB = 400;

interface Kind {
  id: string;
  label: string;
  query: string;
}

export const KINDS: readonly Kind[] = [
  { id: 'csv_full', label: 'CSV, raw events', query: 'export_type=csv&format=full' },
  { id: 'json_full', label: 'JSON lines, raw events', query: 'export_type=json&format=full' },
  { id: 'parquet_full', label: 'Parquet, raw events', query: 'export_type=parquet&format=full' },
  { id: 'parquet_summary', label: 'Parquet, daily summary (rollups)', query: 'export_type=parquet&format=summary' },
];

interface KindResult {
  kind: Kind;
  seconds: number;
  rows: number;
  bytes: number;
  rssMaxMb: number | null;
}

/** The query string of a range holding every event of a stored dataset ending at `endMs` (30 days, with margins). */
export function wholeRange(endMs: number): string {
  return `start_date=${new Date(endMs - 31 * DAY_MS).toISOString()}&end_date=${new Date(endMs + 60_000).toISOString()}`;
}

export async function runExport(base: URL, kind: Kind, range: string, sampler: RssSampler): Promise<KindResult> {
  sampler.mark();
  const t0 = performance.now();
  const created = (await (await fetch(new URL(`/v1/analytics/exports?${kind.query}&${range}`, base), { method: 'POST' })).json()) as { id: string };
  let job: { status: string; rows: number | null; bytes: number | null; error: string | null };
  for (;;) {
    job = (await (await fetch(new URL(`/v1/analytics/exports/${created.id}`, base))).json()) as typeof job;
    if (job.status === 'done' || job.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - t0) / 1000;
  const rss = sampler.mark();
  if (job.status !== 'done') throw new Error(`export ${kind.id} failed: ${job.error}`);
  return { kind, seconds, rows: job.rows ?? 0, bytes: job.bytes ?? 0, rssMaxMb: rss.maxSampledBytes === null ? null : rss.maxSampledBytes / 1e6 };
}

async function parquetCheck(path: string): Promise<{ rows: number; types: string }> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const [row] = (await db.runAndReadAll('SELECT count(*)::BIGINT AS n FROM read_parquet($1)', [path])).getRowObjects();
    const described = (await db.runAndReadAll('DESCRIBE SELECT ts, input_tokens, cost_usd, duration_ms, attributes FROM read_parquet($1)', [path])).getRowObjects();
    return { rows: Number(row?.n), types: described.map((d) => `${String(d.column_name)} ${String(d.column_type)}`).join(', ') };
  } finally {
    db.closeSync();
  }
}

export function exportBench(deps: { repoRoot: string; log: (m: string) => void }): Bench {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const count = opts.quick ? 200_000 : 10_000_000;
    const endMs = RUN_END_MS;
    const dir = join(opts.tmpDir, 'export');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    await storedDataset(deps.repoRoot, dataDir, { count, endMs }, (m) => deps.log(`[export] ${m}`));
    const pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir, workDir: dir });
    const sampler = new RssSampler(pulse.pid, 100).start();
    const results: KindResult[] = [];
    let check: { rows: number; types: string } | null = null;
    let idleMb: number | null = null;
    let stored = 0;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      idleMb = (sampler.mark().maxSampledBytes ?? 0) / 1e6;
      const range = wholeRange(endMs);
      const counted = (await (await fetch(new URL(`/v1/query?measures=count&${range}`, pulse.url))).json()) as { data: { count: number }[] };
      stored = counted.data[0]?.count ?? 0;
      for (const kind of KINDS) {
        deps.log(`[export] ${kind.label}`);
        results.push(await runExport(pulse.url, kind, range, sampler));
      }
      const { exports } = (await (await fetch(new URL('/v1/analytics/exports', pulse.url))).json()) as { exports: { id: string; export_type: string; format: string }[] };
      const parquet = exports.find((j) => j.export_type === 'parquet' && j.format === 'full');
      if (parquet) check = await parquetCheck(join(dataDir, 'exports', `${parquet.id}.parquet`));
    } finally {
      sampler.stop();
      await pulse.stop();
    }
    const peakMb = Math.max(...results.map((r) => r.rssMaxMb ?? 0));
    const full = results.filter((r) => r.kind.id.endsWith('_full'));
    const resultsOut: Record<string, number | string | null> = {
      events: stored,
      size_label: `${fmtInt(stored)} events`,
      idle_rss_mb: idleMb === null ? null : Math.round(idleMb),
      export_peak_rss_mb: Math.round(peakMb),
      slowest_full_rows_per_s: Math.round(Math.min(...full.map((r) => r.rows / r.seconds))),
      parquet_check_rows: check?.rows ?? null,
    };
    for (const r of results) {
      resultsOut[`${r.kind.id}.seconds`] = Number(r.seconds.toFixed(2));
      resultsOut[`${r.kind.id}.rows`] = r.rows;
      resultsOut[`${r.kind.id}.bytes_per_row`] = r.rows > 0 ? Number((r.bytes / r.rows).toFixed(1)) : null;
    }
    const markdown = [
      `${fmtInt(stored)} events over 30 days (the demo's generator, validated and enriched), appended straight into a store;`,
      'a Pulse child process serves it and each export runs over the whole range through `POST /v1/analytics/exports`,',
      'one after another, timed from the request to the job being `done` (polled every 100 ms). RSS is the server',
      `process's, sampled every 100 ms during each export; idle before the first: ${idleMb === null ? '—' : `${Math.round(idleMb)} MB`}.`,
      '',
      table(
        ['export', 'rows', 'seconds', 'rows/s', 'file', 'bytes/row', 'server RSS max'],
        results.map((r) => [
          r.kind.label, fmtInt(r.rows), r.seconds.toFixed(1), fmtInt(r.rows / r.seconds), `${(r.bytes / 1e6).toFixed(0)} MB`,
          (r.bytes / Math.max(1, r.rows)).toFixed(1), r.rssMaxMb === null ? '—' : `${Math.round(r.rssMaxMb)} MB`,
        ]),
      ),
      '',
      check
        ? `The raw-event Parquet file, read back by a separate DuckDB: ${fmtInt(check.rows)} rows (stored: ${fmtInt(stored)}); types: ${check.types}.`
        : 'The Parquet read-back did not run.',
      '',
      `Memory bound: the export runs inside DuckDB (\`COPY … TO\`), which streams row groups to the file within its buffer pool (PULSE_DUCKDB_MEMORY_LIMIT, 128 MB by default), so the server's RSS during an export is its idle RSS plus at most that pool and the writer's row-group buffers, whatever the export's size. Target: ≤ ${EXPORT_RSS_TARGET_MB} MB peak RSS during a 10M-event export (the server's overall RSS target).`,
    ].join('\n');
    return { id: 'export', title: `Exports (${fmtInt(stored)} events)`, markdown, results: resultsOut };
  };
}

export default exportBench({ repoRoot: new URL('..', import.meta.url).pathname, log: (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`) });
