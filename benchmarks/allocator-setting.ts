/**
 * Why Pulse leaves DuckDB's allocator as DuckDB sets it (docs/configuration.md, "Memory"). DuckDB's built-in jemalloc
 * returns freed pages to the system after about a second (`dirty_decay_ms:1000`); a query after a pause faults its
 * working memory back in. Keeping freed pages longer (`DUCKDB_JE_MALLOC_CONF`) lowers short queries' tails but raises
 * an export's peak RSS. This measures both, with Pulse servers side by side on copies of one store, one per setting:
 *
 *   1. every query case of the query bench, each after a pause in which every server idles (standing in for the
 *      PostgreSQL side the query bench runs in between), then 2 warm-ups and 20 timed runs on each server, the
 *      servers' order alternating case by case and round by round;
 *   2. the export bench's exports on each server in turn (the others idle), the server's RSS sampled every 100 ms.
 *
 * A plain script (its figures are written to the terminal, not to docs/benchmarks.md):
 *
 *   node --import tsx benchmarks/allocator-setting.ts [--events 10000000] [--rounds 2] [--pause-ms 5000]
 *     [--conf dirty_decay_ms:60000,muzzy_decay_ms:60000] [--conf …]   (each --conf: one more server; DuckDB's own always)
 */
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KINDS, runExport, wholeRange } from './export.bench.js';
import { createAgent } from './lib/http.js';
import { RssSampler } from './lib/proc.js';
import { startPulseProcess, type PulseProcess } from './lib/pulse-process.js';
import { waitForStartUpTasks } from './lib/start-up-tasks.js';
import { summarize } from './lib/stats.js';
import { RUN_END_MS, storedDataset } from './lib/stored-dataset.js';
import { timePulse } from './lib/timing.js';
import { caseRange, pulseUrl, QUERY_CASES } from './query-cases.js';
import { PULSE_PLAN_FULL } from './query-settings.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    rounds: { type: 'string', default: '2' },
    'pause-ms': { type: 'string', default: '5000' },
    conf: { type: 'string', multiple: true, default: ['dirty_decay_ms:60000,muzzy_decay_ms:60000'] },
  },
});
const count = Number(args.events);
const rounds = Number(args.rounds);
const pauseMs = Number(args['pause-ms']);
// DuckDB's own setting, written out, so an operator's DUCKDB_JE_MALLOC_CONF in this shell cannot change the baseline.
const VARIANTS: readonly { name: string; conf: string }[] = [
  { name: 'duckdb-default', conf: 'dirty_decay_ms:1000,muzzy_decay_ms:1000' },
  ...args.conf.map((conf, i) => ({ name: `setting-${i + 1}`, conf })),
];
const log = (m: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);

const root = join(repoRoot, '.tmp', 'allocator-setting');
rmSync(root, { recursive: true, force: true });
const base = join(root, 'base');
await storedDataset(repoRoot, base, { count, endMs: RUN_END_MS }, log);

const servers: { name: string; conf: string; pulse: PulseProcess }[] = [];
const agent = createAgent(1);
try {
  for (const v of VARIANTS) {
    const dir = join(root, v.name);
    mkdirSync(dir, { recursive: true });
    cpSync(base, join(dir, 'data'), { recursive: true });
    const pulse = await startPulseProcess({ repoRoot, dataDir: join(dir, 'data'), workDir: dir, env: { DUCKDB_JE_MALLOC_CONF: v.conf } });
    servers.push({ ...v, pulse });
  }
  for (const s of servers) await waitForStartUpTasks(agent, s.pulse.url);
  log(`servers ready: ${servers.map((s) => `${s.name} (${s.conf})`).join(', ')}`);

  // 1. Queries after a pause.
  const p95s = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  const p50s = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of QUERY_CASES.entries()) {
      await new Promise((r) => setTimeout(r, pauseMs));
      const order = (i + round) % 2 === 0 ? servers : [...servers].reverse();
      const line: Record<string, string> = {};
      for (const s of order) {
        const t = summarize((await timePulse(agent, pulseUrl(s.pulse.url, c, caseRange(c, RUN_END_MS)), PULSE_PLAN_FULL)).ms);
        p95s.get(s.name)!.push(t.p95);
        p50s.get(s.name)!.push(t.p50);
        line[s.name] = `${s.name} p50 ${t.p50.toFixed(1)} p95 ${t.p95.toFixed(1)}`;
      }
      log(`round ${round + 1} ${c.id.padEnd(24)} ${servers.map((s) => line[s.name]).join(' | ')}`);
    }
  }
  for (const s of servers) {
    log(`${s.name}: over ${p95s.get(s.name)!.length} case runs, median p50 ${summarize(p50s.get(s.name)!).p50.toFixed(1)} ms, ` +
      `median p95 ${summarize(p95s.get(s.name)!).p50.toFixed(1)} ms`);
  }

  // 2. Exports: each server in turn, its RSS sampled.
  const range = wholeRange(RUN_END_MS);
  for (let round = 0; round < rounds; round++) {
    for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
      const sampler = new RssSampler(s.pulse.pid, 100).start();
      const parts: string[] = [];
      let peak = 0;
      try {
        for (const kind of KINDS) {
          const r = await runExport(s.pulse.url, kind, range, sampler);
          peak = Math.max(peak, r.rssMaxMb ?? 0);
          parts.push(`${kind.id} ${r.seconds.toFixed(1)} s, RSS max ${(r.rssMaxMb ?? 0).toFixed(0)} MB`);
          // A 10M-event JSON lines file is ~7 GB: each goes once timed.
          const exportsDir = join(root, s.name, 'data', 'exports');
          for (const f of readdirSync(exportsDir)) rmSync(join(exportsDir, f), { force: true });
        }
      } finally {
        sampler.stop();
      }
      log(`round ${round + 1} exports on ${s.name}: peak RSS ${peak.toFixed(0)} MB (${parts.join('; ')})`);
    }
  }
} finally {
  agent.destroy();
  for (const s of servers) await s.pulse.stop();
  rmSync(root, { recursive: true, force: true });
}
