/**
 * `pulse meta copy-to-postgres` (the real CLI) moves everything the embedded file keeps besides events into PostgreSQL:
 * read back through the interfaces, both backends answer the same, and the copied keys authenticate.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { alertInstance } from '../../alerts/store/test-support/alert-store.contract.js';
import { hashSecret } from '../../keys/secrets.js';
import { freePort } from '../../test-support/pulse.js';
import { openEmbeddedStores, type EmbeddedStores } from '../duckdb/index.js';
import { openPostgresMetaStores, type PostgresMetaStores } from './index.js';
import { postgresMissing, testCluster } from './test-support/pg-cluster.js';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..');
const missing = postgresMissing();
if (missing !== null) console.warn(missing);
const cluster = testCluster();
const dir = mkdtempSync(join(tmpdir(), 'pulse-copy-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function copy(env: Record<string, string>): Promise<Record<string, [number, number]>> {
  const port = String(await freePort());
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', 'meta', 'copy-to-postgres'], {
    cwd: repo, env: { ...process.env, ANALYTICS_PORT: port, PULSE_URL: `http://127.0.0.1:${port}`, ANALYTICS_API_KEY: '', ...env },
  });
  const counts: Record<string, [number, number]> = {};
  for (const m of stdout.matchAll(/^(\w+)\s+(\d+) read\s+(\d+) copied$/gm)) counts[m[1]!] = [Number(m[2]), Number(m[3])];
  return counts;
}

/** What a store answers through its interfaces: the same calls on both backends. */
async function snapshot(s: Pick<EmbeddedStores, 'meta' | 'exportJobs' | 'reportRuns' | 'alerts' | 'deliveries'>) {
  await s.alerts.init();
  await s.deliveries.init();
  return {
    keys: await s.meta.listKeys(), projects: await s.meta.listProjects(), found: await s.meta.findKeyByHash(hashSecret('secret-a')),
    jobs: await s.exportJobs.list('bot', 10), runs: await s.reportRuns.list(10), rules: await s.alerts.listRules(),
    alerts: await s.alerts.listAlerts({ project: 'bot', limit: 10 }), tracked: await s.alerts.loadTracked(),
    groups: await s.alerts.loadGroups(), silences: await s.alerts.listSilences(), outbox: await s.alerts.listOutbox(),
    deliveries: await s.deliveries.list({ project: 'bot', limit: 10 }),
  };
}

