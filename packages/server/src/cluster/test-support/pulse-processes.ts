/**
 * Real Pulse processes for the multi-instance end-to-end tests: `pulse serve` as child processes, run from the sources
 * (node --import tsx, as ingest/crash.test.ts starts it), `@pulse/protocol` included (test-support/sources.tsconfig.json
 * maps it to its sources): like vitest, no stale dist/ is run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { freePort } from '../../test-support/pulse.js';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');
const SOURCES = join(repo, 'packages/server/src/test-support/sources.tsconfig.json');

export interface PulseProcess {
  id: string;
  url: string;
  child: ChildProcess;
  stderr: () => string;
  dataDir: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Registers (call at the top level of a test file) the processes of this file: every one started by `serve` is
 * SIGKILLed, if still running, and its data directory removed after the file's tests.
 */
export function pulseProcesses(admin: string): { serve(id: string, env: Record<string, string>): Promise<PulseProcess> } {
  const started: PulseProcess[] = [];
  afterAll(async () => {
    const running = (p: PulseProcess) => p.child.exitCode === null && p.child.signalCode === null;
    await Promise.all(started.filter(running).map((p) => {
      const exited = new Promise((r) => p.child.once('exit', r));
      p.child.kill('SIGKILL');
      return exited;
    }));
    for (const p of started) rmSync(p.dataDir, { recursive: true, force: true });
  });
  return {
    /** Starts instance `id` (PULSE_INSTANCE_ID) with `env` on a free loopback port; resolves once /health answers. */
    async serve(id, env) {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), `pulse-${id}-`));
      const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'], {
        cwd: repo,
        env: {
          ...process.env, ...env, TSX_TSCONFIG_PATH: SOURCES, PULSE_INSTANCE_ID: id, PULSE_DATA_DIR: dataDir, ANALYTICS_PORT: String(port),
          ANALYTICS_HOST: '127.0.0.1', ANALYTICS_API_KEY: admin, LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (d) => (err += String(d)));
      const instance: PulseProcess = { id, url: `http://127.0.0.1:${port}`, child, stderr: () => err, dataDir };
      started.push(instance);
      const deadline = Date.now() + 45_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`${id} exited: ${err}`);
        try {
          if ((await fetch(`${instance.url}/health`)).ok) return instance;
        } catch { /* not up yet */ }
        await sleep(100);
      }
      throw new Error(`${id} did not start: ${err}`);
    },
  };
}

/** Polls `probe` every 50 ms until it returns a value (not null or false); rejects after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | null | false> | T | null | false, timeoutMs = 5_000): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return { value, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A query straight to ClickHouse's HTTP interface (what is stored, not what Pulse answers). */
export async function clickhouseRows(url: string, database: string, sql: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${url}/?database=${database}`, { method: 'POST', body: `${sql} FORMAT JSONEachRow` });
  const text = await res.text();
  if (!res.ok) throw new Error(text);
  return text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l));
}
