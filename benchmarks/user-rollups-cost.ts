/**
 * The user rollups' upkeep cost, in-process (issue 11, item 7): a plain script, not a section of `npm run bench`.
 *
 *   npm run build && node --import tsx benchmarks/user-rollups-cost.ts [options]
 *     --events 600000    events appended per run
 *     --every 300000     events between two maintenance steps (the task's cadence: its interval × the ingest rate)
 *     --window 3         minutes the events' timestamps span, ending now (3: the rollups bench's pool, whose keys
 *                        repeat; 720 with --pool 600000: half a day of distinct sessions, the day's rows growing)
 *     --pool 200000      distinct events, replayed (as the bench's senders do) up to --events
 *     --repeats 3        rounds of every version × setting, in balanced order
 *     --settings rollups,users   off (no rollups), rollups (hourly/daily only), users (both)
 *     --dist label=dir[#every]   a server build to measure (repeatable; default: current=packages/server/dist) —
 *                        e.g. a copy of packages/server/dist of an earlier commit kept under .tmp/, to compare two
 *                        versions; `#every` gives that build a cadence of its own (their tasks' policies differ)
 *
 * Each run is a child process of its own: it opens a fresh DuckDB file, appends the synthetic events in 2,000-event
 * commits and, every --every events, runs the maintenance as the server's tasks would — the hourly/daily rollups'
 * catch-up, then the user rollups' — after the event store's queued checkpoint has finished, measuring the process's
 * CPU (process.cpuUsage: every thread, DuckDB's included) around each step. Per version and setting, the medians in
 * CPU ms per 100k events of: each maintenance step; the hourly rollups' in-memory feed of every committed batch; the
 * event store's checkpoints (which also write the row groups the rollups changed); and the whole run. The user
 * rollups' cost is their step plus the checkpoints' CPU above the `rollups` setting's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { validateEvents, type StoredEvent } from '../packages/protocol/dist/index.js';
import type * as StoreModule from '../packages/server/dist/store/duckdb/index.js';
import { createEnricher } from '../packages/server/dist/ingest/enrich/enrich.js';
import { createPricing } from '../packages/server/dist/ingest/enrich/pricing.js';
import { syntheticEvents } from '../packages/server/dist/synthetic/index.js';
import { median } from './lib/stats.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '600000' },
    every: { type: 'string', default: '300000' },
    window: { type: 'string', default: '3' },
    pool: { type: 'string', default: '200000' },
    repeats: { type: 'string', default: '3' },
    settings: { type: 'string', default: 'rollups,users' },
    dist: { type: 'string', multiple: true },
    // A single run (child mode): its setting and build; prints its figures as JSON.
    child: { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const EVERY = Number(args.every);
const COMMIT = 2_000;
const DAY = 86_400_000;

type Setting = 'off' | 'rollups' | 'users';
const log = (m: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} [user-rollups-cost] ${m}\n`);

interface Figures {
  /** CPU ms over the whole run, and in each part. */
  totalMs: number;
  rollupsMs: number;
  usersMs: number;
  /** The hourly rollups' in-memory feed of every committed batch (inside the appends). */
  feedMs: number;
  /** The event store's checkpoints. */
  checkpointMs: number;
}

