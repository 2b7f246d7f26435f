import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { balancedOrder, bootstrapChange, compareSettings } from './lib/alternating.js';
import { parseBenchArgs, sizeFromEnv } from './lib/args.js';
import { chargeSegments, duckDbStorage } from './lib/duckdb-storage.js';
import type { MachineInfo } from './lib/machine.js';
import { fmtBytes, fmtInt, fmtMs, fmtRatio, table } from './lib/markdown.js';
import { dirBytes, parseMachineBusySeconds, parseProcStatCpu, parseProcStatPpid, parseProcStatus, readCpuSeconds, readThreadCpuSeconds, readTreeCpuSeconds } from './lib/proc.js';
import { renderReport, renderSummary } from './lib/report.js';
import { geomean, median, percentile, quantileSorted, summarize } from './lib/stats.js';
import { evaluateTarget, evaluateTargets, TARGETS, type TargetSpec } from './lib/targets.js';
import { pgReps, serverElapsedMs } from './lib/timing.js';
import { comparePairs, crossCheckPulse } from './query-check.js';
import { caseRange, pulseUrl, QUERY_CASES } from './query-cases.js';
import { queryResults, renderQueryMarkdown, sizeLabel, verdict } from './query-report.js';
import type { CaseResult, SizeResult } from './query.bench.js';
import type { BenchSection } from './types.js';
import { clickhouseResults, engineVerdict, renderClickHouseMarkdown, serverUsPerEvent, usPerEvent, type ClickHouseRun } from './clickhouse-report.js';
import type { IngestRow } from './clickhouse-ingest.js';
import type { EngineCase } from './clickhouse-query.js';
import { splitBytes } from './clickhouse/storage.js';
import { runTimedLoad } from './lib/load.js';
import { createAgent } from './lib/http.js';
import { createServer } from 'node:http';
import { startNodeFlags } from './lib/pulse-process.js';
import { startedSince, type TaskState } from './lib/start-up-tasks.js';

describe('stats', () => {
  it('interpolates percentiles between ranks', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5], 95)).toBeCloseTo(4.8, 10);
    expect(percentile([1, 2, 3, 4, 5], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4, 5], 100)).toBe(5);
    expect(quantileSorted([10], 0.99)).toBe(10);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(() => quantileSorted([1], 1.5)).toThrow(RangeError);
  });

  it('summarises without mutating the input', () => {
    const values = [5, 1, 4, 2, 3];
    const s = summarize(values);
    expect(s).toMatchObject({ n: 5, min: 1, max: 5, mean: 3, p50: 3 });
    expect(s.p99).toBeCloseTo(4.96, 10);
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('averages ratios geometrically', () => {
    expect(geomean([2, 0.5])).toBeCloseTo(1, 12);
    expect(geomean([1, 100])).toBeCloseTo(10, 12);
    expect(Number.isNaN(geomean([1, 0]))).toBe(true);
  });
});

describe('alternating settings', () => {
  it('orders rows ABBA, so each setting sits as often early as late', () => {
    expect(balancedOrder(8)).toEqual(['off', 'on', 'on', 'off', 'off', 'on', 'on', 'off']);
    const order = balancedOrder(12);
    const meanPos = (s: string): number => order.reduce((a, x, i) => a + (x === s ? i : 0), 0) / 6;
    expect(meanPos('off')).toBe(meanPos('on'));
  });

  it('compares the medians of each setting, so one disturbed row moves little', () => {
    const c = compareSettings([
      { setting: 'off', value: 2.0 }, { setting: 'on', value: 2.2 }, { setting: 'on', value: 2.1 },
      { setting: 'off', value: 1.9 }, { setting: 'off', value: 2.1 }, { setting: 'on', value: 9.9 },
    ]);
    expect(c.off).toEqual({ median: 2.0, min: 1.9, max: 2.1, n: 3 });
    expect(c.on).toEqual({ median: 2.2, min: 2.1, max: 9.9, n: 3 });
    expect(c.changePct).toBeCloseTo(10, 10);
  });

  it('gives an interval for the change that is narrow for steady rows, wide for noisy ones, and reproducible', () => {
    const rows = (spread: number) => Array.from({ length: 16 }, (_, i) => ({
      setting: (i % 2 === 0 ? 'off' : 'on') as 'off' | 'on',
      value: (i % 2 === 0 ? 2.0 : 2.1) * (1 + spread * (((i * 7) % 5) - 2) / 2),
    }));
    const steady = bootstrapChange(rows(0));
    expect(steady.lowPct).toBeCloseTo(5, 10);
    expect(steady.highPct).toBeCloseTo(5, 10);
    const noisy = bootstrapChange(rows(0.2));
    expect(noisy.lowPct).toBeLessThan(0);
    expect(noisy.highPct).toBeGreaterThan(10);
    expect(bootstrapChange(rows(0.2))).toEqual(noisy);
  });
});

