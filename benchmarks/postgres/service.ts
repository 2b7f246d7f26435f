import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseProcStatPpid } from '../lib/proc.js';
import pg from 'pg';
import { COPY_SQL, CREATE_TABLE, INDEXES, SCHEMA, TABLE } from './schema.js';
import type { PgStatement } from './queries.js';

const run = promisify(execFile);

/** Either a reachable PostgreSQL (URL and version) or the reason the comparison is skipped. */
export type PostgresTarget =
  | { ok: true; url: string; version: string; psql: string; /** started by this run: stop it afterwards */ startedHere: boolean }
  | { ok: false; reason: string };

/** psql on PATH, else Debian's per-version directory. */
export function findPsql(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'psql'))) return join(dir, 'psql');
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const p = `/usr/lib/postgresql/${v}/bin/psql`;
      if (existsSync(p)) return p;
    }
  } catch {
    // no Debian layout
  }
  return null;
}

/**
 * `url` (e.g. PULSE_BENCH_POSTGRES_URL) when given, else the private cluster of scripts/postgres.sh,
 * started if needed. Never throws: a missing PostgreSQL skips the comparison with a reason.
 */
export async function resolvePostgres(repoRoot: string, url: string | undefined): Promise<PostgresTarget> {
  const psql = findPsql();
  if (!psql) return { ok: false, reason: 'psql not found (install with scripts/install-services.sh postgres)' };
  let target = url;
  let startedHere = false;
  if (!target) {
    const script = join(repoRoot, 'scripts/postgres.sh');
    startedHere = !(await run('bash', [script, 'status']).then(() => true, () => false));
    try {
      const { stdout } = await run('bash', [script, 'start'], { timeout: 120_000 });
      target = stdout.trim().split('\n').pop();
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? String(err);
      return { ok: false, reason: `scripts/postgres.sh start failed: ${stderr.trim().split('\n').slice(-3).join(' / ')}` };
    }
  }
  if (!target) return { ok: false, reason: 'scripts/postgres.sh printed no URL' };
  const client = new pg.Client({ connectionString: target, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    const res = await client.query<{ server_version: string }>('SHOW server_version');
    return { ok: true, url: target, version: res.rows[0]?.server_version ?? 'unknown', psql, startedHere };
  } catch (err) {
    return { ok: false, reason: `cannot connect to ${target.replace(/:[^:@/]*@/, ':***@')}: ${(err as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // UTC buckets like Pulse's; a bound on runaway statements.
  await client.query(`SET TIME ZONE 'UTC'`);
  await client.query(`SET statement_timeout = '600s'`);
  return client;
}

export interface PgLoadResult {
  rows: number;
  copySeconds: number;
  indexSeconds: number;
  analyzeSeconds: number;
  /** Table + indexes + TOAST. */
  totalBytes: number;
  tableBytes: number;
}

/** COPY through `psql` from a file on its stdin (pg-copy-streams is not a dependency). */
function copyFromFile(psql: string, url: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(path, 'r');
    const child = spawn(psql, [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', COPY_SQL], { stdio: [fd, 'ignore', 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY exited ${code}: ${stderr.trim()}`))));
  });
}

/** A fresh table, COPY, the indexes, VACUUM ANALYZE (what an operator runs after a bulk load). */
export async function loadPostgres(client: pg.Client, psql: string, url: string, tsvPath: string): Promise<PgLoadResult> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await client.query(CREATE_TABLE);
  let t = performance.now();
  await copyFromFile(psql, url, tsvPath);
  const copySeconds = (performance.now() - t) / 1000;
  t = performance.now();
  for (const ddl of INDEXES) await client.query(ddl);
  const indexSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await client.query(`VACUUM (ANALYZE) ${TABLE}`);
  const analyzeSeconds = (performance.now() - t) / 1000;
  const size = await client.query<{ rows: string; total: string; heap: string }>(
    `SELECT (SELECT count(*) FROM ${TABLE}) AS rows, pg_total_relation_size($1::regclass) AS total,
       pg_relation_size($1::regclass) AS heap`,
    [TABLE],
  );
  const row = size.rows[0];
  return {
    rows: Number(row?.rows ?? 0),
    copySeconds,
    indexSeconds,
    analyzeSeconds,
    totalBytes: Number(row?.total ?? 0),
    tableBytes: Number(row?.heap ?? 0),
  };
}

/** Runs the statements one after another; returns the wall time in ms. */
export async function runStatements(client: pg.Client, statements: readonly PgStatement[]): Promise<number> {
  const t = performance.now();
  for (const s of statements) await client.query(s.sql, s.params);
  return performance.now() - t;
}

export async function dropBenchTable(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
}

/** Stops the private cluster if this run started it. */
export async function releasePostgres(repoRoot: string, target: PostgresTarget): Promise<void> {
  if (!target.ok || !target.startedHere) return;
  await run('bash', [join(repoRoot, 'scripts/postgres.sh'), 'stop'], { timeout: 120_000 }).catch(() => undefined);
}

/**
 * The postmaster's pid when the server runs on this machine (the parent of this session's backend, whose name is
 * `postgres`), else null: its process tree's CPU is what PostgreSQL spends (lib/proc.ts readTreeCpuSeconds).
 */
export async function postmasterPid(url: string): Promise<number | null> {
  const client = await connect(url);
  try {
    const res = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backend = res.rows[0]?.pid;
    if (backend === undefined) return null;
    const ppid = parseProcStatPpid(readFileSync(`/proc/${backend}/stat`, 'utf8'));
    if (ppid === null) return null;
    return readFileSync(`/proc/${ppid}/comm`, 'utf8').trim().startsWith('postgres') ? ppid : null;
  } catch {
    return null; // another machine, or not Linux
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops a schema and everything in it (a bench's own Pulse metadata). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
  const client = await connect(url);
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
