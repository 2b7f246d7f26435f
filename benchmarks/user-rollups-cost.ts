/**
 * The user rollups' upkeep cost, in-process (issue 11, item 7): a plain script, not a section of `npm run bench`.
 *
 *   npm run build && node --import tsx benchmarks/user-rollups-cost.ts [--events 300000] [--every 50000] [--repeats 3]
 *
 * Each run opens a fresh DuckDB file, appends the rollups bench's synthetic events (stamped over the last 3 minutes,
 * as live ingest would: every event lands on today) in 2,000-event commits, and every `--every` events runs the
 * maintenance as the server's tasks would — the hourly/daily rollups' catch-up, then the user rollups' — with the
 * process's CPU (process.cpuUsage: every thread, DuckDB's included) measured around each step alone, after the
 * event store's queued checkpoint has finished. Three settings, interleaved in balanced order over `--repeats`
 * rounds: `off` (no rollups), `rollups` (hourly/daily only) and `users` (both); per setting the medians, in CPU ms
 * per 100k events, of:
 *  - each maintenance step (the hourly/daily rollups', the user rollups');
 *  - each feed: the rollups' in-memory accumulation of every committed batch (inside the appends);
 *  - the event store's checkpoints, which also write the row groups the rollups changed;
 *  - the whole run (appends, checkpoints, every maintenance step) — the most complete figure, and the noisiest.
 * `--dist <dir>` loads the server from another build (e.g. a copy of `packages/server/dist` of an earlier commit
 * kept under `.tmp/`), to compare two versions with the same script.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { validateEvents, type StoredEvent } from '../packages/protocol/dist/index.js';
import type * as StoreModule from '../packages/server/dist/store/duckdb/index.js';
import { createEnricher } from '../packages/server/dist/ingest/enrich/enrich.js';
import { createPricing } from '../packages/server/dist/ingest/enrich/pricing.js';
import { syntheticEvents } from '../packages/server/dist/synthetic/index.js';
import { median } from './lib/stats.js';

const repoRoot = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    every: { type: 'string', default: '50000' },
    repeats: { type: 'string', default: '3' },
    settings: { type: 'string', default: 'off,rollups,users' },
    dist: { type: 'string' },
    pool: { type: 'string', default: '200000' },
  },
});
const EVENTS = Number(args.events);
const EVERY = Number(args.every);
const REPEATS = Number(args.repeats);
const COMMIT = 2_000;
const DAY = 86_400_000;

type Setting = 'off' | 'rollups' | 'users';
const SETTINGS = args.settings!.split(',') as Setting[];
const log = (m: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} [user-rollups-cost] ${m}\n`);

const dist = resolve(args.dist ?? join(repoRoot, 'packages/server/dist'));
const { openEmbeddedEventStore } = (await import(pathToFileURL(join(dist, 'store/duckdb/index.js')).href)) as typeof StoreModule;

/** The rollups bench's pool (seed 13, over the last 3 minutes), validated and enriched once, in commits. */
function commits(): StoredEvent[][] {
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const start = end - (3 / 1440) * DAY;
  const enricher = createEnricher({ pricing: createPricing([]) });
  const pool: StoredEvent[] = [];
  for (const e of syntheticEvents({ seed: 13, startMs: start, endMs: end, count: Math.min(EVENTS, Number(args.pool)) })) {
    const { records } = validateEvents([JSON.parse(JSON.stringify(e))], end + 60_000);
    for (const r of records) {
      enricher.enrich(r, { storeText: false });
      pool.push({ ...r, project: 'default' });
    }
  }
  const out: StoredEvent[][] = [];
  // The pool replayed (as the bench's senders cycle through it) until EVENTS.
  for (let i = 0; i < EVENTS; i += COMMIT) {
    const batch: StoredEvent[] = [];
    for (let j = i; j < Math.min(EVENTS, i + COMMIT); j++) batch.push(pool[j % pool.length]!);
    out.push(batch);
  }
  return out;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

interface Run {
  setting: Setting;
  totalMs: number;
  rollupsMs: number;
  usersMs: number;
  /** Feeding the in-memory accumulators as batches commit (inside the appends). */
  rollupsFeedMs: number;
  usersFeedMs: number;
  /** The event store's checkpoints (they also write the rollup tables' changed row groups). */
  checkpointMs: number;
  wallMs: number;
}

/** Wraps `obj[method]` (sync or async) to add the process CPU it takes to `into.ms`. */
function meter(obj: Record<string, unknown>, method: string, into: { ms: number }, when: (args: unknown[]) => boolean = () => true): void {
  const orig = obj[method] as ((...args: unknown[]) => unknown) | undefined;
  if (typeof orig !== 'function') return;
  obj[method] = (...args: unknown[]): unknown => {
    if (!when(args)) return orig.apply(obj, args);
    const t = process.cpuUsage();
    const out = orig.apply(obj, args);
    if (out instanceof Promise) return out.finally(() => void (into.ms += cpuMs(t)));
    into.ms += cpuMs(t);
    return out;
  };
}

async function run(setting: Setting, batches: readonly StoredEvent[][]): Promise<Run> {
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'user-rollups-cost-'));
  try {
    const opened = await openEmbeddedEventStore({ dataDir: dir, rollups: setting !== 'off', userRollups: setting === 'users' });
    const { store, db, userRollups } = opened;
    let rollupsMs = 0;
    let usersMs = 0;
    const rollupsFeed = { ms: 0 };
    const usersFeed = { ms: 0 };
    const checkpoint = { ms: 0 };
    if (store.rollups) meter(store.rollups as unknown as Record<string, unknown>, 'accumulate', rollupsFeed);
    if (userRollups) meter(userRollups as unknown as Record<string, unknown>, 'accumulate', usersFeed);
    meter(db.writer as unknown as Record<string, unknown>, 'run', checkpoint, (args) => args[0] === 'CHECKPOINT');
    const maintain = async (): Promise<void> => {
      // The checkpoint an append queued runs first: a step's CPU is its own.
      await db.writeLock.run(async () => undefined);
      let t = process.cpuUsage();
      await store.rollups?.catchUp();
      rollupsMs += cpuMs(t);
      t = process.cpuUsage();
      await userRollups?.catchUp();
      usersMs += cpuMs(t);
    };
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    let appended = 0;
    let next = EVERY;
    try {
      for (const events of batches) {
        await store.append({ events });
        appended += events.length;
        if (appended >= next) {
          await maintain();
          next += EVERY;
        }
      }
      await maintain();
      const totalMs = cpuMs(t0);
      return { setting, totalMs, rollupsMs, usersMs, rollupsFeedMs: rollupsFeed.ms, usersFeedMs: usersFeed.ms, checkpointMs: checkpoint.ms, wallMs: performance.now() - w0 };
    } finally {
      await opened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Settings in balanced order over the rounds (A B C, C B A, …) so a drift weighs on each alike. */
function order(): Setting[] {
  const out: Setting[] = [];
  for (let r = 0; r < REPEATS; r++) out.push(...(r % 2 === 0 ? SETTINGS : [...SETTINGS].reverse()));
  return out;
}

const per100k = (ms: number): number => (ms / EVENTS) * 100_000;
const batches = commits();
log(`${EVENTS} events in ${batches.length} commits, maintenance every ${EVERY}; ${REPEATS} rounds of ${SETTINGS.join(', ')}; server from ${dist}; load ${loadavg()[0]!.toFixed(2)}`);
const runs: Run[] = [];
const f = (ms: number): string => per100k(ms).toFixed(0);
for (const setting of order()) {
  const r = await run(setting, batches);
  runs.push(r);
  log(`${setting}: whole ${f(r.totalMs)} ms/100k; steps ${f(r.rollupsMs)} + ${f(r.usersMs)} (user rollups); feeds ${f(r.rollupsFeedMs)} + ${f(r.usersFeedMs)}; checkpoints ${f(r.checkpointMs)} (wall ${(r.wallMs / 1000).toFixed(1)} s, load ${loadavg()[0]!.toFixed(2)})`);
}
const med = (s: Setting, pick: (r: Run) => number): number => median(runs.filter((r) => r.setting === s).map(pick));
const lines = [
  '| setting | whole run | rollups step | rollups feed | user rollups step | user rollups feed | checkpoints | runs |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const s of SETTINGS) {
  const cells = [(r: Run) => r.totalMs, (r: Run) => r.rollupsMs, (r: Run) => r.rollupsFeedMs, (r: Run) => r.usersMs, (r: Run) => r.usersFeedMs, (r: Run) => r.checkpointMs].map((pick) => f(med(s, pick)));
  lines.push(`| ${s} | ${cells.join(' | ')} | ${runs.filter((r) => r.setting === s).length} |`);
}
lines.push('', 'CPU ms per 100k events (process.cpuUsage: every thread), medians of the runs.');
if (SETTINGS.includes('users')) {
  const users = med('users', (r) => r.usersMs + r.usersFeedMs);
  const extraCheckpoints = SETTINGS.includes('rollups') ? med('users', (r) => r.checkpointMs) - med('rollups', (r) => r.checkpointMs) : null;
  lines.push(`User rollups: step and feed ${f(users)} ms per 100k events${extraCheckpoints === null ? '' : `, checkpoints ${extraCheckpoints >= 0 ? '+' : ''}${f(extraCheckpoints)} against \`rollups\``}.`);
}
if (SETTINGS.includes('off')) {
  const off = med('off', (r) => r.totalMs);
  const pct = (s: Setting): string => `${((med(s, (r) => r.totalMs) / off - 1) * 100).toFixed(1)} %`;
  lines.push(`Whole run against \`off\`: ${SETTINGS.filter((s) => s !== 'off').map((s) => `${s} ${pct(s)}`).join(', ')}.`);
}
process.stdout.write(`${lines.join('\n')}\n`);
