/**
 * Bytes per event of the ClickHouse events table (store/clickhouse/schema.ts), on the same synthetic events the DuckDB
 * store's figures use (storedEventBatches of lib/stored-dataset.ts: seed 31, 30 days, validated and enriched as ingest
 * stores them), appended through the ClickHouseEventStore in 20,000-event batches
 * into a private server, then merged to one part per month (OPTIMIZE … FINAL, the state background merges converge to):
 * clickhouse/load.ts, which the `clickhouse` bench uses for its figures too. Sizes and not times, so it is a plain
 * script rather than a timed bench:
 *
 *   node --import tsx benchmarks/clickhouse-storage.ts [--events 1000000] [--compression lz4|zstd] [--columns 12]
 *
 * Prints the total and the largest columns, compressed bytes per event, then the rollup tables (kept by materialized
 * views at insert), as Markdown.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClickHouse } from './clickhouse/load.js';
import { startClickHouse } from './clickhouse/service.js';
import { clickhouseQuery, tableBytes } from './clickhouse/storage.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const count = Number(arg('events', '1000000'));
const compression = arg('compression', 'lz4');
if (compression !== 'lz4' && compression !== 'zstd') throw new Error('--compression must be lz4 or zstd');
const top = Number(arg('columns', '12'));
const DATABASE = 'pulse';

mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
const ch = await startClickHouse(repoRoot, mkdtempSync(join(repoRoot, '.tmp', 'clickhouse-storage-')), compression);
try {
  const endMs = Math.floor(Date.now() / 60_000) * 60_000;
  await loadClickHouse(ch.url, DATABASE, { count, endMs }, (m) => process.stderr.write(`${m}\n`));
  const tables = await tableBytes(ch.url, DATABASE);
  const events = tables.find((t) => t.table === 'events')!;
  const columns = await clickhouseQuery<{ name: string; compressed: number; uncompressed: number }>(
    ch.url,
    `SELECT name, data_compressed_bytes AS compressed, data_uncompressed_bytes AS uncompressed FROM system.columns WHERE database = '${DATABASE}' AND table = 'events' ORDER BY compressed DESC`,
  );
  const n = events.rows;
  const per = (b: number): string => (Number(b) / n).toFixed(1);
  console.log(`ClickHouse ${ch.version}, ${n.toLocaleString('en')} events, ${compression.toUpperCase()}, ${events.parts} parts after OPTIMIZE FINAL`);
  console.log(`bytes on disk per event: ${per(events.bytes)}\n`);
  console.log('| column | compressed B/event | uncompressed B/event |\n| --- | ---: | ---: |');
  for (const c of columns.slice(0, top)) console.log(`| ${c.name} | ${per(c.compressed)} | ${per(c.uncompressed)} |`);
  const rest = columns.slice(top).reduce((s, c) => s + Number(c.compressed), 0);
  if (columns.length > top) console.log(`| ${columns.length - top} others | ${per(rest)} | |`);
  // The rollup tables the materialized views keep (store/clickhouse/rollups.ts), merged the same way.
  const rollups = tables.filter((t) => !['events', 'idempotency', 'pulse_migrations'].includes(t.table));
  console.log('\n| rollup table | rows after merge | bytes on disk per event |\n| --- | ---: | ---: |');
  for (const t of rollups) console.log(`| ${t.table} | ${t.rows.toLocaleString('en')} | ${per(t.bytes)} |`);
  console.log(`| all rollup tables | ${rollups.reduce((a, t) => a + t.rows, 0).toLocaleString('en')} | ${per(rollups.reduce((a, t) => a + t.bytes, 0))} |`);
} finally {
  await ch.stop();
}
