import { fmtBytes, fmtDuration, fmtInt, fmtMs, fmtRatio, table } from './lib/markdown.js';
import type { RssReport } from './lib/proc.js';
import { geomean } from './lib/stats.js';
import type { PostgresTarget } from './postgres/service.js';
import type { CaseResult, SizeResult } from './query.bench.js';
import { datasetSpec } from './dataset.js';
import { LOAD_SENDERS, PG_POLICY_FULL, PG_POLICY_QUICK } from './query-settings.js';

export const P95_TARGET_MS = 100;
export const SPEEDUP_TARGET = 10;

const MB = 1e6;

/** 1000000 → "1M", 20000 → "20k". */
export const sizeLabel = (n: number): string =>
  n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
const range = (days: number): string => (days === 1 ? '24 h' : `${days} d`);
const peakMb = (r: RssReport): number | null => (r.peakBytes === null ? null : r.peakBytes / MB);
const round = (n: number | null, digits = 1): number | null => (n === null || !Number.isFinite(n) ? null : Number(n.toFixed(digits)));

/** PostgreSQL's median over Pulse's: how many times faster Pulse answers. */
export const speedup = (c: CaseResult): number | null => (c.pg ? c.pg.p50 / c.pulse.p50 : null);

export interface SizeVerdict {
  maxP95: CaseResult | null;
  over100: number;
  minSpeedup: CaseResult | null;
  under10x: number;
  geomeanSpeedup: number | null;
  peakRssMb: number | null;
  bytesPerEvent: number;
}

export function verdict(s: SizeResult): SizeVerdict {
  let maxP95: CaseResult | null = null;
  let minSpeedup: CaseResult | null = null;
  const ratios: number[] = [];
  for (const c of s.cases) {
    if (!maxP95 || c.pulse.p95 > maxP95.pulse.p95) maxP95 = c;
    const r = speedup(c);
    if (r !== null) {
      ratios.push(r);
      if (!minSpeedup || r < (speedup(minSpeedup) ?? Infinity)) minSpeedup = c;
    }
  }
  const peaks = [peakMb(s.rssLoad), peakMb(s.rssQuery)].filter((x): x is number => x !== null);
  return {
    maxP95,
    over100: s.cases.filter((c) => c.pulse.p95 > P95_TARGET_MS).length,
    minSpeedup,
    under10x: ratios.filter((r) => r < SPEEDUP_TARGET).length,
    geomeanSpeedup: ratios.length > 0 ? geomean(ratios) : null,
    peakRssMb: peaks.length > 0 ? Math.max(...peaks) : null,
    bytesPerEvent: s.storeBytes / s.load.accepted,
  };
}

