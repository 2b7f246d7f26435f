import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

/**
 * Pulse as a child process (`node packages/server/dist/cli/main.js serve`), so the load generator and
 * the server do not share an event loop, and the server's RSS is its own.
 */
export interface PulseProcess {
  url: URL;
  pid: number;
  logPath: string;
  /** SIGTERM (the server commits and closes the store), then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartPulseOptions {
  repoRoot: string;
  dataDir: string;
  /** Working directory (no `.env` should be there) and where the log goes. */
  workDir: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function serverEntry(repoRoot: string): string {
  return join(repoRoot, 'packages/server/dist/cli/main.js');
}

/**
 * The Node flags `npm start` runs the server with (the root package.json's `start` script), so the bench measures
 * the server as users run it — not a copy of them that could drift.
 */
export function startNodeFlags(repoRoot: string): string[] {
  const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts?: { start?: string } }).scripts?.start ?? '';
  const match = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+packages\/server\/dist\/cli\/main\.js\b/.exec(start);
  if (!match) throw new Error(`package.json's start script does not run packages/server/dist/cli/main.js with node: ${start}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

const tail = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
};

function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function waitHealthy(url: URL, child: ChildProcess, timeoutMs: number, logPath: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`pulse exited during start (code ${child.exitCode}, signal ${child.signalCode}):\n${tail(logPath)}`);
    }
    try {
      const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`pulse did not answer /health within ${timeoutMs} ms:\n${tail(logPath)}`);
}

export async function startPulseProcess(opts: StartPulseOptions): Promise<PulseProcess> {
  const entry = serverEntry(opts.repoRoot);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npx tsc --build\` first`);
  const port = await freePort();
  const logPath = join(opts.workDir, `pulse-${port}.log`);
  const logFd = openSync(logPath, 'a');
  // The benchmark's own server: no admin key (loopback, no auth), no config file from the caller's
  // shell, retention long enough for a 30-day dataset, warnings only in the log.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['ANALYTICS_API_KEY', 'PULSE_CONFIG', 'PULSE_STORE', 'ANALYTICS_HOST', 'ANALYTICS_ENABLED']) delete env[k];
  Object.assign(env, {
    PULSE_DATA_DIR: opts.dataDir,
    ANALYTICS_PORT: String(port),
    ANALYTICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    METRICS_RETENTION_DAYS: '3650',
    // What `npm start` sets (package.json): the bench measures the server as users run it.
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    ...opts.env,
  });
  const child = spawn(process.execPath, [...startNodeFlags(opts.repoRoot), entry, 'serve'], { cwd: opts.workDir, env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const url = new URL(`http://127.0.0.1:${port}`);
  await waitHealthy(url, child, opts.startTimeoutMs ?? 60_000, logPath);
  if (child.pid === undefined) throw new Error('pulse child has no pid');
  const pid = child.pid;
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  return {
    url,
    pid,
    logPath,
    stop: () =>
      (stopping ??= (async () => {
        const exited = waitExit(child);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        const result = await exited;
        clearTimeout(timer);
        return result;
      })()),
  };
}
