import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startTestPulse } from '../test-support/pulse.js';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'pulse-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));


/** The real `pulse` CLI from source; a port where nothing listens, so `keys` uses the store directly. */
async function pulse(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  const port = String(await freePort());
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], {
      cwd: repo,
      env: { ...process.env, PULSE_DATA_DIR: dataDir, ANALYTICS_PORT: port, PULSE_URL: `http://127.0.0.1:${port}`, ANALYTICS_API_KEY: '', ...env },
    });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('pulse CLI', () => {
  it('keys create | list | revoke work on the store when no server runs; the secret is printed once', async () => {
    const created = await pulse(['keys', 'create', '--project', 'bot', '--scope', 'ingest', '--name', 'discord']);
    expect(created.code).toBe(0);
    const key = /key:\s+(pulse_\S+)/.exec(created.stdout)?.[1];
    const id = /id:\s+(key_[0-9a-f]+)/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect(id).toBeDefined();
    const listed = await pulse(['keys', 'list', '--json']);
    const keys = JSON.parse(listed.stdout) as { id: string; project: string; scope: string; revoked_at: string | null }[];
    expect(keys).toEqual([expect.objectContaining({ id, project: 'bot', scope: 'ingest', revoked_at: null })]);
    expect(listed.stdout).not.toContain(key!);
    expect((await pulse(['keys', 'revoke', id!])).code).toBe(0);
    const after = JSON.parse((await pulse(['keys', 'list', '--json'])).stdout) as { revoked_at: string | null }[];
    expect(after[0]!.revoked_at).not.toBeNull();
    const again = await pulse(['keys', 'revoke', id!]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no active key/);
    const bad = await pulse(['keys', 'create', '--project', 'bot', '--scope', 'root']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/scope/);
  }, 120_000); // 10–20 s here; room for a busier CI host

  it('keys goes through the HTTP API when a server answers (the store file is held by that server)', async () => {
    const server = await startTestPulse({ apiKey: 'cli-admin' });
    try {
      const port = new URL(server.url).port;
      const env = { PULSE_URL: server.url, ANALYTICS_PORT: port, ANALYTICS_API_KEY: 'cli-admin' };
      const created = await pulse(['keys', 'create', '--project', 'shop', '--scope', 'read'], env);
      expect(created.code).toBe(0);
      const id = /id:\s+(key_[0-9a-f]+)/.exec(created.stdout)?.[1];
      expect((await server.meta.listKeys('shop')).map((k) => k.id)).toEqual([id]);
      const wrongKey = await pulse(['keys', 'list'], { ...env, ANALYTICS_API_KEY: 'not-the-key' });
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stderr).toMatch(/401/);
      expect(wrongKey.stderr).not.toContain('not-the-key');
    } finally {
      await server.dispose();
    }
  });

  it('keys revoke goes through the HTTP API too: the key stops working, an unknown id exits 1', async () => {
    const server = await startTestPulse({ apiKey: 'cli-admin' });
    try {
      const port = new URL(server.url).port;
      const env = { PULSE_URL: server.url, ANALYTICS_PORT: port, ANALYTICS_API_KEY: 'cli-admin' };
      const created = await pulse(['keys', 'create', '--project', 'shop', '--scope', 'read'], env);
      const id = /id:\s+(key_[0-9a-f]+)/.exec(created.stdout)![1]!;
      const revoked = await pulse(['keys', 'revoke', id], env);
      expect(revoked.stderr).toBe('');
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain(`revoked ${id}`);
      expect((await server.meta.listKeys('shop')).map((k) => k.revokedAt !== null)).toEqual([true]);
      const unknown = await pulse(['keys', 'revoke', 'key_0000000000000000'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/404/);
    } finally {
      await server.dispose();
    }
  });

  it('finds a server on IPv6 loopback from ANALYTICS_HOST when PULSE_URL is unset or empty', async () => {
    const server = await startTestPulse({ apiKey: 'cli-admin', host: '::1' });
    try {
      await server.meta.createKey({ id: 'key_00000000000000aa', project: 'v6', scope: 'read', name: null, prefix: 'pulse_v6', createdAt: Date.now(), hash: 'x' });
      const port = new URL(server.url).port;
      // An empty PULSE_URL (as `PULSE_URL=` in a compose file or .env leaves it) is no URL: the host and port are used.
      const listed = await pulse(['keys', 'list', '--json'], { PULSE_URL: '', ANALYTICS_HOST: '::1', ANALYTICS_PORT: port, ANALYTICS_API_KEY: 'cli-admin' });
      expect(listed.stderr).toBe('');
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((k) => k.id)).toEqual(['key_00000000000000aa']);
    } finally {
      await server.dispose();
    }
  });

  it('a mistyped command is named as unknown (not taken for arguments of the default `serve`)', async () => {
    const r = await pulse(['exprot', '--type', 'csv', '--out', 'x.csv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'exprot'/);
    expect(r.stderr).toMatch(/export/);
    expect(r.stderr).not.toMatch(/for 'serve'|unknown option/);
  });

  it('refuses to listen beyond loopback without ANALYTICS_API_KEY, naming the variable', async () => {
    const r = await pulse(['serve'], { ANALYTICS_HOST: '0.0.0.0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ANALYTICS_API_KEY/);
  });

  it('a bad variable stops the start with its name', async () => {
    const r = await pulse(['serve'], { METRICS_RETENTION_DAYS: 'forever' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/METRICS_RETENTION_DAYS/);
  });

  it('ANALYTICS_ENABLED=false starts only /health', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'serve'], {
      cwd: repo,
      env: { ...process.env, PULSE_DATA_DIR: dataDir, ANALYTICS_PORT: String(port), ANALYTICS_ENABLED: 'false', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    try {
      let health: Response | null = null;
      for (let i = 0; i < 100 && !health; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
        if (!health) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status).toBe(200);
      expect(await health!.json()).toMatchObject({ status: 'ok', analytics: 'disabled' });
      const ingest = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', body: '[]' });
      expect(ingest.status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
