/**
 * The SDK's cost to its host: `track()` in ns per event (beside an array push and a JSON.stringify of
 * the same event, in the same run), the sustained throughput of one PulseClient sending to a local sink
 * server (in a worker thread, so the sink does not share the SDK's core), and the package's size.
 *
 *   npx tsx benchmarks/sdk.bench.ts [--quick]
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PulseClient, silentLogger } from '../packages/sdk/src/index.js';
import type { EventInput, FetchLike } from '../packages/sdk/src/index.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';
import { realisticEvents } from './validation.bench.js';

const sdkDir = fileURLToPath(new URL('../packages/sdk/', import.meta.url));
const nodeModules = fileURLToPath(new URL('../node_modules/', import.meta.url));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** A fetch that answers 200 at once: isolates track() from any network in the ns/event runs. */
const instantFetch: FetchLike = async () => ({ status: 200, headers: { get: () => null }, text: async () => '{"rejected":[]}' });

/** Median ns per call of `op` over `runs` runs of `n` calls, after a warm-up run. */
function nsPerCall(n: number, runs: number, setup: () => (i: number) => void): number {
  const samples: number[] = [];
  for (let r = -1; r < runs; r++) {
    const op = setup();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) op(i);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (r >= 0) samples.push(ns);
  }
  return median(samples);
}

/**
 * Median ns per `track()` over `runs` runs of `n` calls. Calls are timed in chunks of 10,000 and the
 * transport drains (untimed, to a fetch that answers at once) between chunks, as it would in a host:
 * the queue never holds more than one chunk, so the figure is not inflated by a huge backlog's GC.
 */
async function trackCost(events: readonly EventInput[], n: number, runs: number): Promise<number> {
  const chunk = 10_000;
  const samples: number[] = [];
  for (let r = -1; r < runs; r++) {
    const client = new PulseClient({ url: 'http://127.0.0.1:9', fetch: instantFetch, batchSize: 1000, maxQueueSize: chunk, logger: silentLogger, env: {} });
    let ns = 0;
    for (let done = 0; done < n; done += chunk) {
      const t0 = process.hrtime.bigint();
      for (let i = done; i < done + chunk; i++) client.track(events[i % events.length] as EventInput);
      ns += Number(process.hrtime.bigint() - t0);
      await client.flush();
    }
    await client.shutdown();
    if (client.stats().dropped.total > 0) throw new Error(`track() dropped events: ${JSON.stringify(client.stats().dropped)}`);
    if (r >= 0) samples.push(ns / n);
  }
  return median(samples);
}

const SINK_SOURCE = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
let requests = 0;
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { requests++; res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"rejected":[]}'); });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => { if (m === 'count') parentPort.postMessage({ requests }); });
`;

async function startSink(): Promise<{ url: string; worker: Worker }> {
  const worker = new Worker(SINK_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve) => worker.once('message', (m: { port: number }) => resolve(m.port)));
  return { url: `http://127.0.0.1:${port}`, worker };
}

interface Throughput {
  eventsPerS: number;
  requestsPerS: number;
  dropped: number;
}

/** Tracks as fast as the transport drains (the queue kept below half full), then flushes; events/s sent. */
async function throughput(url: string, events: readonly EventInput[], batchSize: number, seconds: number): Promise<Throughput> {
  const client = new PulseClient({ url, batchSize, flushIntervalMs: 1000, maxQueueSize: 50_000, logger: silentLogger, env: {} });
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < seconds * 1000) {
    for (let k = 0; k < 1000; k++) client.track(events[i++ % events.length] as EventInput);
    while (client.stats().queued > 25_000) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setImmediate(r));
  }
  await client.flush();
  const elapsed = (performance.now() - t0) / 1000;
  const s = client.stats();
  await client.shutdown();
  return { eventsPerS: s.sent / elapsed, requestsPerS: s.requests / elapsed, dropped: s.dropped.total };
}

async function dirBytes(dir: string, keep: (path: string) => boolean = () => true): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') total += await dirBytes(path, keep);
    } else if (entry.isFile() && keep(path)) {
      total += (await stat(path)).size;
    }
  }
  return total;
}

const kb = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
const fmtRate = (n: number): string => Math.round(n).toLocaleString('en-US');

