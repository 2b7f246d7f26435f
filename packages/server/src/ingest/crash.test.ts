import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../store/duckdb/index.js';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-crash-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** The real CLI in a child process, so SIGKILL kills the whole server mid-commit. */
async function startChild(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'], {
    cwd: repo,
    env: { ...process.env, PULSE_DATA_DIR: dataDir, ANALYTICS_PORT: String(port), ANALYTICS_HOST: '127.0.0.1', LOG_LEVEL: 'warn', ANALYTICS_API_KEY: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${err}`);
}

const BATCH = 250;
const batchBody = (key: string): string =>
  JSON.stringify({ events: Array.from({ length: BATCH }, (_, i) => ({ id: `${key}-${i}`, type: 'llm', model: 'gpt-4o-mini', input_tokens: i, output_tokens: 1 })) });

describe('crash safety', () => {
  it('after kill -9 every acknowledged event is present exactly once, and retries with the same key add nothing twice', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/v1/events`;
    let child = await startChild(port);
    const acked = new Set<string>();
    const unacked = new Set<string>();
    let stop = false;
    const sender = async (s: number): Promise<void> => {
      for (let b = 0; !stop; b++) {
        const key = `s${s}-b${b}`;
        try {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: batchBody(key) });
          if (res.status === 200) acked.add(key);
          else unacked.add(key);
        } catch {
          unacked.add(key);
          return; // the server is gone
        }
      }
    };
    const senders = [0, 1, 2, 3].map(sender);
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(senders);
    expect(acked.size).toBeGreaterThan(4);

    child = await startChild(port);
    for (const key of unacked) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: batchBody(key) });
      expect(res.status).toBe(200);
    }
    // Acknowledged batches replayed with their key are answered from the stored result, not stored again.
    for (const key of [...acked].slice(0, 3)) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: batchBody(key) });
      expect(res.headers.get('idempotent-replayed')).toBe('true');
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(child.exitCode).toBe(0);

    const stores = await openEmbeddedStores({ dataDir });
    try {
      const rows = await stores.store.query(`SELECT id, count(*) AS n FROM events GROUP BY id`, []);
      const counts = new Map(rows.map((r) => [String(r.id), Number(r.n)]));
      for (const key of [...acked, ...unacked]) {
        for (let i = 0; i < BATCH; i++) expect(counts.get(`${key}-${i}`), `${key}-${i}`).toBe(1);
      }
      expect(rows.length).toBe((acked.size + unacked.size) * BATCH);
    } finally {
      await stores.close();
    }
  });
});
