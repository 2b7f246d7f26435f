import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { version as duckdbVersion } from '@duckdb/node-api';

const run = promisify(execFile);

/** Where and on what the figures were measured; printed at the top of docs/benchmarks.md. */
export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  ramBytes: number;
  os: string;
  node: string;
  duckdb: string;
  postgres: string | null;
  gitCommit: string | null;
  /** Uncommitted changes in the working tree when the run started. */
  gitDirty: boolean;
}

async function cpuModel(): Promise<string> {
  try {
    const text = await readFile('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(text);
    if (m?.[1]) return m[1].trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model.trim() ?? 'unknown';
}

async function git(args: string[], cwd: string): Promise<string | null> {
  try {
    const { stdout } = await run('git', args, { cwd });
    return stdout.trim();
  } catch {
    return null;
  }
}

export async function machineInfo(repoRoot: string, postgres: string | null): Promise<MachineInfo> {
  const [model, commit, status] = await Promise.all([
    cpuModel(),
    git(['rev-parse', '--short=12', 'HEAD'], repoRoot),
    git(['status', '--porcelain', '--untracked-files=no'], repoRoot),
  ]);
  return {
    date: new Date().toISOString(),
    cpuModel: model,
    cores: os.availableParallelism(),
    ramBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    duckdb: duckdbVersion(),
    postgres,
    gitCommit: commit,
    gitDirty: status !== null && status !== '',
  };
}
