/**
 * `npm run bench` — runs every bench in this process, one after another, prints progress, and
 * regenerates docs/benchmarks.md and docs/benchmarks.json from the run (see lib/args.ts for options).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ingestBench } from './ingest.bench.js';
import { liveBench } from './live.bench.js';
import { parseBenchArgs, sizeFromEnv, USAGE } from './lib/args.js';
import { machineInfo, type MachineInfo } from './lib/machine.js';
import { renderReport } from './lib/report.js';
import { evaluateTargets, type TargetResult } from './lib/targets.js';
import { releasePostgres, resolvePostgres, type PostgresTarget } from './postgres/service.js';
import { queryBench } from './query.bench.js';
import type { Bench, BenchSection } from './types.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
};

interface Entry {
  id: string;
  /** null: the bench's file is not there (yet). */
  load: () => Promise<Bench | null>;
}

/** A bench another file default-exports, if that file exists. */
const external = (id: string, file: string): Entry => ({
  id,
  load: async () => {
    const path = join(repoRoot, 'benchmarks', file);
    if (!existsSync(path)) return null;
    const mod = (await import(pathToFileURL(path).href)) as { default?: Bench };
    if (typeof mod.default !== 'function') throw new Error(`${file} has no default-exported bench`);
    return mod.default;
  },
});

function entries(postgres: () => Promise<PostgresTarget>): Entry[] {
  return [
    external('validation', 'validation.bench.ts'),
    external('store-append', 'store-append.bench.ts'),
    { id: 'ingest', load: async () => ingestBench({ repoRoot, log }) },
    { id: 'otlp', load: async () => (await import('./otlp.bench.js')).otlpBench({ repoRoot, log }) },
    { id: 'query', load: async () => queryBench({ repoRoot, postgres: await postgres(), log }) },
    {
      id: 'clickhouse',
      load: async () => {
        const { clickhouseBench } = await import('./clickhouse.bench.js');
        const events = sizeFromEnv('PULSE_BENCH_CH_EVENTS', process.env.PULSE_BENCH_CH_EVENTS);
        return clickhouseBench({ repoRoot, postgres: await postgres(), log, ...(events !== undefined && { events }) });
      },
    },
    external('sdk', 'sdk.bench.ts'),
    { id: 'live', load: async () => liveBench({ repoRoot, log }) },
    // Loaded only when selected: it pulls in playwright-core and the dashboard's browser-test support.
    // Benches of the features in progress (skipped while their file is absent).
    external('metrics', 'metrics.bench.ts'),
    external('alerting', 'alerting.bench.ts'),
    external('analytics', 'analytics.bench.ts'),
    external('operations', 'operations.bench.ts'),
    external('export', 'export.bench.ts'),
    external('retention', 'retention.bench.ts'),
    external('rollups', 'rollups.bench.ts'),
    { id: 'dashboard', load: async () => (await import('./dashboard.bench.js')).dashboardBench({ repoRoot, log }) },
  ];
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.render) return render();
  if (args.record) return record();
  let pgTarget: PostgresTarget | null = null;
  const postgres = async (): Promise<PostgresTarget> =>
    (pgTarget ??= await resolvePostgres(repoRoot, process.env.PULSE_BENCH_POSTGRES_URL));
  const all = entries(postgres);
  const unknown = (args.only ?? []).filter((id) => !all.some((e) => e.id === id));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench id: ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const selected = all.filter((e) => args.only === null || args.only.includes(e.id));

  const t0 = performance.now();
  const tmpDir = join(repoRoot, '.tmp', `bench-${process.pid}`);
  mkdirSync(tmpDir, { recursive: true });
  const sections: BenchSection[] = [];
  let failed = 0;
  try {
    for (const entry of selected) {
      const bench = await entry.load();
      if (!bench) {
        log(`[${entry.id}] skipped: its file is not there`);
        continue;
      }
      log(`[${entry.id}] running${args.quick ? ' (quick)' : ''}`);
      const started = performance.now();
      try {
        const benchDir = join(tmpDir, entry.id);
        mkdirSync(benchDir, { recursive: true });
        const section = await bench({ quick: args.quick, tmpDir: benchDir });
        sections.push(section);
        log(`[${entry.id}] done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      } catch (err) {
        failed++;
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`[${entry.id}] FAILED: ${message}`);
        sections.push({ id: entry.id, title: `${entry.id} (failed)`, markdown: `The bench failed:\n\n\`\`\`\n${message}\n\`\`\``, results: { error: message.split('\n')[0] ?? 'error' } });
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }

  const pg = pgTarget as PostgresTarget | null;
  if (pg) await releasePostgres(repoRoot, pg);
  const complete = !args.quick && args.only === null && failed === 0;
  const run: SavedRun = {
    machine: await machineInfo(repoRoot, pg?.ok ? pg.version : null),
    wallSeconds: (performance.now() - t0) / 1000,
    quick: args.quick,
    sections,
  };
  if (args.update) {
    if (failed > 0) {
      log(`not updating ${DOC_MD}: ${failed} bench(es) failed`);
      return 1;
    }
    return update(run);
  }
  const [mdPath, jsonPath] = complete
    ? [DOC_MD, DOC_JSON]
    : args.quick
      ? [join(repoRoot, '.tmp', 'benchmarks-quick.md'), join(repoRoot, '.tmp', 'benchmarks-quick.json')]
      : [join(repoRoot, '.tmp', 'benchmarks-only.md'), join(repoRoot, '.tmp', 'benchmarks-only.json')];
  const targets = write(run, mdPath, jsonPath, complete);
  for (const t of targets) log(`target ${t.spec.label}: ${t.verdict}${t.context ? ` (${t.context})` : ''}`);
  log(`wrote ${mdPath} and ${jsonPath}${failed > 0 ? ` — ${failed} bench(es) failed` : ''}`);
  return failed > 0 ? 1 : 0;
}

