import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', '..');
const SCRIPT = join(repoRoot, 'scripts', 'clickhouse.sh');

/** Why ClickHouse tests cannot run here, or null when Debian's clickhouse-server is installed. */
export function clickhouseMissing(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v clickhouse-server'], { encoding: 'utf8' });
  return found.status === 0 ? null : 'clickhouse-server is not installed (scripts/install-services.sh clickhouse)';
}

export interface RunningClickHouse {
  /** HTTP interface, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Native protocol port (for Distributed tables and clickhouse-client). */
  tcpPort: number;
  dir: string;
  stop(): void;
}

/** Starts a private server (scripts/clickhouse.sh) in a fresh directory under .tmp/; `stop` ends it and removes the data. */
export function startClickHouse(env: Record<string, string> = {}): RunningClickHouse {
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, '.tmp', 'clickhouse-'));
  const url = execFileSync(SCRIPT, ['start', dir], { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const tcpPort = Number(execFileSync('cat', [join(dir, 'tcp_port')], { encoding: 'utf8' }).trim());
  return {
    url,
    tcpPort,
    dir,
    stop() {
      execFileSync(SCRIPT, ['stop', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One server per test file: call at the top level, then `describe.skipIf(skip)`. When the binary is missing the reason is
 * printed once and the file's ClickHouse tests are skipped (CI installs it, so there they always run).
 */
export function useClickHouse(): { skip: boolean; server: () => RunningClickHouse } {
  const missing = clickhouseMissing();
  if (missing !== null) console.warn(`skipping ClickHouse tests: ${missing}`);
  let running: RunningClickHouse | null = null;
  beforeAll(() => {
    if (missing === null) running = startClickHouse();
  });
  afterAll(() => {
    running?.stop();
    running = null;
  });
  return {
    skip: missing !== null,
    server: () => {
      if (running === null) throw new Error('ClickHouse is not running (useClickHouse() must be called at the top level)');
      return running;
    },
  };
}
