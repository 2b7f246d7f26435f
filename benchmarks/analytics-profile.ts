/**
 * In-process timing of the analytics endpoints (issue 11), for finding and checking read-side wins without HTTP:
 * each endpoint's function over the last 24 h, 7 d and 30 d of a stored demo world (the synthetic generator, as the
 * analytics bench's data), wall time and the process's CPU time (Node plus DuckDB's threads) per call, medians of
 * interleaved runs. Not a bench of record (`npm run bench -- --only analytics` is); the machine is shared, so compare
 * only figures of one interleaved run.
 *
 *   node --import tsx benchmarks/analytics-profile.ts [--events 2000000] [--reps 20] [--only users,margin]
 *     [--before <dir>]   also time the endpoint code of another version, interleaved with this one's (alternating
 *                        which runs first), and list where their answers differ (`elapsed_ms` aside); <dir> holds its
 *                        packages/server/src, e.g. `mkdir -p .tmp/before && git archive <commit> packages/server/src |
 *                        tar -x -C .tmp/before` (inside the repository, so it resolves this checkout's node_modules)
 *     [--statements]     time each SQL statement of each endpoint alone, slowest first (where the time goes)
 *     [--no-cache]       without the whole-day cache (analytics/user-rollups/whole-hour-cache.ts), as before it
 *
 * Needs packages/protocol built (`npx tsc -b packages/protocol`).
 *
 * The store (rollups and user rollups caught up) is built once per size under .tmp/bench-cache/analytics-<events>/
 * (lib/stored-dataset.ts), then opened in place.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openEmbeddedStores } from '../packages/server/src/store/duckdb/index.js';
import type { EventStore, QueryParam, Row } from '../packages/server/src/store/types.js';
import { storedDataset } from './lib/stored-dataset.js';
import { median, percentile } from './lib/stats.js';

const DAY_MS = 86_400_000;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (m: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} [analytics-profile] ${m}\n`);
};

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    reps: { type: 'string', default: '20' },
    only: { type: 'string' },
    before: { type: 'string' },
    statements: { type: 'boolean', default: false },
    'no-cache': { type: 'boolean', default: false },
  },
});
const events = Number(args.events);
const reps = Number(args.reps);

interface Input {
  store: EventStore;
  project: string;
  range: { startMs: number; endMs: number };
  filters: [];
  userRollups: boolean;
  wholeHours?: unknown;
}
type Endpoint = (input: Input, top: string) => Promise<unknown>;

/** The endpoints of one checkout, each with the controls' defaults (analytics/params.ts). */
async function endpoints(root: string): Promise<Record<string, Endpoint>> {
  const m = async (file: string): Promise<Record<string, (...a: never[]) => Promise<unknown>>> =>
    (await import(pathToFileURL(join(root, 'packages/server/src/analytics', file)).href)) as Record<string, (...a: never[]) => Promise<unknown>>;
  const [c, p, r, b, pr, l, u, d, mg] = await Promise.all([
    m('conversations.ts'), m('personas.ts'), m('relationships.ts'), m('banter.ts'), m('preferences.ts'), m('llm.ts'), m('users.ts'),
    m('user-detail.ts'), m('margin.ts'),
  ]);
  const call = (f: unknown, ...rest: unknown[]) => (input: Input) => (f as (...a: unknown[]) => Promise<unknown>)(input, ...rest);
  return {
    conversations: call(c.conversationAnalytics),
    personas: call(p.personaAnalytics),
    relationships: call(r.personaRelationships),
    banter: call(b.banterAnalytics),
    preferences: call(pr.userPersonaAnalytics, 20),
    llm: call(l.llmPerformance),
    users: call(u.userAnalytics, { limit: 20, weeks: 8 }),
    user: (input, top) => (d.userDetail as unknown as (i: Input, id: string) => Promise<unknown>)(input, top),
    margin: call(mg.marginAnalytics, 20),
  };
}

/** The store of `events` demo events with both rollups caught up; returns its directory and the data's end. */
async function readyStore(): Promise<{ dataDir: string; endMs: number }> {
  const dataDir = join(repoRoot, '.tmp', 'bench-cache', `analytics-${events}`);
  const marker = join(dataDir, 'ready.json');
  if (existsSync(marker)) return { dataDir, ...(JSON.parse(readFileSync(marker, 'utf8')) as { endMs: number }) };
  rmSync(dataDir, { recursive: true, force: true });
  // The end is chosen once per size, so an interrupted preparation reuses the store lib/stored-dataset.ts cached.
  const endFile = `${dataDir}.end`;
  if (!existsSync(endFile)) writeFileSync(endFile, String(Math.floor(Date.now() / 60_000) * 60_000));
  const endMs = Number(readFileSync(endFile, 'utf8'));
  await storedDataset(repoRoot, dataDir, { count: events, endMs }, log);
  const stores = await openEmbeddedStores({ dataDir, memoryLimit: '128MB' });
  try {
    log('catching up the rollups and user rollups');
    await stores.store.rollups?.catchUp();
    await stores.userRollups?.catchUp();
  } finally {
    await stores.close();
  }
  writeFileSync(marker, JSON.stringify({ endMs }));
  return { dataDir, endMs };
}

