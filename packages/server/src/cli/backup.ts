import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

/**
 * `POST /api/backup` through node:http, not fetch: the server sends its answer's headers only once its copy is made,
 * which takes minutes for a store of millions of events, and fetch gives up on headers after 5 minutes.
 */
function postBackup(base: string, key: string | null): Promise<IncomingMessage> {
  const url = new URL(`${base.replace(/\/+$/, '')}/api/backup`);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers: { 'content-length': '0', ...(key ? { authorization: `Bearer ${key}` } : {}) } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

const reason = (err: unknown): string => (err instanceof Error ? (err as NodeJS.ErrnoException).code ?? err.message : String(err));

async function viaServer(base: string, key: string | null, out: string): Promise<number> {
  const res = await postBackup(base, key).catch((err: unknown) => fail(`the server at ${base} did not answer the backup request (${reason(err)})`));
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const body = await readJson(res);
    fail(`${status} ${body.error?.message ?? res.statusMessage ?? ''} (server at ${base})`);
  }
  const partial = `${out}.partial`;
  try {
    // A `.partial` left by an interrupted run is ours to replace; the directory is made as the direct path does.
    await mkdir(dirname(out), { recursive: true });
    await rm(partial, { force: true });
    await pipeline(res, createWriteStream(partial, { flags: 'wx' })).catch((err: unknown) => {
      // The file could not be written here (ENOSPC, EACCES): said as it is. The answer stopping is the server's side.
      if (err instanceof Error && (err as NodeJS.ErrnoException).syscall !== undefined && (err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
      throw new Error(`the backup was cut short: the connection to the server at ${base} was lost (${reason(err)})`);
    });
    const expected = Number(res.headers['content-length']);
    const { size } = await stat(partial);
    if (Number.isFinite(expected) && expected > 0 && size !== expected) throw new Error(`the backup was cut short (${size} of ${expected} bytes; server at ${base})`);
    await rename(partial, out);
    return size;
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

/** An error answer's `{"error": {"message"}}`, or nothing when it has none. */
async function readJson(res: IncomingMessage): Promise<{ error?: { message?: string } }> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { message?: string } };
  } catch {
    return {};
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
