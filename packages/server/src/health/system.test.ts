import { statfsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startTestPulse } from '../test-support/pulse.js';

/** A real server over a real DuckDB file; host figures are compared with what node:os and statfs say. */
const ADMIN = 'system-test-admin';
const auth = { authorization: `Bearer ${ADMIN}` };
let pulse: Awaited<ReturnType<typeof startTestPulse>>;
beforeAll(async () => {
  pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN } });
});
afterAll(() => pulse.dispose());

describe('GET /api/system', () => {
  it('answers seed 001\'s system_resources and database_health for an admin key', async () => {
    const events = Array.from({ length: 25 }, (_, i) => ({ type: 'metric', value: i }));
    expect((await postJson(`${pulse.url}/v1/events`, { events }, auth)).status).toBe(200);
    await pulse.ops.health.runNow('store');
    // Two samples of the query counter, with queries between them.
    await pulse.tasks.runNow('system-sample');
    for (let i = 0; i < 5; i++) await getJson(`${pulse.url}/v1/query?measures=count`, auth);
    await pulse.tasks.runNow('system-sample');
    const r = await getJson(`${pulse.url}/api/system`, auth);
    expect(r.status).toBe(200);
    const { cpu, memory, disk, network, process: proc } = r.json.system_resources;
    expect(cpu.cores).toBe(availableParallelism());
    expect(cpu.usage_percent).toBeGreaterThanOrEqual(0);
    expect(cpu.usage_percent).toBeLessThanOrEqual(100);
    expect(cpu.load_average).toHaveLength(3);
    expect(memory.total_gb).toBeCloseTo(totalmem() / 1024 ** 3, 1);
    expect(memory.used_gb + memory.available_gb).toBeCloseTo(memory.total_gb, 1);
    const fs = statfsSync(pulse.dataDir);
    expect(disk.total_gb).toBeCloseTo((fs.blocks * fs.bsize) / 1024 ** 3, 1);
    expect(disk.path).toBe(pulse.config.dataDir);
    expect(network.bytes_received).toBeGreaterThanOrEqual(0);
    expect(network.connections).toBeGreaterThanOrEqual(1); // this request's own connection
    expect(proc.pid).toBe(process.pid);
    const db = r.json.database_health.duckdb;
    expect(db).toMatchObject({ status: 'healthy', rows: 25, connections: 4, last_backup: null, checkpoints_failed: 0 });
    expect(db.file_size_mb).toBeGreaterThan(0);
    expect(db.wal_size_mb).toBeGreaterThanOrEqual(0);
    expect(db.queries_per_second).toBeGreaterThan(0);
  });

  it('is admin only', async () => {
    const key = await postJson(`${pulse.url}/v1/keys`, { project: 'default', scope: 'read' }, auth);
    expect((await getJson(`${pulse.url}/api/system`, { authorization: `Bearer ${key.json.key}` })).status).toBe(403);
    expect((await getJson(`${pulse.url}/api/system`)).status).toBe(401);
  });

  it('serves the HostSampler alert rules read', async () => {
    const s = await pulse.ops.host.sample();
    expect(s.memoryPercent).toBeGreaterThan(0);
    expect(s.diskFreeBytes).toBeGreaterThan(0);
    expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
  });
});
