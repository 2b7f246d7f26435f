import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clickhouseQuery } from './storage.js';

const run = promisify(execFile);

/** A private ClickHouse server of scripts/clickhouse.sh, for one bench. */
export interface ClickHouseService {
  /** HTTP interface, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The server process (its CPU and RSS are charged to ClickHouse). */
  pid: number;
  version: string;
  compression: 'lz4' | 'zstd';
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Why the ClickHouse bench cannot run here, or null. */
export function clickhouseMissing(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v clickhouse-server'], { encoding: 'utf8' });
  return found.status === 0 ? null : 'clickhouse-server is not installed (scripts/install-services.sh clickhouse)';
}

/** Starts a server with its data in `dir` (removed by stop), parts compressed with `compression` once merged. */
export async function startClickHouse(repoRoot: string, dir: string, compression: 'lz4' | 'zstd'): Promise<ClickHouseService> {
  const script = join(repoRoot, 'scripts', 'clickhouse.sh');
  const { stdout } = await run(script, ['start', dir], { env: { ...process.env, PULSE_CH_COMPRESSION: compression }, timeout: 60_000 });
  const url = stdout.trim();
  const stop = async (): Promise<void> => {
    await run(script, ['stop', dir], { timeout: 60_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pid = Number(readFileSync(join(dir, 'clickhouse.pid'), 'utf8').trim());
    const [row] = await clickhouseQuery<{ v: string }>(url, 'SELECT version() AS v');
    return { url, pid, version: row?.v ?? 'unknown', compression, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The environment of a stateless Pulse instance (`PULSE_STORE=clickhouse`): events in `database` on the server,
 * metadata in `schema` of PostgreSQL, a name of its own.
 */
export function clickhousePulseEnv(ch: ClickHouseService, database: string, postgresUrl: string, schema: string, instance: string): Record<string, string> {
  return {
    PULSE_STORE: 'clickhouse',
    PULSE_CLICKHOUSE_URL: `${ch.url}/${database}`,
    PULSE_POSTGRES_URL: postgresUrl,
    PULSE_POSTGRES_SCHEMA: schema,
    PULSE_INSTANCE_ID: instance,
  };
}

/**
 * The embedded-store Pulse it is compared with: defaults, but without the user rollups of issue 11, which only the
 * DuckDB store keeps (none of the compared queries reads them) — so both servers do the same work per event.
 */
export const DUCKDB_PULSE_ENV: Record<string, string> = { PULSE_USER_ROLLUPS: 'false' };