/** What docs/benchmarks.json holds: enough to re-render the doc without measuring again. */
interface SavedRun {
  machine: MachineInfo;
  wallSeconds: number;
  quick: boolean;
  sections: BenchSection[];
}

const DOC_MD = join(repoRoot, 'docs', 'benchmarks.md');
const DOC_JSON = join(repoRoot, 'docs', 'benchmarks.json');
const ANALYSIS = join(repoRoot, 'benchmarks', 'analysis.md');

function write(run: SavedRun, mdPath: string, jsonPath: string | null, withAnalysis: boolean): TargetResult[] {
  const targets = evaluateTargets(run.sections);
  const markdown = renderReport({
    machine: run.machine,
    sections: run.sections,
    targets,
    quick: run.quick,
    analysis: withAnalysis && existsSync(ANALYSIS) ? readFileSync(ANALYSIS, 'utf8') : null,
    wallSeconds: run.wallSeconds,
  });
  mkdirSync(dirname(mdPath), { recursive: true });
  writeFileSync(mdPath, markdown);
  if (jsonPath !== null) {
    const summary = targets.map((t) => ({ ...t.spec, measured: t.measured, met: t.met, verdict: t.verdict, context: t.context }));
    writeFileSync(jsonPath, `${JSON.stringify({ ...run, targets: summary }, null, 2)}\n`);
  }
  return targets;
}

/** `--only … --update`: the selected sections replace theirs in the saved run, each stamped with this run's date. */
function update(fresh: SavedRun): number {
  if (!existsSync(DOC_JSON)) {
    process.stderr.write(`${DOC_JSON} does not exist: run the full \`npm run bench\` first\n`);
    return 1;
  }
  const saved = JSON.parse(readFileSync(DOC_JSON, 'utf8')) as SavedRun;
  const stamp = { date: fresh.machine.date, commit: fresh.machine.gitCommit, dirty: fresh.machine.gitDirty };
  const sections = [...saved.sections];
  for (const section of fresh.sections) {
    const stamped = { ...section, measured: stamp };
    const at = sections.findIndex((s) => s.id === section.id);
    if (at >= 0) sections[at] = stamped;
    else sections.push(stamped);
  }
  const targets = write({ ...saved, sections }, DOC_MD, DOC_JSON, true);
  for (const t of targets) log(`target ${t.spec.label}: ${t.verdict}${t.context ? ` (${t.context})` : ''}`);
  log(`updated ${fresh.sections.map((s) => s.id).join(', ')} in ${DOC_MD} and ${DOC_JSON}`);
  return 0;
}

/**
 * `--record`: the sections of the last `--only` run (.tmp/benchmarks-only.json, written by a run without `--update`)
 * recorded as `--update` would have recorded them, stamped with that run's date and commit.
 */
function record(): number {
  const path = join(repoRoot, '.tmp', 'benchmarks-only.json');
  if (!existsSync(path)) {
    process.stderr.write(`${path} does not exist: run \`npm run bench -- --only <ids>\` first\n`);
    return 1;
  }
  const run = JSON.parse(readFileSync(path, 'utf8')) as SavedRun;
  if (run.quick) {
    process.stderr.write(`${path} holds a --quick run: not recorded\n`);
    return 1;
  }
  return update(run);
}

/** `--render`: the doc again from the saved figures, with the current analysis prose. */
function render(): number {
  if (!existsSync(DOC_JSON)) {
    process.stderr.write(`${DOC_JSON} does not exist: run \`npm run bench\` first\n`);
    return 1;
  }
  const run = JSON.parse(readFileSync(DOC_JSON, 'utf8')) as SavedRun;
  write(run, DOC_MD, null, !run.quick);
  log(`re-rendered ${DOC_MD} from ${DOC_JSON}`);
  return 0;
}

process.exitCode = await main();