const bench: Bench = async (opts: BenchOptions): Promise<BenchSection> => {
  const events = realisticEvents(opts.quick ? 1_000 : 10_000, Date.now()) as EventInput[];
  const n = opts.quick ? 20_000 : 200_000;
  const runs = opts.quick ? 3 : 9;

  const trackNs = await trackCost(events, n, runs);
  const pushNs = nsPerCall(n, runs, () => {
    const arr: unknown[] = [];
    return (i) => void arr.push(events[i % events.length]);
  });
  const stringifyNs = nsPerCall(n, runs, () => (i) => void JSON.stringify(events[i % events.length]));

  const sink = await startSink();
  const seconds = opts.quick ? 0.5 : 5;
  const t100 = await throughput(sink.url, events, 100, seconds);
  const t1000 = await throughput(sink.url, events, 1000, seconds);
  await sink.worker.terminate();

  const pkg = JSON.parse(await readFile(join(sdkDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const deps = Object.entries(pkg.dependencies ?? {});
  const distAll = await dirBytes(join(sdkDir, 'dist'));
  const distShipped = await dirBytes(join(sdkDir, 'dist'), (p) => !p.includes('/examples/') && (p.endsWith('.js') || p.endsWith('.d.ts')));
  const depSizes = await Promise.all(
    deps.map(async ([name]) => [name, name.startsWith('@pulse/') ? null : await dirBytes(join(nodeModules, name))] as const),
  );

  const markdown = [
    `\`track()\` on one core: median of ${runs} runs of ${n.toLocaleString('en-US')} calls with realistic events`
      + ' (75 % LLM calls with ~20 fields, phases and attributes), timed in chunks of 10,000 with the transport'
      + ' draining between chunks (untimed). The baselines ran in the same process, right after.',
    '',
    '| operation, per event | ns |',
    '| --- | ---: |',
    `| \`client.track(event)\` (validate against the protocol schema, copy, sample, cardinality guard, enqueue) | ${trackNs.toFixed(0)} |`,
    `| baseline: \`array.push(event)\` | ${pushNs.toFixed(0)} |`,
    `| baseline: \`JSON.stringify(event)\` | ${stringifyNs.toFixed(0)} |`,
    '',
    `Sustained throughput of one PulseClient to a local sink (node:http in a worker thread that reads the`
      + ` body and answers 200), ${seconds} s each, gzip on, queue kept under half full:`,
    '',
    '| batchSize | events/s sent | requests/s | dropped |',
    '| ---: | ---: | ---: | ---: |',
    `| 100 (default) | ${fmtRate(t100.eventsPerS)} | ${fmtRate(t100.requestsPerS)} | ${t100.dropped} |`,
    `| 1,000 | ${fmtRate(t1000.eventsPerS)} | ${fmtRate(t1000.requestsPerS)} | ${t1000.dropped} |`,
    '',
    `Package size: \`packages/sdk/dist\` ${kb(distAll)} in all (source maps and declaration maps included);`
      + ` ${kb(distShipped)} of JavaScript and type declarations without the examples.`
      + ` Dependencies: ${depSizes.map(([d, b]) => `\`${d}\`${b === null ? ' (workspace)' : ` (${kb(b)} installed, own files)`}`).join(', ')}.`
      + ' @sentry/node is imported only when a DSN is configured.'
      + (opts.quick ? ' (quick run: too short for figures.)' : ''),
  ].join('\n');

  return {
    id: 'sdk',
    title: 'SDK: track() cost, sustained throughput, size',
    markdown,
    results: {
      track_ns_per_event: Number(trackNs.toFixed(1)),
      array_push_ns_per_event: Number(pushNs.toFixed(1)),
      json_stringify_ns_per_event: Number(stringifyNs.toFixed(1)),
      throughput_events_per_s_batch_100: Math.round(t100.eventsPerS),
      throughput_events_per_s_batch_1000: Math.round(t1000.eventsPerS),
      dropped_in_throughput_runs: t100.dropped + t1000.dropped,
      dist_bytes: distAll,
      dist_shipped_bytes: distShipped,
      dependencies: deps.map(([d, v]) => `${d}@${v}`).join(' '),
    },
  };
};

export default bench;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await bench({ quick: process.argv.includes('--quick'), tmpDir: '' });
  console.log(section.markdown);
  console.log(JSON.stringify(section.results));
}