describe('markdown', () => {
  it('renders an aligned table, escaping pipes and showing missing cells as a dash', () => {
    const md = table(['query', 'ms'], [['a|b', 1.5], ['c', null]], ['left', 'right']);
    expect(md.split('\n')).toEqual(['| query | ms |', '| --- | ---: |', '| a\\|b | 1.5 |', '| c | — |']);
    expect(() => table(['a', 'b'], [['only one']])).toThrow(/row 0 has 1 cells/);
  });

  it('formats numbers for the doc', () => {
    expect(fmtInt(1234567.4)).toBe('1,234,567');
    expect(fmtInt(null)).toBe('—');
    expect(fmtMs(0.4212)).toBe('0.42');
    expect(fmtMs(7.34)).toBe('7.3');
    expect(fmtMs(1234.4)).toBe('1,234');
    expect(fmtRatio(3.456)).toBe('3.46×');
    expect(fmtRatio(42.04)).toBe('42.0×');
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
  });
});

describe('targets', () => {
  const atLeast: TargetSpec = { label: 'ingest', section: 'ingest', key: 'eps', direction: 'at-least', target: 200_000, unit: 'events/s' };
  const atMost: TargetSpec = { label: 'p95', section: 'query', key: 'p95', direction: 'at-most', target: 100, unit: 'ms' };

  it('says by how much a target is met or missed', () => {
    expect(evaluateTarget(atLeast, 300_000)).toMatchObject({ met: true, ratio: 1.5, verdict: 'met: 1.50× the target' });
    expect(evaluateTarget(atLeast, 150_000)).toMatchObject({ met: false, verdict: 'missed: 75 % of the target (1.33× short)' });
    expect(evaluateTarget(atMost, 80)).toMatchObject({ met: true, verdict: 'met: 80 % of the limit' });
    expect(evaluateTarget(atMost, 250)).toMatchObject({ met: false, verdict: 'missed: 2.50× the limit' });
    expect(evaluateTarget(atMost, 100).met).toBe(true);
    expect(evaluateTarget(atMost, null)).toMatchObject({ met: null, verdict: 'not measured' });
  });

  it('reads each target from its section of the run', () => {
    const sections: BenchSection[] = [
      { id: 'ingest', title: 'Ingest', markdown: '', results: { best_events_per_s: 250_000, best_config: '4 senders, JSON' } },
      { id: 'validation', title: 'Validation', markdown: '', results: { validate_events_per_s: 'n/a' } },
    ];
    const results = evaluateTargets(sections);
    const ingest = results.find((r) => r.spec.section === 'ingest');
    expect(ingest).toMatchObject({ measured: 250_000, met: true, context: '4 senders, JSON' });
    expect(results.find((r) => r.spec.section === 'validation')?.met).toBeNull();
    expect(results.filter((r) => r.spec.section === 'query').every((r) => r.verdict === 'not measured')).toBe(true);
    expect(results).toHaveLength(TARGETS.length);
  });
});

describe('timing', () => {
  it("reads the server's own elapsed_ms from an answer's meta, and nothing from answers without one", () => {
    expect(serverElapsedMs('{"data":[],"meta":{"rows":0,"elapsed_ms":2.4}}')).toBe(2.4);
    expect(serverElapsedMs('{"data":[{"elapsed_ms":5}]}')).toBeNull();
    expect(serverElapsedMs('{"status":"ok"}')).toBeNull();
    expect(serverElapsedMs('not json "elapsed_ms"')).toBeNull();
  });
});

