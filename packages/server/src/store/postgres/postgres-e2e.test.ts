/**
 * Pulse started with PULSE_POSTGRES_URL: keys made through the API and the CLI land in PostgreSQL (not in the data
 * file), ingest and queries work with them, a revocation made by another process reaches the running server at once,
 * and a restart on a new data directory still knows the keys.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, getJson, postJson, startTestPulse } from '../../test-support/pulse.js';
import { postgresMissing, testCluster } from './test-support/pg-cluster.js';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');
const missing = postgresMissing();
if (missing !== null) console.warn(missing);
const cluster = testCluster();
const ADMIN = 'pg-e2e-admin';
const admin = { authorization: `Bearer ${ADMIN}` };

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const running: Pulse[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.dispose()));
});

/** The real CLI from source, with no server at PULSE_URL, so `keys` opens the meta store itself. */
async function cli(args: string[], env: Record<string, string>): Promise<string> {
  const port = String(await freePort());
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], {
    cwd: repo, env: { ...process.env, ANALYTICS_PORT: port, PULSE_URL: `http://127.0.0.1:${port}`, ANALYTICS_API_KEY: '', ...env },
  });
  return stdout;
}

describe.skipIf(missing !== null)('Pulse with its metadata in PostgreSQL (real PostgreSQL, real server)', { timeout: 60_000 }, () => {
  it('keeps keys, projects and silences in PostgreSQL; ingest, query and cross-process revocation work', async () => {
    const c = await cluster();
    const schema = c.schema();
    // The test cluster trusts loopback, so a password in the URL is accepted and ignored: enough to see it redacted.
    const url = c.url.replace('//pulse@', '//pulse:pw-e2e-secret@');
    const env = { PULSE_POSTGRES_URL: url, PULSE_POSTGRES_SCHEMA: schema, PULSE_POSTGRES_POOL_SIZE: '3', LOG_LEVEL: 'warn' };
    const pulse = await startTestPulse({ env, apiKey: ADMIN });
    running.push(pulse);
    const shown = await getJson(`${pulse.url}/api/config`, admin);
    expect(shown.json).toMatchObject({ postgresUrl: c.url.replace('//pulse@', '//***@'), postgresSchema: schema, postgresPoolSize: 3 });
    expect(JSON.stringify(shown.json)).not.toContain('pw-e2e-secret');
    let ingestKey = '';
    let readKey = '';
    const sql = new pg.Client({ connectionString: c.url, options: `-c search_path=${schema}` });
    await sql.connect();
    try {
      // A key made through the API.
      const ingest = await postJson(`${pulse.url}/v1/keys`, { project: 'bot', scope: 'ingest', name: 'discord' }, admin);
      expect(ingest.status).toBe(201);
      const events = [{ type: 'llm', name: 'pg-1', model: 'gpt-4o' }, { type: 'llm', name: 'pg-2', model: 'gpt-4o' }, { type: 'error', name: 'pg-3' }];
      expect((await postJson(`${pulse.url}/v1/events`, events, { 'x-api-key': ingest.json.key })).status).toBeLessThan(300);

      // A key made by the CLI while the server holds the data file: it goes straight to PostgreSQL.
      const out = await cli(['keys', 'create', '--project', 'bot', '--scope', 'read', '--name', 'grafana'], { ...env, PULSE_DATA_DIR: pulse.dataDir });
      readKey = /key:\s+(pulse_\S+)/.exec(out)?.[1] ?? '';
      const readId = /id:\s+(key_[0-9a-f]+)/.exec(out)?.[1];
      expect(readKey).toMatch(/^pulse_/);
      const q = await getJson(`${pulse.url}/v1/query?measures=count&start_date=2000-01-01`, { 'x-api-key': readKey });
      expect(q.status).toBe(200);
      expect(q.json.data[0].count).toBe(3);

      const keys = await sql.query('SELECT id, project, scope, name, revoked_at FROM api_keys ORDER BY name');
      expect(keys.rows).toEqual([
        { id: ingest.json.id, project: 'bot', scope: 'ingest', name: 'discord', revoked_at: null },
        { id: readId, project: 'bot', scope: 'read', name: 'grafana', revoked_at: null },
      ]);
      expect((await sql.query('SELECT name, store_text FROM projects')).rows).toEqual([{ name: 'bot', store_text: false }]);
      // Nothing of it in the embedded file, which keeps the events only.
      expect(await pulse.store.query('SELECT count(*) AS n FROM api_keys', [])).toEqual([{ n: 0 }]);
      expect(await pulse.store.query("SELECT count(*) AS n FROM events WHERE name LIKE 'pg-%'", [])).toEqual([{ n: 3 }]);

      // Alert state too: a silence made through the API is a row in PostgreSQL.
      const silence = await postJson(`${pulse.url}/v1/silences?project=bot`, { matchers: [{ name: 'service', value: 'api' }], duration: '1h', comment: 'deploy' }, admin);
      expect(silence.status).toBe(201);
      expect((await sql.query('SELECT project FROM alert_silences')).rows).toEqual([{ project: 'bot' }]);

      // The server has just cached the read key; another process revokes it (as `pulse keys revoke` or an operator's
      // SQL would). Well inside the cache's 5 s lifetime, the next requests are refused: the NOTIFY cleared it.
      expect((await getJson(`${pulse.url}/v1/query?measures=count`, { 'x-api-key': readKey })).status).toBe(200);
      const revokedAt = Date.now();
      await sql.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [readId]);
      await expect.poll(async () => (await getJson(`${pulse.url}/v1/query?measures=count`, { 'x-api-key': readKey })).status, { timeout: 1_500, interval: 20 }).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThan(2_000);
      ingestKey = ingest.json.key;
    } finally {
      await sql.end();
    }

    // Another process on another data directory (a second instance, or this one rebuilt): the keys are still there.
    const other = await startTestPulse({ env, apiKey: ADMIN });
    running.push(other);
    const listed = await getJson(`${other.url}/v1/keys?project=bot`, admin);
    expect(listed.json.keys.map((k: { name: string; revoked_at: string | null }) => [k.name, k.revoked_at === null])).toEqual([['discord', true], ['grafana', false]]);
    expect((await postJson(`${other.url}/v1/events`, [{ type: 'llm', name: 'pg-4' }], { 'x-api-key': ingestKey })).status).toBeLessThan(300);
    expect((await getJson(`${other.url}/v1/query?measures=count`, { 'x-api-key': readKey })).status).toBe(401);
  });
});
