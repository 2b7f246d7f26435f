/**
 * Bytes per event of the ClickHouse events table (store/clickhouse/schema.ts), on the same synthetic events the DuckDB
 * store's figures use (benchmarks/lib/stored-dataset.ts: seed 31, 30 days, validated and enriched as ingest stores
 * them), appended through the ClickHouseEventStore in 20,000-event batches into a private server, then merged to one
 * part per month (OPTIMIZE … FINAL, the state background merges converge to). Sizes and not times, so it is a plain
 * script rather than a timed bench:
 *
 *   node --import tsx benchmarks/clickhouse-storage.ts [--events 1000000] [--compression lz4|zstd] [--columns 12]
 *
 * Prints the total and the largest columns, compressed bytes per event, then the rollup tables (kept by materialized
 * views at insert), as Markdown.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateEvents, type StoredEvent } from '../packages/protocol/src/index.js';
import { createEnricher } from '../packages/server/src/ingest/enrich/enrich.js';
import { createPricing } from '../packages/server/src/ingest/enrich/pricing.js';
import { openClickHouseEventStore } from '../packages/server/src/store/clickhouse/index.js';
import { syntheticEvents } from '../packages/server/src/synthetic/index.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const count = Number(arg('events', '1000000'));
const compression = arg('compression', 'lz4');
const CHUNK = 20_000;
const top = Number(arg('columns', '12'));
const DAY_MS = 86_400_000;

mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(repoRoot, '.tmp', 'clickhouse-storage-'));
const script = join(repoRoot, 'scripts', 'clickhouse.sh');
const url = execFileSync(script, ['start', dir], { encoding: 'utf8', env: { ...process.env, PULSE_CH_COMPRESSION: compression }, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
try {
  const store = await openClickHouseEventStore({ url, database: 'pulse' });
  const endMs = Math.floor(Date.now() / 60_000) * 60_000;
  const enricher = createEnricher({ pricing: createPricing([]) });
  let batch: unknown[] = [];
  let stored = 0;
  const flush = async (): Promise<void> => {
    const { records } = validateEvents(batch, endMs);
    const events: StoredEvent[] = records.map((r) => {
      enricher.enrich(r, { storeText: false });
      return { ...r, project: 'default' };
    });
    await store.append({ events });
    stored += events.length;
    batch = [];
    if (stored % 200_000 === 0) process.stderr.write(`${stored} events\n`);
  };
  for (const e of syntheticEvents({ seed: 31, startMs: endMs - 30 * DAY_MS, endMs, count })) {
    batch.push(JSON.parse(JSON.stringify(e)));
    if (batch.length === CHUNK) await flush();
  }
  if (batch.length > 0) await flush();
  await store.client.command({ query: 'OPTIMIZE TABLE events FINAL', clickhouse_settings: { max_execution_time: 0 } });
  const rows = async <T>(query: string): Promise<T[]> => (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
  const [parts] = await rows<{ parts: number; rows: number; bytes: number }>(
    "SELECT count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = 'pulse' AND table = 'events'",
  );
  const columns = await rows<{ name: string; compressed: number; uncompressed: number }>(
    "SELECT name, data_compressed_bytes AS compressed, data_uncompressed_bytes AS uncompressed FROM system.columns WHERE database = 'pulse' AND table = 'events' ORDER BY compressed DESC",
  );
  const n = Number(parts!.rows);
  const per = (b: number): string => (Number(b) / n).toFixed(1);
  console.log(`ClickHouse 18.16, ${n.toLocaleString('en')} events, ${compression.toUpperCase()}, ${parts!.parts} parts after OPTIMIZE FINAL`);
  console.log(`bytes on disk per event: ${per(parts!.bytes)}\n`);
  console.log('| column | compressed B/event | uncompressed B/event |\n| --- | ---: | ---: |');
  for (const c of columns.slice(0, top)) console.log(`| ${c.name} | ${per(c.compressed)} | ${per(c.uncompressed)} |`);
  const rest = columns.slice(top).reduce((s, c) => s + Number(c.compressed), 0);
  if (columns.length > top) console.log(`| ${columns.length - top} others | ${per(rest)} | |`);
  // The rollup tables the materialized views keep (store/clickhouse/rollups.ts), merged the same way.
  const tables = await rows<{ table: string }>("SELECT DISTINCT table FROM system.parts WHERE active AND database = 'pulse' AND table NOT IN ('events', 'idempotency', 'pulse_migrations') ORDER BY table");
  for (const { table } of tables) await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL`, clickhouse_settings: { max_execution_time: 0 } });
  const sizes = await rows<{ table: string; rows: number; bytes: number }>(
    "SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = 'pulse' AND table NOT IN ('events', 'idempotency', 'pulse_migrations') GROUP BY table ORDER BY bytes DESC",
  );
  console.log('\n| rollup table | rows after merge | bytes on disk per event |\n| --- | ---: | ---: |');
  for (const t of sizes) console.log(`| ${t.table} | ${Number(t.rows).toLocaleString('en')} | ${per(t.bytes)} |`);
  console.log(`| all rollup tables | ${sizes.reduce((a, t) => a + Number(t.rows), 0).toLocaleString('en')} | ${per(sizes.reduce((a, t) => a + Number(t.bytes), 0))} |`);
  await store.close();
} finally {
  execFileSync(script, ['stop', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