describe('proc', () => {
  it('parses VmRSS and VmHWM', () => {
    const text = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t7\n';
    expect(parseProcStatus(text)).toEqual({ rssBytes: 102400 * 1024, peakBytes: 204800 * 1024 });
    expect(parseProcStatus('Name:\tzombie\n')).toBeNull();
  });

  it('reads utime + stime from /proc/<pid>/stat, even with spaces and parens in the name', () => {
    const text = '4242 (node (main) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 1000 1 1';
    expect(parseProcStatCpu(text)).toBe(3);
  });

  it('reads the parent pid, and a process tree\'s CPU as at least its root\'s', () => {
    expect(parseProcStatPpid('4242 (node (main) x) S 17 4242 4242 0 -1')).toBe(17);
    expect(parseProcStatPpid('garbage')).toBeNull();
    const own = readCpuSeconds(process.ppid)!;
    expect(readTreeCpuSeconds(process.ppid)).toBeGreaterThanOrEqual(own);
    expect(readTreeCpuSeconds(2 ** 22 + 1)).toBeNull();
  });

  it('reads one thread\'s CPU time, at most its process\'s', () => {
    const main = readThreadCpuSeconds(process.pid);
    const all = readCpuSeconds(process.pid);
    expect(main).toBeGreaterThan(0);
    expect(main).toBeLessThanOrEqual(all!);
    expect(readThreadCpuSeconds(process.pid, 2 ** 22 + 1)).toBeNull();
  });

  it('reads the machine\'s busy time from /proc/stat: all but idle and iowait, steal included', () => {
    const text = 'cpu  1000 10 200 5000 70 3 4 5 100 0\ncpu0 500 5 100 2500 35 1 2 2 50 0\nintr 1\n';
    expect(parseMachineBusySeconds(text)).toBeCloseTo(12.22, 10);
    expect(parseMachineBusySeconds('intr 1\n')).toBeNull();
  });

  const dir = mkdtempSync(join(tmpdir(), 'pulse-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sums file sizes under a directory, nested ones included', async () => {
    writeFileSync(join(dir, 'pulse.duckdb'), Buffer.alloc(1000));
    mkdirSync(join(dir, 'exports'));
    writeFileSync(join(dir, 'exports', 'a.csv'), Buffer.alloc(24));
    expect(await dirBytes(dir)).toBe(1024);
  });
});

describe('pulse process', () => {
  it('runs the server with the Node flags of `npm start`, read from the package.json it names', () => {
    const repo = mkdtempSync(join(tmpdir(), 'pulse-bench-flags-'));
    try {
      const write = (start: string) => writeFileSync(join(repo, 'package.json'), JSON.stringify({ scripts: { start } }));
      write('npm run build && MALLOC_ARENA_MAX=2 node --heap-growing-percent=50 --max-semi-space-size=32 packages/server/dist/cli/main.js serve');
      expect(startNodeFlags(repo)).toEqual(['--heap-growing-percent=50', '--max-semi-space-size=32']);
      write('node packages/server/dist/cli/main.js serve');
      expect(startNodeFlags(repo)).toEqual([]);
      write('tsx packages/server/src/cli/main.ts serve');
      expect(() => startNodeFlags(repo)).toThrow(/does not run packages\/server\/dist\/cli\/main\.js/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
    // This repository's own start script.
    expect(startNodeFlags(join(import.meta.dirname, '..'))).toContain('--heap-growing-percent=50');
  });
});

describe('duckdb storage', () => {
  it('charges each segment up to the next one of its block, the last one the tail, additional blocks whole', () => {
    const bytes = chargeSegments([
      { table: 'a', block: 1, offset: 0, additional: [] },
      { table: 'b', block: 1, offset: 100, additional: [] },
      { table: 'a', block: 1, offset: 40, additional: [] },
      { table: 'b', block: 2, offset: 0, additional: [7, 7] },
      { table: 'a', block: 3, offset: 10, additional: [2] },
    ], 1000);
    // Block 1: a 0–40, a 40–100, b 100–1000; block 2: b whole; block 3 from 10; 7 once; 2 is already charged.
    expect(bytes).toEqual({ a: 40 + 60 + 990, b: 900 + 1000 + 1000 });
  });

  const dir = mkdtempSync(join(tmpdir(), 'pulse-bench-storage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every table of a file: rows, and bytes within the blocks in use', async () => {
    const path = join(dir, 'x.duckdb');
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run('CREATE TABLE big AS SELECT i, md5(i::VARCHAR) AS s FROM range(200000) t(i)');
    await c.run('CREATE TABLE small AS SELECT 1 AS x');
    await c.run('CREATE TABLE empty (x INTEGER)');
    await c.run('CHECKPOINT');
    c.closeSync();
    instance.closeSync();
    const s = await duckDbStorage(path);
    expect(s.tables.big?.rows).toBe(200_000);
    expect(s.tables.small?.rows).toBe(1);
    expect(s.tables.empty).toEqual({ rows: 0, bytes: 0 });
    // 200k md5 strings (32 B each) cannot take less than their characters; every table fits in the blocks in use.
    expect(s.tables.big!.bytes).toBeGreaterThan(200_000 * 16);
    expect(s.tables.big!.bytes + s.tables.small!.bytes).toBeLessThanOrEqual(s.usedBlocks * s.blockSize);
  });
});

describe('args', () => {
  it('parses --quick and comma or repeated --only', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false, only: null, render: false, update: false, record: false, help: false });
    expect(parseBenchArgs(['--quick', '--only', 'ingest,query', '--only', 'sdk'])).toEqual({
      quick: true, only: ['ingest', 'query', 'sdk'], render: false, update: false, record: false, help: false,
    });
    expect(parseBenchArgs(['--render']).render).toBe(true);
    expect(parseBenchArgs(['--record']).record).toBe(true);
    expect(parseBenchArgs(['--only', 'metrics', '--update']).update).toBe(true);
    expect(() => parseBenchArgs(['--update'])).toThrow(/--update needs --only/);
    expect(() => parseBenchArgs(['--quick', '--only', 'metrics', '--update'])).toThrow(/full sizes/);
    expect(() => parseBenchArgs(['--fast'])).toThrow();
  });
});

describe('query cases', () => {
  it('covers every preset over 24 h and 30 d and every panel over 7 d and 30 d', () => {
    const ids = QUERY_CASES.map((c) => c.id);
    expect(ids).toHaveLength(16);
    expect(new Set(ids).size).toBe(16);
    expect(ids).toEqual(expect.arrayContaining(['usage_overview_24h', 'api_metrics_30d', 'heatmap_7d', 'errors_by_type_30d']));
  });

  it('builds the Pulse URL with the case window', () => {
    const c = QUERY_CASES.find((q) => q.id === 'top_users_7d')!;
    const end = Date.parse('2024-01-31T00:00:00Z');
    const url = pulseUrl(new URL('http://127.0.0.1:9999'), c, caseRange(c, end));
    expect(url.pathname).toBe('/v1/query');
    expect(url.searchParams.get('dimensions')).toBe('user_id');
    expect(url.searchParams.get('start_date')).toBe('2024-01-24T00:00:00.000Z');
    expect(url.searchParams.get('end_date')).toBe('2024-01-31T00:00:00.000Z');
  });

  it('runs PostgreSQL fewer times when a query is slow', () => {
    const policy = { fast: 10, medium: 5, slow: 3 };
    expect(pgReps(120, policy)).toBe(10);
    expect(pgReps(1_200, policy)).toBe(5);
    expect(pgReps(12_000, policy)).toBe(3);
  });

  it('compares grouped counts row by row', () => {
    expect(comparePairs([['u1', 3], ['u2', 2]], [['u1', 3], ['u2', 2]])).toBeNull();
    expect(comparePairs([['u1', 3]], [['u1', 4]])).toBe('row 0: u1=3 vs u1=4');
    expect(comparePairs([['u1', 3]], [])).toBe('1 rows vs 0');
  });
});

describe('query report', () => {
  const summary = (p50: number, p95: number) => ({ n: 5, min: p50, mean: p50, p50, p95, p99: p95, max: p95 });
  const cases: CaseResult[] = [
    { id: 'a_24h', label: 'a', days: 1, pulse: summary(5, 8), pulseNew: summary(7, 9), pg: summary(200, 250) },
    { id: 'b_30d', label: 'b', days: 30, pulse: summary(90, 140), pulseNew: summary(95, 150), pg: summary(450, 500) },
    { id: 'c_30d', label: 'c', days: 30, pulse: summary(20, 30), pulseNew: summary(22, 31), pg: summary(1000, 1100) },
  ];
  const size: SizeResult = {
    size: 10_000_000,
    label: sizeLabel(10_000_000),
    load: { seconds: 50, eventsPerSec: 200_000, accepted: 10_000_000, rejected: 0, retries: 0 },
    datasetSeconds: 30,
    jsonBytesPerEvent: 314,
    rssLoad: { samples: 10, maxSampledBytes: 300e6, meanSampledBytes: 250e6, peakBytes: 320e6 },
    rssQuery: { samples: 10, maxSampledBytes: 350e6, meanSampledBytes: 300e6, peakBytes: 380e6 },
    storeBytes: 180_000_000,
    storedEvents: 10_000_000,
    pg: { rows: 10_000_000, copySeconds: 60, indexSeconds: 40, analyzeSeconds: 5, totalBytes: 4e9, tableBytes: 3e9 },
    cases,
    checks: [],
    httpFloor: summary(0.6, 0.9),
  };

  it('finds the slowest p95 and the smallest speed-up', () => {
    expect(size.label).toBe('10M');
    const v = verdict(size);
    expect(v.maxP95?.id).toBe('b_30d');
    expect(v.over100).toBe(1);
    expect(v.minSpeedup?.id).toBe('b_30d');
    expect(v.under10x).toBe(1);
    expect(v.peakRssMb).toBe(380);
    expect(v.bytesPerEvent).toBe(18);
    expect(v.geomeanSpeedup).toBeCloseTo(Math.cbrt(40 * 5 * 50), 10);
  });

  it('shows each query over a new range beside its repeated runs', () => {
    const md = renderQueryMarkdown([size], { ok: false, reason: 'not here' }, false);
    const header = md.split('\n').find((l) => l.startsWith('| query'))!;
    expect(header.split('|').map((c) => c.trim())).toContain('Pulse p50 ms, new range');
    const row = md.split('\n').find((l) => l.startsWith('| b '))!.split('|').map((c) => c.trim());
    expect(row.slice(3, 6)).toEqual(['90.0', '**140**', '95.0']);
  });

  it('says the cases waited for the start-up tasks only for runs that did', () => {
    const text = (s: SizeResult): string => renderQueryMarkdown([s], { ok: false, reason: 'not here' }, false);
    expect(text(size)).not.toContain('background tasks had run');
    expect(text({ ...size, startUpTasksSeconds: 120.4 })).toContain('once each of its background tasks had run (120 s');
    expect(queryResults([{ ...size, startUpTasksSeconds: 120.44 }])['10M.start_up_tasks_s']).toBe(120.4);
    expect(queryResults([size])['10M.start_up_tasks_s']).toBeNull();
  });

  it('names the task runs of 50 ms or more that started during a case', () => {
    const at = Date.UTC(2026, 11, 3, 8, 0, 0);
    const task = (name: string, startedMs: number | null, ms: number | null, running = false): TaskState =>
      ({ name, running, runs: 1, lastStartedAt: startedMs === null ? null : new Date(startedMs).toISOString(), lastDurationMs: ms });
    expect(startedSince([
      task('retention', at + 1_000, 6_002.8),
      task('rollups', at + 2_000, 8.3),
      task('export-cleanup', at - 1, 900),
      task('system-sample', at + 500, null, true),
      task('reports', null, null),
    ], at)).toEqual(['retention (6002.8 ms)', 'system-sample (running)']);
  });

  it('exposes the figures the targets read', () => {
    const r = queryResults([size]);
    expect(r).toMatchObject({
      size_label: '10M events', max_p95_ms: 140, max_p95_query: 'b_30d', min_speedup: 5, min_speedup_query: 'b_30d',
      queries_over_100ms: 1, queries_under_10x: 1, bytes_per_event: 18, peak_rss_mb: 380,
      '10M.pg_bytes_per_event': 400, '10M.c_30d.speedup_p50': 50, '10M.http_floor_p50_ms': 0.6, '10M.a_24h.pulse_new_range_p50_ms': 7,
    });
    const targets = evaluateTargets([{ id: 'query', title: 'Q', markdown: '', results: r }]);
    expect(targets.find((t) => t.spec.key === 'max_p95_ms')).toMatchObject({ met: false, context: 'b_30d' });
    expect(targets.find((t) => t.spec.key === 'bytes_per_event')).toMatchObject({ met: true });
    expect(targets.find((t) => t.spec.key === 'peak_rss_mb')).toMatchObject({ met: true });
  });
});

describe('report', () => {
  const machine: MachineInfo = {
    date: '2024-06-01T00:00:00.000Z', cpuModel: 'Test CPU', cores: 2, ramBytes: 24 * 1024 ** 3, os: 'Linux', node: 'v20.0.0',
    duckdb: 'v1.0.0', postgres: '15.18', gitCommit: 'abc123', gitDirty: true,
  };

  it('says which sections a later --update run measured, with their own date and commit', () => {
    const sections = [
      { id: 'ingest', title: 'Ingest through HTTP', markdown: 'old', results: {} },
      { id: 'metrics', title: 'Prometheus metrics', markdown: 'new', results: {}, measured: { date: '2024-06-02T10:00:00.000Z', commit: 'def456', dirty: false } },
    ];
    const md = renderReport({ machine, sections, targets: evaluateTargets(sections), quick: false, analysis: null, wallSeconds: 60 });
    expect(md).toContain('| Prometheus metrics | 2024-06-02T10:00:00.000Z | def456 |');
    expect(md).toContain('_Measured 2024-06-02T10:00:00.000Z at def456 by `npm run bench -- --only metrics` (recorded with `--update` or `--record`)');
    expect(md.match(/_Measured /g)).toHaveLength(1);
  });

  it('puts machine, summary, reproduction, analysis and sections in the doc', () => {
    const sections = [{ id: 'ingest', title: 'Ingest through HTTP', markdown: 'body text', results: { best_events_per_s: 100_000 } }];
    const targets = evaluateTargets(sections);
    const md = renderReport({ machine, sections, targets, quick: false, analysis: '## Why targets were missed\n\nBecause.', wallSeconds: 600 });
    expect(md).toContain('| CPU | Test CPU, 2 cores |');
    expect(md).toContain('| commit | abc123 (with uncommitted changes) |');
    expect(md).toContain('❌ missed: 50 % of the target (2.00× short)');
    expect(md).toContain('`npm run bench`');
    expect(md.indexOf('## Why targets were missed')).toBeLessThan(md.indexOf('## Ingest through HTTP'));
    expect(md).not.toMatch(/\n\n\n/);
    expect(renderSummary(targets).split('\n')).toHaveLength(2 + TARGETS.length);
  });
});

describe('timed load over several instances', () => {
  it('sends sender i to url i mod n, over one pass of the bodies', async () => {
    const seen: string[][] = [[], []];
    const servers = await Promise.all([0, 1].map((i) => new Promise<{ url: URL; close: () => void }>((resolve) => {
      const srv = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          seen[i]!.push(body);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ accepted: 1 }));
        });
      });
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address() as { port: number };
        resolve({ url: new URL(`http://127.0.0.1:${addr.port}/v1/events`), close: () => srv.close() });
      });
    })));
    const agent = createAgent(4);
    try {
      const bodies = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => ({ data: Buffer.from(x), events: 1 }));
      const r = await runTimedLoad({ agent, url: servers.map((s) => s.url), bodies, headers: {}, concurrency: 4, warmupMs: 0, durationMs: 150 });
      expect(seen[0]!.length).toBeGreaterThan(0);
      expect(seen[1]!.length).toBeGreaterThan(0);
      expect(r.totalAccepted).toBe(seen[0]!.length + seen[1]!.length);
      // One cursor shared by both instances' senders: every body is sent as often as the others, give or take one.
      const counts = new Map<string, number>();
      for (const b of [...seen[0]!, ...seen[1]!]) counts.set(b, (counts.get(b) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    } finally {
      agent.destroy();
      for (const s of servers) s.close();
    }
  });
});

