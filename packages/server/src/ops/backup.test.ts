import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

/**
 * `pulse backup` (a real CLI child process) against a real server under continuous ingest, then a real restore:
 * a new data directory holding the copy, opened by a new server.
 */
const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../../..');
const ADMIN = 'backup-admin-key';
const auth = { authorization: `Bearer ${ADMIN}` };
let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pulse-backup-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], { cwd: repo, env: { ...process.env, LOG_LEVEL: 'warn', ...env } })
    .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

async function storedNames(dataDir: string): Promise<Set<string>> {
  const stores = await openEmbeddedStores({ dataDir });
  try {
    return new Set((await stores.store.query('SELECT name FROM events', [])).map((r) => String(r.name)));
  } finally {
    await stores.close();
  }
}

describe('pulse backup', () => {
  it('copies every event acknowledged before it began while ingest goes on, and the copy restores', async () => {
    const pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, PULSE_RATE_LIMIT_INGEST: '0' } });
    const key = (await postJson(`${pulse.url}/v1/keys`, { project: 'bot', scope: 'read' }, auth)).json.key as string;
    const acked: { name: string; at: number }[] = [];
    let stop = false;
    let n = 0;
    const sender = async () => {
      while (!stop) {
        const batch = Array.from({ length: 20 }, () => ({ type: 'metric', name: `e-${n++}`, value: 1 }));
        const r = await postJson(`${pulse.url}/v1/events`, { events: batch }, auth);
        const at = performance.now();
        if (r.status === 200) for (const e of batch) acked.push({ name: e.name, at });
      }
    };
    const senders = [sender(), sender(), sender(), sender()];
    const out = join(work, 'copy.duckdb');
    try {
      await new Promise((r) => setTimeout(r, 500));
      const began = performance.now();
      const r = await cli(['backup', '--out', out], { PULSE_URL: pulse.url, ANALYTICS_API_KEY: ADMIN });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^backup written to .*copy\.duckdb/);
      await new Promise((r) => setTimeout(r, 200)); // ingest went on during and after
      stop = true;
      await Promise.all(senders);
      const before = acked.filter((a) => a.at < began);
      const after = acked.filter((a) => a.at > performance.now() - 150);
      expect(before.length).toBeGreaterThan(100);
      expect(after.length).toBeGreaterThan(0);
      expect(existsSync(`${out}.partial`)).toBe(false);
      // The server records it and cleans its own copy up.
      const system = await getJson(`${pulse.url}/api/system`, auth);
      expect(system.json.database_health.duckdb.last_backup).not.toBeNull();
      expect(readdirSync(join(pulse.dataDir, 'backups'))).toEqual([]);

      // Restore: a data directory holding the copy as pulse.duckdb.
      const restored = join(work, 'restored');
      mkdirSync(restored);
      copyFileSync(out, join(restored, 'pulse.duckdb'));
      const names = await storedNames(restored);
      const missing = before.filter((a) => !names.has(a.name));
      expect(missing).toEqual([]);
      const second = await startTestPulse({ dataDir: restored, env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN } });
      try {
        const q = await getJson(`${second.url}/v1/query?measures=count`, auth);
        expect(q.json.data[0].count).toBe(names.size);
        // Keys and projects are in the copy too.
        expect((await getJson(`${second.url}/v1/query?measures=count`, { authorization: `Bearer ${key}` })).status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      stop = true;
      await Promise.all(senders);
      await pulse.dispose();
    }
  }, 60_000);

  it('through the server: replaces a .partial left by an interrupted run and makes the directory', async () => {
    const pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN } });
    try {
      await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'kept' }] }, auth);
      const out = join(work, 'new-dir', 'nested', 'copy.duckdb');
      mkdirSync(join(work, 'new-dir'));
      const stale = join(work, 'stale.duckdb');
      writeFileSync(`${stale}.partial`, 'left by a run stopped with Ctrl-C');
      for (const target of [out, stale]) {
        const r = await cli(['backup', '--out', target], { PULSE_URL: pulse.url, ANALYTICS_API_KEY: ADMIN });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(existsSync(`${target}.partial`)).toBe(false);
        const restored = mkdtempSync(join(work, 'restored-'));
        copyFileSync(target, join(restored, 'pulse.duckdb'));
        expect([...(await storedNames(restored))]).toEqual(['kept']);
      }
    } finally {
      await pulse.dispose();
    }
  }, 60_000);

  it('opens the store itself when no server runs, and never overwrites', async () => {
    const dataDir = join(work, 'offline');
    const pulse = await startTestPulse({ dataDir, env: { LOG_LEVEL: 'silent' } });
    await postJson(`${pulse.url}/v1/events`, { events: [{ type: 'metric', name: 'offline-1' }, { type: 'metric', name: 'offline-2' }] });
    await pulse.close();
    const out = join(work, 'offline.duckdb');
    const env = { PULSE_DATA_DIR: dataDir, PULSE_URL: 'http://127.0.0.1:9' };
    const r = await cli(['backup', '--out', out], env);
    expect(r.code).toBe(0);
    const restored = join(work, 'offline-restored');
    mkdirSync(restored);
    copyFileSync(out, join(restored, 'pulse.duckdb'));
    expect([...(await storedNames(restored))].sort()).toEqual(['offline-1', 'offline-2']);
    const again = await cli(['backup', '--out', out], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists/);
  }, 60_000);

  it('on a full disk answers 507 saying so, and leaves neither the copy nor its write-ahead log behind', async () => {
    const pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN } });
    try {
      // What DuckDB does when the disk fills during the copy: the attached file's log is begun, then the commit fails.
      pulse.store.backup = async (file: string) => {
        writeFileSync(file, 'begun');
        writeFileSync(`${file}.wal`, 'begun');
        throw new Error(`TransactionContext Error: Failed to commit: Could not write file "${file}.wal": No space left on device`);
      };
      const r = await postJson(`${pulse.url}/api/backup`, {}, auth);
      expect(r.status).toBe(507);
      expect(r.json.error.code).toBe('insufficient_storage');
      expect(r.json.error.message).toMatch(/no space left on device/i);
      expect(readdirSync(join(pulse.dataDir, 'backups'))).toEqual([]);
      // Another failure of the copy is the server's trouble, said plainly: 503, not an anonymous 500.
      pulse.store.backup = async () => {
        throw new Error('IO Error: Cannot open file "x": Permission denied');
      };
      const denied = await postJson(`${pulse.url}/api/backup`, {}, auth);
      expect(denied.status).toBe(503);
      expect(denied.json.error).toEqual({ code: 'backup_failed', message: expect.stringMatching(/Permission denied/) });
      expect((await getJson(`${pulse.url}/api/system`, auth)).json.database_health.duckdb.last_backup).toBeNull();
    } finally {
      await pulse.dispose();
    }
  }, 60_000);

  it('through the server: a connection lost before or during the answer is said plainly, and leaves no file', async () => {
    // A stand-in for a server that dies: /health answers, /api/backup drops the connection at once or mid-stream.
    let mode: 'before' | 'during' = 'before';
    const server = createServer((req, res) => {
      if (req.url === '/health') return void res.end('{"status":"ok"}');
      if (mode === 'before') return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/vnd.duckdb', 'content-length': '100000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => req.socket.destroy(), 50);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const m of ['before', 'during'] as const) {
        mode = m;
        const out = join(work, `lost-${m}.duckdb`);
        const r = await cli(['backup', '--out', out], { PULSE_URL: url, ANALYTICS_API_KEY: ADMIN });
        expect(r.code, m).toBe(1);
        expect(r.stderr, m).toContain(`server at ${url}`);
        expect(r.stderr, m).toMatch(m === 'before' ? /did not answer/ : /cut short/);
        expect(existsSync(out) || existsSync(`${out}.partial`), m).toBe(false);
      }
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
