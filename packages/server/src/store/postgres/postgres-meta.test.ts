/**
 * Every meta contract suite against a real PostgreSQL (a throwaway cluster for this file, a fresh schema per test),
 * plus what only a shared database has: migrations racing, and revocations reaching other instances.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { deliveryStoreContract } from '../../alerts/delivery/test-support/delivery-store.contract.js';
import { alertStoreContract } from '../../alerts/store/test-support/alert-store.contract.js';
import { createAuthenticator, KeyCache } from '../../http/auth.js';
import { loadConfig } from '../../config/load.js';
import { hashSecret } from '../../keys/secrets.js';
import { exportJobStoreContract } from '../contract/export-jobs.contract.js';
import { metaStoreContract } from '../contract/meta-store.contract.js';
import { reportRunStoreContract } from '../contract/report-runs.contract.js';
import { translate } from './connection.js';
import { migratePostgres, openPostgresMetaStores, PG_MIGRATIONS, PgDb, type PostgresMetaStores } from './index.js';
import { StoreUnavailableError } from '../types.js';
import { postgresMissing, testCluster } from './test-support/pg-cluster.js';

const missing = postgresMissing();
if (missing !== null) console.warn(missing);
const cluster = testCluster();

/** Stores on a new schema; `reopen` closes them and opens the same schema again, `second` opens another instance. */
async function fixture(): Promise<{ current(): PostgresMetaStores; reopen(): Promise<PostgresMetaStores>; second(): Promise<PostgresMetaStores>; cleanup(): Promise<void> }> {
  const c = await cluster();
  const options = { url: c.url, schema: c.schema(), poolSize: 4 };
  let stores = await openPostgresMetaStores(options);
  const others: PostgresMetaStores[] = [];
  return {
    current: () => stores,
    async reopen() {
      await stores.close();
      stores = await openPostgresMetaStores(options);
      return stores;
    },
    async second() {
      const other = await openPostgresMetaStores(options);
      others.push(other);
      return other;
    },
    async cleanup() {
      await Promise.all([stores.close(), ...others.map((o) => o.close())]);
    },
  };
}