describe('clickhouse report', () => {
  const summary = (p50: number, p95: number) => ({ n: 20, min: p50, mean: p50, p50, p95, p99: p95, max: p95 });
  const load = (eventsPerSec: number, totalAccepted: number) => ({
    events: eventsPerSec * 10, requests: eventsPerSec / 100, seconds: 10, eventsPerSec, latenciesMs: [], rejected: 0, retries: 0, totalAccepted,
  });
  const rows: IngestRow[] = [
    { setup: 'duckdb_1', instances: 1, load: load(40_000, 500_000), latency: summary(80, 150), cpu: { wallSeconds: 13, servers: { pulse: 15 }, clientSeconds: 0.5 }, pulseRssMaxMb: 350, clickhouseRssMaxMb: null },
    { setup: 'clickhouse_1', instances: 1, load: load(20_000, 250_000), latency: summary(300, 500), cpu: { wallSeconds: 13, servers: { pulse: 10, clickhouse: 12.5, postgres: null }, clientSeconds: 0.2 }, pulseRssMaxMb: 220, clickhouseRssMaxMb: 300 },
    { setup: 'clickhouse_2', instances: 2, load: load(30_000, 400_000), latency: summary(250, 600), cpu: { wallSeconds: 13, servers: { pulse: 16, clickhouse: 20, postgres: 2 }, clientSeconds: 0.3 }, pulseRssMaxMb: 230, clickhouseRssMaxMb: 350 },
  ];
  const cases: EngineCase[] = [
    { id: 'a_24h', label: 'a', days: 1, duckdb: summary(10, 20), clickhouse: summary(30, 40) },
    { id: 'b_30d', label: 'b', days: 30, duckdb: summary(60, 90), clickhouse: summary(100, 180) },
  ];
  const bytes = { events: 300_000_000, rollups: 200_000_000, total: 520_000_000, free: null, eventRows: 10_000_000 };
  const run: ClickHouseRun = {
    clickhouseVersion: '18.16.1', compression: 'zstd', postgresVersion: '15.18', postgresCpu: true, cores: 2, quick: false,
    ingest: { rows, senders: 4, warmupMs: 3000, durationMs: 15000, poolEvents: 400_000, jsonBytesPerEvent: 319, clickhouseStored: 650_000, clickhouseAcknowledged: 650_000 },
    query: {
      size: 10_000_000, plan: { warmups: 2, reps: 20 }, clickhouseLoad: { events: 10_000_000, appendRows: 100_000, appendSeconds: 500, mergeSeconds: 60 },
      duckdbBytes: { ...bytes, rollups: 100_000_000, free: 50_000_000 }, clickhouseBytes: bytes, counts: { duckdb: 10_000_000, clickhouse: 10_000_000 },
      cases, checks: [{ id: 'a_24h', agree: true, detail: '3 identical rows' }],
      httpFloor: { duckdb: summary(0.5, 0.9), clickhouse: summary(0.6, 1) }, rssMb: { duckdbPulse: 400, clickhousePulse: 200, clickhouseServer: 900 },
    },
  };

  it('charges CPU per acknowledged event, adding the processes that could be read', () => {
    expect(usPerEvent(rows[0]!, 'pulse')).toBeCloseTo(30, 10);
    expect(usPerEvent(rows[1]!, 'postgres')).toBeNull();
    expect(serverUsPerEvent(rows[1]!)).toBeCloseTo(40 + 50, 10);
    expect(serverUsPerEvent(rows[2]!)).toBeCloseTo(40 + 50 + 5, 10);
  });

  it('finds each engine\'s slowest p95 and the figures of the doc', () => {
    expect(engineVerdict(cases, 'clickhouse')).toMatchObject({ slowest: { id: 'b_30d' }, over: 1 });
    expect(engineVerdict(cases, 'duckdb').over).toBe(0);
    const r = clickhouseResults(run);
    expect(r).toMatchObject({
      'ingest.duckdb_1.events_per_s': 40_000, 'ingest.clickhouse_2.server_cpu_us_per_event': 95, 'ingest.clickhouse_1.postgres_cpu_us_per_event': null,
      '10M.b_30d.clickhouse_p95_ms': 180, clickhouse_max_p95_ms: 180, duckdb_max_p95_ms: 90, clickhouse_queries_over_100ms: 1,
      duckdb_bytes_per_event: 52, clickhouse_events_table_bytes_per_event: 30, duckdb_rollup_bytes_per_event: 10, checks_failed: 0,
      clickhouse_load_events_per_s: 20_000,
    });
    expect(r.p95_ratio_geomean).toBeCloseTo(Math.sqrt(2 * 2), 2);
    const md = renderClickHouseMarkdown(run);
    expect(md).toContain('| ClickHouse + PostgreSQL, 2 instances | 30,000 | 0.75× |');
    expect(md).toContain('every acknowledged event stored once');
    expect(md).toContain('| events table | 30.0 B/event | 30.0 B/event |');
    expect(md).toContain('| of which free space | 5.0 B/event (free blocks of the file) | — |');
    expect(r).toMatchObject({ duckdb_free_bytes_per_event: 5, clickhouse_free_bytes_per_event: null });
    expect(md).not.toContain('Quick run');
  });

  it('says when the stores disagree or acknowledged events are missing', () => {
    const bad = { ...run, ingest: { ...run.ingest, clickhouseStored: 649_000 }, query: { ...run.query, counts: { duckdb: 10, clickhouse: 9 } } };
    const md = renderClickHouseMarkdown(bad);
    expect(md).toContain('**acknowledged events are missing**');
    expect(md).toContain('**they differ**');
    expect(clickhouseResults(bad).checks_failed).toBe(1);
  });

  it('splits ClickHouse tables into events, rollups and the rest', () => {
    const split = splitBytes([
      { table: 'events', rows: 100, bytes: 3000, parts: 2 },
      { table: 'rollup_hour', rows: 10, bytes: 500, parts: 2 },
      { table: 'latency_hour', rows: 10, bytes: 200, parts: 2 },
      { table: 'idempotency', rows: 5, bytes: 50, parts: 1 },
    ]);
    expect(split).toEqual({ events: 3000, rollups: 700, total: 3750, free: null, eventRows: 100 });
  });

  it('compares two Pulse answers of a grouped count, and reads the size override', () => {
    const c = QUERY_CASES.find((q) => q.id === 'top_users_7d')!;
    const body = (n: number) => JSON.stringify({ data: [{ user_id: 'u1', count: n }, { user_id: 'u2', count: 2 }] });
    expect(crossCheckPulse(c, body(3), body(3))).toEqual({ id: 'top_users_7d', agree: true, detail: '2 identical rows' });
    expect(crossCheckPulse(c, body(3), body(4))?.detail).toBe('row 0: u1=3 vs u1=4');
    expect(crossCheckPulse(QUERY_CASES.find((q) => q.id === 'heatmap_7d')!, '{}', '{}')).toBeNull();
    expect(sizeFromEnv('PULSE_BENCH_CH_EVENTS', undefined)).toBeUndefined();
    expect(sizeFromEnv('PULSE_BENCH_CH_EVENTS', '1000000')).toBe(1_000_000);
    expect(() => sizeFromEnv('PULSE_BENCH_CH_EVENTS', '1e3x')).toThrow(/PULSE_BENCH_CH_EVENTS must be/);
    expect(() => sizeFromEnv('PULSE_BENCH_CH_EVENTS', '10')).toThrow(/≥ 1000/);
  });
});
