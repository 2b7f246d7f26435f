import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startPulse, type RunningPulse, type StartOptions } from '../server.js';

/** A real server on 127.0.0.1:<random port> over a real DuckDB file in a fresh temp dir. */
export async function startTestPulse(opts: StartOptions = {}): Promise<RunningPulse & { dataDir: string; dispose(): Promise<void> }> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pulse-test-'));
  const pulse = await startPulse({ port: 0, logLevel: 'silent', ...opts, dataDir });
  return {
    ...pulse,
    dataDir,
    async dispose() {
      await pulse.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Status, parsed JSON body (or the raw text when it is not JSON) and headers of a response. */
async function readJson(res: Response): Promise<{ status: number; json: any; headers: Headers }> {
  const text = await res.text();
  let json: unknown = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: res.status, json, headers: res.headers };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  return readJson(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  return readJson(await fetch(url, { headers }));
}

/** A loopback port nothing listens on right now (bound, then released), for child processes given a port. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