describe.skipIf(missing !== null)('PostgreSQL meta stores (real PostgreSQL)', { timeout: 30_000 }, () => {
  metaStoreContract('postgres', async () => {
    const f = await fixture();
    return { meta: f.current().meta, reopen: async () => (await f.reopen()).meta, cleanup: f.cleanup };
  });
  exportJobStoreContract('postgres', async () => {
    const f = await fixture();
    return { jobs: f.current().exportJobs, reopen: async () => (await f.reopen()).exportJobs, cleanup: f.cleanup };
  });
  reportRunStoreContract('postgres', async () => {
    const f = await fixture();
    return { runs: f.current().reportRuns, reopen: async () => (await f.reopen()).reportRuns, second: async () => (await f.second()).reportRuns, cleanup: f.cleanup };
  });
  alertStoreContract('postgres', async () => {
    const f = await fixture();
    return { store: f.current().alerts, reopen: async () => (await f.reopen()).alerts, cleanup: f.cleanup };
  });
  deliveryStoreContract('postgres', async () => {
    const f = await fixture();
    return { store: f.current().deliveries, reopen: async () => (await f.reopen()).deliveries, cleanup: f.cleanup };
  });

  describe('migrations', () => {
    it('run once when four instances start at the same moment, and not again on a restart', async () => {
      const c = await cluster();
      const schema = c.schema();
      const dbs = Array.from({ length: 4 }, () => PgDb.open({ url: c.url, schema, poolSize: 1 }));
      try {
        const applied = await Promise.all(dbs.map((db) => migratePostgres(db)));
        const all = PG_MIGRATIONS.map((m) => m.version);
        // Exactly one instance applied everything; the others found it done.
        expect(applied.filter((a) => a.length > 0)).toEqual([all]);
        expect(applied.filter((a) => a.length === 0)).toHaveLength(3);
        expect(await migratePostgres(dbs[0]!)).toEqual([]);
        const rows = await dbs[0]!.rows('SELECT version FROM pulse_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(all);
        const tables = await dbs[0]!.rows('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
        expect(tables.map((t) => t.table_name)).toEqual([
          'alert_deliveries', 'alert_groups', 'alert_outbox', 'alert_rules', 'alert_silences', 'alerts', 'api_keys', 'export_jobs',
          'idempotency_claims', 'projects', 'pulse_migrations', 'report_runs',
        ]);
      } finally {
        await Promise.all(dbs.map((db) => db.end()));
      }
    });

    it('roll back a failing migration whole and record nothing of it', async () => {
      const c = await cluster();
      const db = PgDb.open({ url: c.url, schema: c.schema(), poolSize: 1 });
      try {
        await migratePostgres(db);
        const bad = { version: 99, name: 'half', sql: ['CREATE TABLE half_done (x int)', 'SELECT no_such_column FROM projects'] };
        await expect(migratePostgres(db, [...PG_MIGRATIONS, bad])).rejects.toThrow(/no_such_column/);
        expect(await db.rows("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'")).toEqual([]);
        expect(await db.rows('SELECT version FROM pulse_migrations WHERE version = 99')).toEqual([]);
      } finally {
        await db.end();
      }
    });

    it('refuses a schema name that is not a bare identifier', async () => {
      const c = await cluster();
      expect(() => PgDb.open({ url: c.url, schema: 'x; DROP TABLE api_keys' })).toThrow(/PULSE_POSTGRES_SCHEMA/);
    });
  });

  describe('errors', () => {
    it('classifies errors: connection-level ones are StoreUnavailableError, statement errors stay as they are', () => {
      const err = (message: string, code?: string): Error => Object.assign(new Error(message), code === undefined ? {} : { code });
      for (const e of [err('write EPIPE', 'EPIPE'), err('connect ECONNREFUSED', 'ECONNREFUSED'), err('terminating connection due to administrator command', '57P01'),
        err('sorry, too many clients already', '53300'), err('Connection terminated unexpectedly'), err('timeout exceeded when trying to connect')]) {
        expect(translate(e)).toBeInstanceOf(StoreUnavailableError);
      }
      for (const e of [err('duplicate key value violates unique constraint', '23505'), err('syntax error', '42601'), err('Connection terminated', 'XX000'), new TypeError('x')]) {
        expect(translate(e)).toBe(e);
      }
    });

    it('an unreachable server is StoreUnavailableError (503), a refused statement is not', async () => {
      const c = await cluster();
      const down = PgDb.open({ url: 'postgresql://pulse@127.0.0.1:1/pulse', connectTimeoutMs: 2_000 });
      try {
        await expect(down.rows('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
      } finally {
        await down.end();
      }
      const stores = await openPostgresMetaStores({ url: c.url, schema: c.schema(), listen: false });
      try {
        const key = { id: 'k', project: 'p', scope: 'read' as const, name: null, prefix: 'pk', createdAt: 1, hash: 'h' };
        await stores.meta.createKey(key);
        const duplicate = await stores.meta.createKey(key).catch((err: unknown) => err);
        expect(duplicate).toMatchObject({ code: '23505' }); // unique_violation, passed through as it is
        expect(duplicate).not.toBeInstanceOf(StoreUnavailableError);
        await stores.close();
        await expect(stores.meta.listKeys()).rejects.toThrow(/meta store is closed/);
      } finally {
        await stores.close();
      }
    });
  });

  describe('key revocation across instances (LISTEN/NOTIFY)', () => {
    const key = { id: 'k1', project: 'default', scope: 'ingest' as const, name: null, prefix: 'pk_live_k1', createdAt: 1_000, hash: hashSecret('secret-k1') };
    const request = (secret: string) => ({ headers: { authorization: `Bearer ${secret}` }, query: {} }) as never;

    it('a key revoked on instance A stops working on instance B at once, though B cached it', async () => {
      const f = await fixture();
      try {
        const a = f.current();
        const b = await f.second();
        await a.meta.createKey(key);
        // B's cache never expires here (a frozen clock): only the notification can clear it.
        const cache = new KeyCache(() => 0);
        b.meta.onKeysChanged(() => cache.clear());
        const authenticate = createAuthenticator(loadConfig({ env: { ANALYTICS_API_KEY: 'admin-secret' } }), b.meta, cache);
        expect(await authenticate(request('secret-k1'), 'ingest')).toEqual({ project: 'default', scope: 'ingest', keyId: 'k1' });
        const heard = new Promise<void>((resolve) => b.meta.onKeysChanged(resolve));
        expect(await a.meta.revokeKey('k1', 2_000)).toBe(true);
        await heard;
        await expect(authenticate(request('secret-k1'), 'ingest')).rejects.toMatchObject({ statusCode: 401 });
      } finally {
        await f.cleanup();
      }
    });

    it('a revocation made outside Pulse (SQL) is announced too; a dropped listener reconnects and reports the gap', async () => {
      const f = await fixture();
      try {
        const a = f.current();
        await a.meta.createKey(key);
        const payloads: number[] = [];
        a.meta.onKeysChanged(() => payloads.push(Date.now()));
        const c = await cluster();
        const client = new pg.Client({ connectionString: c.url, options: `-c search_path=${a.db.schema}` });
        await client.connect();
        try {
          await client.query('DELETE FROM api_keys WHERE id = $1', ['k1']);
        } finally {
          await client.end();
        }
        await expect.poll(() => payloads.length, { timeout: 5_000 }).toBe(1);
        // The server ends the listener's session (as a restart or failover would): the cache must be told at once
        // (anything may be missed meanwhile), and again once the listener is back.
        const pid = a.listener!.backendPid;
        expect(pid).toEqual(expect.any(Number));
        expect((await a.db.rows('SELECT pg_terminate_backend($1::int) AS done', [pid])).map((r) => r.done)).toEqual([true]);
        await expect.poll(() => payloads.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
        await expect.poll(() => a.listener!.backendPid !== null && a.listener!.backendPid !== pid, { timeout: 10_000 }).toBe(true);
        expect(payloads.length).toBeGreaterThanOrEqual(3);
        await a.meta.createKey({ ...key, id: 'k2', hash: hashSecret('secret-k2') });
        const before = payloads.length;
        await a.db.changed('UPDATE api_keys SET name = $1 WHERE id = $2', ['renamed', 'k2']);
        await expect.poll(() => payloads.length, { timeout: 5_000 }).toBe(before + 1);
      } finally {
        await f.cleanup();
      }
    });
  });
});
