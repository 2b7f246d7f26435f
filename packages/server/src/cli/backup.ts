import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { backupStore } from '../ops/backup.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import { localServerUrl } from './server-api.js';

/**
 * `pulse backup --out FILE` (CONTRACT §9). With a server answering at PULSE_URL (it holds the store file) the
 * copy is made by the server (`POST /api/backup`) and streamed here; otherwise the store is opened directly.
 * Either way the copy is consistent and ingest may go on. Restore: docs/operations.md#backups-and-restore.
 */
export function backupCommand(): Command {
  return new Command('backup')
    .description('write a consistent copy of the store to FILE while the server runs')
    .requiredOption('--out <file>', 'where to write the backup (must not exist)')
    .option('--url <url>', 'server URL (default PULSE_URL, else ANALYTICS_HOST:ANALYTICS_PORT)')
    .option('--key <key>', 'admin key (default ANALYTICS_API_KEY)')
    .action(async (o: { out: string; url?: string; key?: string }) => {
      const config = loadConfig();
      const out = resolve(o.out);
      if (await stat(out).then(() => true, () => false)) fail(`${out} exists; choose another name`);
      const base = o.url || process.env.PULSE_URL || localServerUrl(config.host, config.port);
      const key = o.key ?? config.apiKey;
      const started = Date.now();
      const online = await serverAnswers(base);
      if (!online && config.store === 'clickhouse') fail('PULSE_STORE=clickhouse: back up ClickHouse and PostgreSQL with their own tools (docs/scaling.md)');
      const bytes = online ? await viaServer(base, key, out) : await direct(config.dataDir, config.duckdbMemoryLimit, out);
      process.stdout.write(`backup written to ${out} (${(bytes / 1024 / 1024).toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s)\n` +
        `restore: mkdir DIR && cp ${out} DIR/pulse.duckdb && PULSE_DATA_DIR=DIR pulse serve\n`);
    });
}

async function serverAnswers(base: string): Promise<boolean> {
  return fetch(`${base}/health`, { signal: AbortSignal.timeout(1500) }).then((r) => r.ok, () => false);
}

async function viaServer(base: string, key: string | null, out: string): Promise<number> {
  const res = await fetch(`${base}/api/backup`, { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    fail(`${res.status} ${body.error?.message ?? res.statusText} (server at ${base})`);
  }
  const partial = `${out}.partial`;
  try {
    // A `.partial` left by an interrupted run is ours to replace; the directory is made as the direct path does.
    await mkdir(dirname(out), { recursive: true });
    await rm(partial, { force: true });
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(partial, { flags: 'wx' }));
    const expected = Number(res.headers.get('content-length'));
    const { size } = await stat(partial);
    if (Number.isFinite(expected) && expected > 0 && size !== expected) throw new Error(`the backup was cut short (${size} of ${expected} bytes)`);
    await rename(partial, out);
    return size;
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

async function direct(dataDir: string, memoryLimit: string, out: string): Promise<number> {
  const stores = await openEmbeddedStores({ dataDir, memoryLimit }).catch((err: Error) => fail(err.message));
  try {
    return (await backupStore(stores.store, out)).bytes;
  } finally {
    await stores.close();
  }
}

function fail(msg: string): never {
  process.stderr.write(`pulse: ${msg}\n`);
  process.exit(1);
}
