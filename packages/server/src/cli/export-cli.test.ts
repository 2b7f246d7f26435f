import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StoredEvent } from '@pulse/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../store/duckdb/index.js';
import { freePort, postJson, startTestPulse } from '../test-support/pulse.js';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'pulse-export-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


async function pulse(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], {
      cwd: repo, env: { ...process.env, ANALYTICS_API_KEY: '', ...env },
    });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const T0 = Date.parse('2026-11-20T10:00:00Z');
const event = (i: number, model: string): StoredEvent =>
  ({
    project: 'default', id: null, ts: T0 + i * 1000, type: 'llm', name: null, service: null, environment: null, user_id: `u${i}`, session_id: null,
    persona: null, channel: null, guild: null, prompt_id: null, model, provider: null, input_tokens: i,
    output_tokens: null, cost_usd: null, duration_ms: null, ttft_ms: null, status: 'ok', error_type: null,
    error_message: null, severity: null, value: null, target: null, text: null, sentiment: null, phases: null, attributes: null,
  }) satisfies StoredEvent;

const range = ['--start-date', '2026-11-20', '--end-date', '2026-11-21'];

describe('pulse export', () => {
  it('writes the file straight from the store when no server runs, with the API\'s filters and errors', async () => {
    const dataDir = join(dir, 'direct');
    const stores = await openEmbeddedStores({ dataDir });
    await stores.store.append({ events: [event(1, 'a'), event(2, 'b'), event(3, 'a')] });
    await stores.close();
    const port = String(await freePort());
    const env = { PULSE_DATA_DIR: dataDir, ANALYTICS_PORT: port, PULSE_URL: `http://127.0.0.1:${port}` };
    const out = join(dir, 'a.jsonl');
    const r = await pulse(['export', '--type', 'json', '--out', out, ...range, '--filter', 'model=a'], env);
    expect(r.stderr).toContain(`exported 2 rows to ${out}`);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).sort((a, b) => a.ts.localeCompare(b.ts));
    expect(rows.map((x) => [x.user_id, x.input_tokens])).toEqual([['u1', 1], ['u3', 3]]);

    const bad = await pulse(['export', '--type', 'csv', '--out', out, '--filter', 'colour=red'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('colour: unknown parameter');
    const badProject = await pulse(['export', '--type', 'csv', '--out', join(dir, 'bad-project.csv'), '--project', 'Bad Name'], env);
    expect(badProject.code).toBe(1);
    expect(badProject.stderr).toContain('project: must match');
    const noType = await pulse(['export', '--out', out], env);
    expect(noType.code).not.toBe(0);
    expect(noType.stderr).toContain('--type');
  });

  it('goes through the running server\'s export API (the store file is held by it) and downloads the file', async () => {
    const server = await startTestPulse();
    try {
      expect((await postJson(`${server.url}/v1/events`, [
        { ts: T0 + 1000, type: 'llm', model: 'x', input_tokens: 5, status: 'ok' },
        { ts: T0 + 2000, type: 'llm', model: 'y', input_tokens: 7, status: 'ok' },
      ])).status).toBe(200);
      const out = join(dir, 'via-api.csv');
      const port = new URL(server.url).port;
      const r = await pulse(['export', '--type', 'csv', '--out', out, ...range], { PULSE_URL: server.url, ANALYTICS_PORT: port, PULSE_DATA_DIR: join(dir, 'unused') });
      expect(r.stderr).toContain('exported 2 rows');
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines.filter((l) => l.includes(',x,'))).toHaveLength(1);
      const jobs = await fetch(`${server.url}/v1/analytics/exports`).then((x) => x.json() as Promise<{ exports: { status: string }[] }>);
      expect(jobs.exports.map((j) => j.status)).toEqual(['done']);
    } finally {
      await server.dispose();
    }
  });
});