describe.skipIf(missing !== null)('pulse meta copy-to-postgres (real DuckDB file, real PostgreSQL)', { timeout: 60_000 }, () => {
  it('copies every meta table so both backends answer the same; a second run copies only what is new', async () => {
    const T = Date.parse('2026-11-30T10:00:00.123Z');
    let embedded = await openEmbeddedStores({ dataDir: dir });
    await embedded.alerts.init();
    await embedded.deliveries.init();
    await embedded.meta.upsertProject({ name: 'bot', createdAt: T, storeText: true });
    await embedded.meta.createKey({ id: 'key_a', project: 'bot', scope: 'ingest', name: "o'neil", prefix: 'pulse_aaa', createdAt: T, hash: hashSecret('secret-a') });
    await embedded.meta.createKey({ id: 'key_b', project: 'bot', scope: 'read', name: null, prefix: 'pulse_bbb', createdAt: T + 1, hash: hashSecret('secret-b') });
    await embedded.meta.revokeKey('key_b', T + 2);
    await embedded.exportJobs.insert({ id: 'job-1', project: 'bot', exportType: 'csv', format: 'full', status: 'done', range: { startMs: T - 3_600_000, endMs: T },
      filters: [{ field: 'model', values: ['gpt-4o'] }], createdAt: T, startedAt: T + 5, finishedAt: T + 9, rows: 42, bytes: 4_200, error: null });
    await embedded.reportRuns.claim({ name: 'daily', periodStartMs: T - 86_400_000, periodEndMs: T, claimedAt: T }, 600_000);
    await embedded.reportRuns.finish('daily', T - 86_400_000, 'sent', null, T + 100);
    await embedded.alerts.putRule({ id: 'rule-1', project: 'bot', body: { name: 'slow', threshold: 2 }, createdAt: T, updatedAt: T + 1 });
    await embedded.alerts.saveAlerts([
      { alert: alertInstance('al-1', { project: 'bot', stateSince: T, labels: { service: 'api' } }), tracked: true },
      { alert: alertInstance('al-2', { project: 'bot', state: 'resolved', stateSince: T - 10, resolvedAt: T - 10 }), tracked: false },
    ]);
    await embedded.alerts.saveGroups([{ key: 'g1', ruleId: 'rule-1', groupLabels: { service: 'api' }, createdAt: T, lastSentAt: T + 3, sentFiring: ['fp-al-1'] }], []);
    // A resolution some channel has not finished with yet (the outbox): the new backend sends it.
    await embedded.alerts.commit({ saves: [], deletes: [], groupUpserts: [], groupDeletes: [], outbox: [{
      id: 'out-1', createdAt: T + 4, position: 0, done: ['webhook', 'a,"b"'],
      notification: { status: 'resolved', groupKey: 'g1', groupLabels: { service: 'api' }, commonLabels: {}, commonAnnotations: {}, alerts: [], notify: ['pager'], externalUrl: 'http://pulse.test' },
    }] });
    await embedded.alerts.putSilence({ id: 'sil-1', project: 'bot', matchers: [{ name: 'service', op: '=', value: 'api' }], startsAt: T, endsAt: T + 3_600_000, createdBy: 'ops', comment: null, createdAt: T });
    await embedded.deliveries.record({ id: 'del-1', project: 'bot', group_key: 'g1', status: 'firing', alert_ids: ['al-1', 'a,"2"'], channel: 'webhook',
      channel_type: 'slack', target: 'slack https://hooks.slack.com', attempt: 1, outcome: 'success', status_code: 200, error: null, duration_ms: 12.5, at: T + 3 });
    const before = await snapshot(embedded);
    await embedded.close();

    const c = await cluster();
    const schema = c.schema();
    const env = { PULSE_DATA_DIR: dir, PULSE_POSTGRES_URL: c.url, PULSE_POSTGRES_SCHEMA: schema };
    expect(await copy(env)).toEqual({
      projects: [1, 1], api_keys: [2, 2], export_jobs: [1, 1], report_runs: [1, 1], alert_rules: [1, 1], alerts: [2, 2],
      alert_groups: [1, 1], alert_silences: [1, 1], alert_outbox: [1, 1], alert_deliveries: [1, 1],
    });
    let pg: PostgresMetaStores = await openPostgresMetaStores({ url: c.url, schema, listen: false });
    try {
      const after = await snapshot(pg);
      expect(after).toEqual(before);
      expect(after.found?.id).toBe('key_a');
      expect(after.keys.map((k) => k.id)).toEqual(['key_a', 'key_b']);
    } finally {
      await pg.close();
    }

    // New rows only on a second run; what is already in PostgreSQL (even if changed there since) is kept.
    pg = await openPostgresMetaStores({ url: c.url, schema, listen: false });
    await pg.meta.upsertProject({ name: 'bot', createdAt: T, storeText: false });
    await pg.close();
    embedded = await openEmbeddedStores({ dataDir: dir });
    await embedded.meta.createKey({ id: 'key_c', project: 'bot', scope: 'admin', name: null, prefix: 'pulse_ccc', createdAt: T + 5, hash: hashSecret('secret-c') });
    await embedded.close();
    const again = await copy(env);
    expect(again.api_keys).toEqual([3, 1]);
    expect(again.projects).toEqual([1, 0]);
    pg = await openPostgresMetaStores({ url: c.url, schema, listen: false });
    try {
      expect((await pg.meta.findKeyByHash(hashSecret('secret-c')))?.scope).toBe('admin');
      expect((await pg.meta.getProject('bot'))?.storeText).toBe(false);
    } finally {
      await pg.close();
    }
  });
});