/** Wall and process CPU (ms) of one call. */
async function timed<T>(f: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000, value };
}

/** The answer without its timing, for comparing two checkouts' answers. */
const answer = (v: unknown): string => JSON.stringify(v, (k, x: unknown) => (k === 'elapsed_ms' ? undefined : x));

/** Paths where two answers differ, with both values. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    const order = JSON.stringify(Object.keys(a)) === JSON.stringify(Object.keys(b)) ? [] : [`${path} (key order)`];
    return [...order, ...keys.flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`))];
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
}

const fmt = (x: number): string => x.toFixed(1).padStart(7);

async function main(): Promise<void> {
  const { dataDir, endMs } = await readyStore();
  const stores = await openEmbeddedStores({ dataDir, memoryLimit: '128MB' });
  try {
    const variants: Array<[string, Record<string, Endpoint>]> = [];
    if (args.before !== undefined) variants.push(['before', await endpoints(args.before)]);
    variants.push(['after', await endpoints(repoRoot)]);
    const only = args.only?.split(',') ?? Object.keys(variants[0]![1]);
    log(`${events.toLocaleString('en-US')} events ending ${new Date(endMs).toISOString()}; ${reps} reps, variants ${variants.map(([v]) => v).join(', ')}`);
    const lines: string[] = [];
    for (const days of [1, 7, 30]) {
      const range = { startMs: endMs - days * DAY_MS, endMs };
      // With the server's whole-day cache (built by the first call of each endpoint and range; --no-cache: without).
      const wholeHours = args['no-cache'] ? undefined : stores.userRollups?.wholeHours;
      const input: Input = { store: stores.store, project: 'default', range, filters: [], userRollups: stores.userRollups !== null, ...(wholeHours ? { wholeHours } : {}) };
      const usersOf = (await variants[variants.length - 1]![1].users!(input, '')) as { users: { top_users: Array<{ user_id: string }> } };
      const top = usersOf.users.top_users[0]?.user_id ?? 'nobody';
      for (const id of only) {
        // Warm-up, and the answers compared.
        const answers = [];
        for (const [, eps] of variants) answers.push(answer(await eps[id]!(input, top)));
        const same = answers.every((a) => a === answers[0]);
        const samples = variants.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
        for (let r = 0; r < reps; r++) {
          // Alternating order, so neither variant always runs first.
          const order = variants.map((_, i) => i);
          if (r % 2 === 1) order.reverse();
          for (const i of order) {
            const t = await timed(() => variants[i]![1][id]!(input, top));
            samples[i]!.wall.push(t.wall);
            samples[i]!.cpu.push(t.cpu);
          }
        }
        const cells = variants.map(([v], i) => `${v}: wall p50 ${fmt(median(samples[i]!.wall))} p95 ${fmt(percentile(samples[i]!.wall, 95))} cpu p50 ${fmt(median(samples[i]!.cpu))}`);
        const line = `${id.padEnd(13)} ${String(days).padStart(2)}d  ${cells.join(' | ')}${variants.length > 1 ? (same ? '  same answer' : '  ANSWERS DIFFER') : ''}`;
        lines.push(line);
        log(line);
        if (!same) for (const d of differences(JSON.parse(answers[0]!), JSON.parse(answers[answers.length - 1]!)).slice(0, 12)) log(`  differs at ${d}`);
        if (args.statements) await statements(stores.store, variants[variants.length - 1]![1][id]!, input, top);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stores.close();
  }
}

/** Each statement the endpoint sends, timed alone (medians of 5): where its time goes. */
async function statements(store: EventStore, endpoint: Endpoint, input: Input, top: string): Promise<void> {
  const seen: Array<{ sql: string; params: readonly QueryParam[] }> = [];
  const recording = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (sql: string, params: readonly QueryParam[]): Promise<Row[]> => {
          seen.push({ sql, params });
          return target.query(sql, params);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  await endpoint({ ...input, store: recording }, top);
  const rows: Array<{ wall: number; cpu: number; sql: string }> = [];
  for (const s of seen) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await timed(() => store.query(s.sql, s.params));
      wall.push(t.wall);
      cpu.push(t.cpu);
    }
    rows.push({ wall: median(wall), cpu: median(cpu), sql: s.sql });
  }
  for (const r of rows.sort((a, b) => b.wall - a.wall)) log(`    wall ${fmt(r.wall)} cpu ${fmt(r.cpu)}  ${r.sql.replace(/\s+/g, ' ').slice(0, 400)}`);
}

await main();
