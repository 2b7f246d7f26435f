/**
 * A throwaway PostgreSQL cluster for one test file: `scripts/postgres.sh` (PULSE_PG_PROFILE=test) under
 * `.tmp/pg-test/<pid>-<n>/` on a free loopback port, as an unprivileged user, stopped and deleted by `stop()`.
 * When the server binaries are missing, `postgresMissing()` says why and the caller skips its suites.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/postgres.sh');

/**
 * Null when PostgreSQL's server binaries are installed (where scripts/postgres.sh looks), else the reason to skip
 * (also when PULSE_TEST_SKIP_POSTGRES is set).
 */
export function postgresMissing(): string | null {
  if (process.env.PULSE_TEST_SKIP_POSTGRES) return 'PULSE_TEST_SKIP_POSTGRES is set: PostgreSQL suites skipped';
  const debian = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
  if (debian || onPath) return null;
  return 'PostgreSQL server binaries not found (install with scripts/install-services.sh postgres): PostgreSQL suites skipped';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestCluster {
  /** postgresql://pulse@127.0.0.1:<port>/pulse */
  url: string;
  /** A new schema name, unique in this cluster (a fresh schema per suite or per test). */
  schema(): string;
  /** A new empty database on the cluster; returns its URL. */
  database(): Promise<string>;
}

let counter = 0;

/**
 * Registers the cluster of this test file: started before its tests, stopped and deleted after them.
 * Call at the top level of a test file (it registers an `afterAll`).
 */
export function testCluster(): () => Promise<TestCluster> {
  let started: Promise<{ cluster: TestCluster; env: NodeJS.ProcessEnv; dir: string }> | null = null;
  afterAll(async () => {
    if (started === null) return;
    const { env, dir } = await started;
    await run('bash', [SCRIPT, 'stop'], { env }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
  const get = async (): Promise<TestCluster> => {
    started ??= (async () => {
      const dir = join(ROOT, '.tmp', 'pg-test', `${process.pid}-${Date.now().toString(36)}-${counter++}`);
      const env = { ...process.env, PULSE_SERVICES_DIR: dir, PULSE_PG_PORT: String(await freePort()), PULSE_PG_PROFILE: 'test' };
      const { stdout } = await run('bash', [SCRIPT, 'start'], { env });
      const url = stdout.trim();
      let n = 0;
      const tag = `${process.pid}_${Date.now().toString(36)}`;
      const cluster: TestCluster = {
        url,
        schema: () => `t_${tag}_${n++}`,
        async database() {
          const name = `d_${tag}_${n++}`;
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`CREATE DATABASE ${name}`); // a generated identifier, not a value
          } finally {
            await client.end();
          }
          return url.replace(/\/[^/]*$/, `/${name}`);
        },
      };
      return { cluster, env, dir };
    })();
    return (await started).cluster;
  };
  // Started before the first test, with room for a slow machine (initdb), rather than inside a 10 s hook.
  beforeAll(async () => {
    if (postgresMissing() === null) await get();
  }, 120_000);
  return get;
}
