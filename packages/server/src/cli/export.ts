import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { compileExportSource } from '../query/export-source.js';
import { parseEnumControl, parseReadParams } from '../query/params.js';
import { InvalidQueryError } from '../query/types.js';
import { HttpError } from '../http/errors.js';
import { openClickHouseEvents } from '../store/clickhouse/open.js';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import { PROJECT_NAME } from '../projects/project-settings.js';
import { detectServer, type ServerApi } from './server-api.js';

interface ExportOptions {
  type: 'csv' | 'json' | 'parquet';
  out: string;
  format: 'full' | 'summary';
  startDate?: string;
  endDate?: string;
  project?: string;
  filter: string[];
}

/**
 * `pulse export --type csv|json|parquet --out FILE [--format full|summary] [--start-date D] [--end-date D]
 * [--project P] [--filter field=value]…` — through the running server's export API when one answers (the store file
 * is held by it), else straight from the store. Same range, filters and validation as the API.
 */
export function exportCommand(): Command {
  return new Command('export')
    .description('export events (or daily summaries) to CSV, JSON lines or Parquet')
    .addOption(new Option('--type <type>', 'file format').choices(['csv', 'json', 'parquet']).makeOptionMandatory())
    .requiredOption('--out <file>', 'where to write the export')
    .addOption(new Option('--format <format>', 'raw events or daily summaries').choices(['full', 'summary']).default('full'))
    .option('--start-date <date>', 'RFC 3339 time or date (default: 24 hours ago)')
    .option('--end-date <date>', 'RFC 3339 time or date (default: now)')
    .option('--project <project>', 'project to export (default: default)')
    .option('--filter <field=value>', 'filter as in the query API, e.g. model=gpt-4o or attributes.channel=general; repeatable', collect, [])
    .action(async (o: ExportOptions) => {
      const query = toQuery(o);
      const server = await detectServer();
      const out = resolve(o.out);
      const rows = server ? await viaServer(server, query, out) : await direct(query, o.project ?? 'default', out);
      process.stderr.write(`exported ${rows} rows to ${out}\n`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function toQuery(o: ExportOptions): URLSearchParams {
  const q = new URLSearchParams({ export_type: o.type, format: o.format });
  if (o.startDate) q.set('start_date', o.startDate);
  if (o.endDate) q.set('end_date', o.endDate);
  if (o.project) q.set('project', o.project);
  for (const f of o.filter) {
    const eq = f.indexOf('=');
    if (eq <= 0) fail(`--filter ${JSON.stringify(f)}: expected field=value`);
    q.append(f.slice(0, eq), f.slice(eq + 1));
  }
  return q;
}

async function viaServer(server: ServerApi, query: URLSearchParams, out: string): Promise<number> {
  const created = await call(server, 'POST', `/v1/analytics/exports?${query}`);
  const project = query.get('project');
  const suffix = project ? `?project=${encodeURIComponent(project)}` : '';
  let job = created;
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((r) => setTimeout(r, 200));
    job = await call(server, 'GET', `/v1/analytics/exports/${String(created.id)}${suffix}`);
  }
  if (job.status !== 'done') fail(`export ${String(job.id)} ${String(job.status)}: ${String(job.error ?? 'unknown error')}`);
  // Done, but its file already removed to keep the project within PULSE_EXPORT_MAX_STORAGE_MB (the error says so).
  if (job.download_url === null) fail(`export ${String(job.id)}: ${String(job.error ?? 'no file to download')}`);
  const res = await fetch(`${server.base}${String(job.download_url)}${suffix}`, { headers: server.headers });
  if (!res.ok || !res.body) fail(`download failed: ${res.status} (server at ${server.base})`);
  // Written beside the target and renamed, so FILE is never a partial download.
  const partial = `${out}.partial`;
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(partial));
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return Number(job.rows);
}

async function call(server: ServerApi, method: string, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.base}${path}`, { method, headers: server.headers });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { message?: string } };
  if (!res.ok) fail(`${res.status} ${json.error?.message ?? res.statusText} (server at ${server.base})`);
  return json;
}

async function direct(query: URLSearchParams, project: string, out: string): Promise<number> {
  const config = loadConfig();
  const raw = Object.fromEntries([...new Set(query.keys())].map((k) => [k, query.getAll(k).length > 1 ? query.getAll(k) : query.get(k)!]));
  let selection: Parameters<typeof compileExportSource>[1];
  let format: 'full' | 'summary';
  let exportType: 'csv' | 'json' | 'parquet';
  try {
    // As the API answers `?project=` (http/auth.ts): 400 for a name no project can have.
    if (!PROJECT_NAME.test(project)) fail('project: must match ^[a-z0-9][a-z0-9_-]{0,63}$');
    const { range, filters, controls } = parseReadParams(raw, Date.now(), { export_type: 'single', format: 'single' });
    exportType = parseEnumControl('export_type', controls.export_type, ['csv', 'json', 'parquet']) ?? 'csv';
    format = parseEnumControl('format', controls.format, ['full', 'summary']) ?? 'full';
    selection = { project, range, filters };
    // Validated before the store opens (compiled again with it, to read its rollups).
    compileExportSource(format, selection, { dialect: 'duckdb' });
  } catch (err) {
    if (err instanceof InvalidQueryError || err instanceof HttpError) fail(err.message);
    throw err;
  }
  // With PULSE_STORE=clickhouse the events are read from ClickHouse (no data file is opened).
  const stores = await (config.store === 'clickhouse'
    ? openClickHouseEvents({ clickhouseUrl: config.clickhouseUrl ?? '', clickhouseShards: config.clickhouseShards, clickhouseCluster: config.clickhouseCluster, rollups: config.rollups, queryTimeoutMs: config.limits.queryTimeoutMs })
    : openEmbeddedStores({ dataDir: config.dataDir, memoryLimit: config.duckdbMemoryLimit, rollups: config.rollups })).catch((err: Error) => fail(err.message));
  // Written beside the target and renamed, as through the server: a failed or interrupted export leaves FILE as it was.
  const partial = `${out}.partial`;
  try {
    await rm(partial, { force: true });
    const rows = await stores.store.exportTo(compileExportSource(format, selection, stores.store), partial, exportType);
    await rename(partial, out);
    return rows;
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    await stores.close();
  }
}

function fail(msg: string): never {
  process.stderr.write(`pulse: ${msg}\n`);
  process.exit(1);
}