function sizeMarkdown(s: SizeResult, pgName: string): string {
  const v = verdict(s);
  const pgBytes = s.pg ? s.pg.totalBytes / s.pg.rows : null;
  const load = table(
    ['', 'Pulse', pgName],
    [
      [
        'load',
        `${fmtInt(s.load.accepted)} events over HTTP in ${fmtDuration(s.load.seconds)} (${fmtInt(s.load.eventsPerSec)} events/s, ${LOAD_SENDERS} senders, ${fmtInt(datasetSpec(s.size, 0).batchSize)}-event batches, durable acks)`,
        s.pg ? `COPY ${fmtDuration(s.pg.copySeconds)} + indexes ${fmtDuration(s.pg.indexSeconds)} + VACUUM ANALYZE ${fmtDuration(s.pg.analyzeSeconds)}` : null,
      ],
      [
        'on disk',
        `${fmtBytes(s.storeBytes)} — **${v.bytesPerEvent.toFixed(1)} B/event** (after a clean stop)`,
        s.pg && pgBytes !== null ? `${fmtBytes(s.pg.totalBytes)} — ${pgBytes.toFixed(0)} B/event (table ${fmtBytes(s.pg.tableBytes)} + indexes)` : null,
      ],
      [
        'server RSS',
        `peak ${fmtInt(peakMb(s.rssLoad))} MB while loading, ${fmtInt(peakMb(s.rssQuery))} MB while querying`,
        null,
      ],
    ],
  );
  const rows = s.cases.map((c) => [
    c.label,
    range(c.days),
    fmtMs(c.pulse.p50),
    `${c.pulse.p95 > P95_TARGET_MS ? '**' : ''}${fmtMs(c.pulse.p95)}${c.pulse.p95 > P95_TARGET_MS ? '**' : ''}`,
    c.pulseNew ? fmtMs(c.pulseNew.p50) : null,
    c.pg ? fmtMs(c.pg.p50) : null,
    c.pg ? fmtMs(c.pg.p95) : null,
    c.pg ? `${c.pg.n}` : null,
    fmtRatio(speedup(c)),
  ]);
  const queries = table(
    ['query', 'range', 'Pulse p50 ms', 'Pulse p95 ms', 'Pulse p50 ms, new range', `${pgName} p50 ms`, `${pgName} p95 ms`, `${pgName} runs`, 'speed-up (p50)'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const reps = s.cases[0]?.pulse.n ?? 0;
  const lines = [
    `### ${fmtInt(s.size)} events`,
    '',
    load,
    '',
    queries,
    '',
    `Pulse: ${reps} timed runs per query after warm-ups, ` +
      (s.startUpTasksSeconds === undefined ? '' : `on the restarted server once each of its background tasks had run (${Math.round(s.startUpTasksSeconds)} s: rollup catch-up, first retention run…), `) +
      `through HTTP (JSON included; an HTTP round trip alone, ` +
      `\`GET /health\`, takes ${fmtMs(s.httpFloor.p50)} ms at p50 — PostgreSQL's figures have no HTTP layer). ` +
      (s.cases[0]?.pulseNew
        ? `A repeated query reuses the plan DuckDB kept for its text (store/duckdb/literal.ts); "new range" is the p50 of ` +
          `${s.cases[0].pulseNew.n} runs whose range moves back 1 s each time, so each is planned afresh — what a ` +
          `dashboard whose "now" moves on sees. `
        : '') +
      `p95 over ${P95_TARGET_MS} ms in bold: ${v.over100} of ${s.cases.length}. ` +
      (v.minSpeedup
        ? `Speed-up over PostgreSQL: geometric mean ${fmtRatio(v.geomeanSpeedup)}, lowest ${fmtRatio(speedup(v.minSpeedup))} (${v.minSpeedup.id}); ${v.under10x} ${v.under10x === 1 ? 'query' : 'queries'} under ${SPEEDUP_TARGET}×.`
        : 'PostgreSQL not measured.'),
  ];
  if (s.checks.length > 0) {
    const bad = s.checks.filter((c) => !c.agree);
    lines.push('', bad.length === 0
      ? `Cross-check: Pulse and PostgreSQL returned identical rows for ${s.checks.map((c) => c.id).join(', ')}.`
      : `Cross-check FAILED: ${bad.map((c) => `${c.id} (${c.detail})`).join('; ')}.`);
  }
  return lines.join('\n');
}

const pgPolicyText = (p: { fast: number; medium: number; slow: number }): string =>
  `PostgreSQL runs after one warm-up: ${p.fast} times if it took under 0.5 s, ${p.medium} under 5 s, else ${p.slow}.`;

export function renderQueryMarkdown(sizes: readonly SizeResult[], postgres: PostgresTarget, quick: boolean): string {
  const pgName = postgres.ok ? `PostgreSQL ${postgres.version.split(' ')[0]}` : 'PostgreSQL';
  const intro = [
    'Dataset: the seeded synthetic generator (the demo\'s world: 9 event types, several models and providers, four personas,',
    '5,000 users with a skewed activity, channels, diurnal rhythm, ~2 % errors, phases), 30 days ending at the start of the run.',
    'PostgreSQL holds the rows Pulse stored (exported from its file after the load) in seed 004\'s `client_usage_logs`',
    'with `idx_client_usage_tenant_time (tenant_id, timestamp)` plus indexes on (tenant, type, time), (tenant, model, time),',
    '(tenant, user, time) and a partial index on errors, then `VACUUM ANALYZE`. Its queries are hand-written equivalents',
    '(`benchmarks/postgres/queries.ts`); a preset is the set of statements it needs, run in sequence on one connection.',
    pgPolicyText(quick ? PG_POLICY_QUICK : PG_POLICY_FULL),
  ];
  if (!postgres.ok) intro.push('', `**PostgreSQL column skipped:** ${postgres.reason}.`);
  if (quick) intro.push('', '_Quick run: sizes too small for figures._');
  return [...intro, '', ...sizes.map((s) => sizeMarkdown(s, pgName)).join('\n\n').split('\n')].join('\n');
}

export function queryResults(sizes: readonly SizeResult[]): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  for (const s of sizes) {
    const v = verdict(s);
    const p = `${s.label}.`;
    out[`${p}events`] = s.load.accepted;
    out[`${p}load_events_per_s`] = Math.round(s.load.eventsPerSec);
    out[`${p}load_seconds`] = round(s.load.seconds);
    out[`${p}load_retries`] = s.load.retries;
    out[`${p}peak_rss_load_mb`] = round(peakMb(s.rssLoad), 0);
    out[`${p}peak_rss_query_mb`] = round(peakMb(s.rssQuery), 0);
    out[`${p}store_bytes`] = s.storeBytes;
    out[`${p}bytes_per_event`] = round(v.bytesPerEvent, 2);
    out[`${p}pg_bytes`] = s.pg?.totalBytes ?? null;
    out[`${p}pg_bytes_per_event`] = s.pg ? round(s.pg.totalBytes / s.pg.rows) : null;
    out[`${p}pg_copy_s`] = s.pg ? round(s.pg.copySeconds) : null;
    out[`${p}pg_index_s`] = s.pg ? round(s.pg.indexSeconds) : null;
    for (const c of s.cases) {
      out[`${p}${c.id}.pulse_p50_ms`] = round(c.pulse.p50, 2);
      out[`${p}${c.id}.pulse_p95_ms`] = round(c.pulse.p95, 2);
      out[`${p}${c.id}.pulse_new_range_p50_ms`] = c.pulseNew ? round(c.pulseNew.p50, 2) : null;
      out[`${p}${c.id}.pg_p50_ms`] = c.pg ? round(c.pg.p50, 1) : null;
      out[`${p}${c.id}.pg_p95_ms`] = c.pg ? round(c.pg.p95, 1) : null;
      out[`${p}${c.id}.speedup_p50`] = round(speedup(c), 2);
    }
    out[`${p}checks_failed`] = s.checks.filter((c) => !c.agree).length;
    out[`${p}http_floor_p50_ms`] = round(s.httpFloor.p50, 2);
    out[`${p}start_up_tasks_s`] = s.startUpTasksSeconds === undefined ? null : round(s.startUpTasksSeconds);
  }
  const largest = sizes[sizes.length - 1];
  if (largest) {
    const v = verdict(largest);
    out.size_label = `${largest.label} events`;
    out.max_p95_ms = v.maxP95 ? round(v.maxP95.pulse.p95, 1) : null;
    out.max_p95_query = v.maxP95?.id ?? null;
    out.queries_over_100ms = v.over100;
    out.min_speedup = v.minSpeedup ? round(speedup(v.minSpeedup), 2) : null;
    out.min_speedup_query = v.minSpeedup?.id ?? null;
    out.geomean_speedup = round(v.geomeanSpeedup, 2);
    out.queries_under_10x = v.minSpeedup ? v.under10x : null;
    out.bytes_per_event = round(v.bytesPerEvent, 2);
    out.peak_rss_mb = round(v.peakRssMb, 0);
  }
  return out;
}