/** `--pool` events over the last `--window` minutes (seed 13, as the rollups bench), validated and enriched, replayed into commits. */
function commits(): StoredEvent[][] {
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const enricher = createEnricher({ pricing: createPricing([]) });
  const pool: StoredEvent[] = [];
  for (const e of syntheticEvents({ seed: 13, startMs: end - (Number(args.window) / 1440) * DAY, endMs: end, count: Math.min(EVENTS, Number(args.pool)) })) {
    for (const r of validateEvents([JSON.parse(JSON.stringify(e))], end + 60_000).records) {
      enricher.enrich(r, { storeText: false });
      pool.push({ ...r, project: 'default' });
    }
  }
  const out: StoredEvent[][] = [];
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

/** Wraps `obj[method]` (sync or async) to add the process CPU it takes to `into.ms`, when `when` says so. */
function meter(obj: object, method: string, into: { ms: number }, when: (args: unknown[]) => boolean = () => true): void {
  const o = obj as Record<string, (...a: unknown[]) => unknown>;
  const orig = o[method];
  if (typeof orig !== 'function') return;
  o[method] = (...a: unknown[]): unknown => {
    if (!when(a)) return orig.apply(obj, a);
    const t = process.cpuUsage();
    const out = orig.apply(obj, a);
    if (out instanceof Promise) return out.finally(() => void (into.ms += cpuMs(t)));
    into.ms += cpuMs(t);
    return out;
  };
}

async function runOne(setting: Setting, dist: string): Promise<Figures> {
  const { openEmbeddedEventStore } = (await import(pathToFileURL(join(dist, 'store/duckdb/index.js')).href)) as typeof StoreModule;
  const batches = commits();
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'user-rollups-cost-'));
  try {
    const opened = await openEmbeddedEventStore({ dataDir: dir, rollups: setting !== 'off', userRollups: setting === 'users' });
    const { store, db, userRollups } = opened;
    const rollups = { ms: 0 };
    const users = { ms: 0 };
    const feed = { ms: 0 };
    const checkpoint = { ms: 0 };
    if (store.rollups) meter(store.rollups, 'accumulate', feed);
    meter(db.writer, 'run', checkpoint, (a) => a[0] === 'CHECKPOINT');
    const maintain = async (): Promise<void> => {
      // The checkpoint an append queued runs first: a step's CPU is its own.
      await db.writeLock.run(async () => undefined);
      let t = process.cpuUsage();
      await store.rollups?.catchUp();
      rollups.ms += cpuMs(t);
      t = process.cpuUsage();
      await userRollups?.catchUp();
      users.ms += cpuMs(t);
    };
    try {
      const t0 = process.cpuUsage();
      let appended = 0;
      for (const events of batches) {
        await store.append({ events });
        appended += events.length;
        if (appended % EVERY < events.length) await maintain();
      }
      await maintain();
      return { totalMs: cpuMs(t0), rollupsMs: rollups.ms, usersMs: users.ms, feedMs: feed.ms, checkpointMs: checkpoint.ms };
    } finally {
      await opened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.child !== undefined) {
  const [setting, dist] = args.child.split('@') as [Setting, string];
  process.stdout.write(`${JSON.stringify(await runOne(setting, dist))}\n`);
} else {
  const settings = args.settings!.split(',') as Setting[];
  const versions = (args.dist ?? ['current=packages/server/dist']).map((d) => {
    const [spec, every] = d.split('#') as [string, string | undefined];
    const [label, dir] = spec.includes('=') ? spec.split('=') as [string, string] : [spec, spec];
    return { label, dir: resolve(repoRoot, dir), every: Number(every ?? EVERY) };
  });
  const pairs = versions.flatMap((v) => settings.map((s) => ({ version: v, setting: s })));
  // Balanced order (A B C …, … C B A): a drift on the machine weighs on each alike.
  const order = Array.from({ length: Number(args.repeats) }, (_, r) => (r % 2 === 0 ? pairs : [...pairs].reverse())).flat();
  log(`${EVENTS} events (window ${args.window} min, pool ${args.pool}), maintenance every ${versions.map((v) => `${v.every} (${v.label})`).join(', ')}; ${order.length} runs; load ${loadavg()[0]!.toFixed(2)}`);
  const passOn = ['events', 'window', 'pool'].flatMap((k) => [`--${k}`, String(args[k as 'events'])]);
  const runs: Array<{ label: string; setting: Setting; f: Figures }> = [];
  const per100k = (ms: number): string => ((ms / EVENTS) * 100_000).toFixed(0);
  for (const { version, setting } of order) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...passOn, '--every', String(version.every), '--child', `${setting}@${version.dir}`], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 20 });
    const f = JSON.parse(out.trim().split('\n').pop()!) as Figures;
    runs.push({ label: version.label, setting, f });
    log(`${version.label} ${setting}: whole ${per100k(f.totalMs)}, rollups ${per100k(f.rollupsMs)} (+ feed ${per100k(f.feedMs)}), user rollups ${per100k(f.usersMs)}, checkpoints ${per100k(f.checkpointMs)} ms/100k (load ${loadavg()[0]!.toFixed(2)})`);
  }
  const med = (label: string, s: Setting, pick: (f: Figures) => number): number => median(runs.filter((r) => r.label === label && r.setting === s).map((r) => pick(r.f)));
  const lines = ['| build | every | setting | whole run | rollups step | rollups feed | user rollups step | checkpoints | runs |', '|---|---:|---|---:|---:|---:|---:|---:|---:|'];
  for (const { version, setting } of pairs) {
    const cells = [(f: Figures) => f.totalMs, (f: Figures) => f.rollupsMs, (f: Figures) => f.feedMs, (f: Figures) => f.usersMs, (f: Figures) => f.checkpointMs].map((p) => per100k(med(version.label, setting, p)));
    lines.push(`| ${version.label} | ${version.every} | ${setting} | ${cells.join(' | ')} | ${runs.filter((r) => r.label === version.label && r.setting === setting).length} |`);
  }
  lines.push('', 'CPU ms per 100k events (process.cpuUsage: every thread), medians of the runs.');
  if (settings.includes('users') && settings.includes('rollups')) {
    for (const { label } of versions) {
      const step = med(label, 'users', (f) => f.usersMs);
      const checkpoints = med(label, 'users', (f) => f.checkpointMs) - med(label, 'rollups', (f) => f.checkpointMs);
      const whole = med(label, 'users', (f) => f.totalMs) - med(label, 'rollups', (f) => f.totalMs);
      lines.push(`${label}: user rollups step ${per100k(step)}, checkpoints ${checkpoints >= 0 ? '+' : ''}${per100k(checkpoints)}, whole run ${whole >= 0 ? '+' : ''}${per100k(whole)} ms per 100k events against \`rollups\`.`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
