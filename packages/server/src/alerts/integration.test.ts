/**
 * Alerting wired to the operations feature on one real server: a health check whose TCP service is down turns
 * unhealthy and a `health` rule fires from the recorded health event; a `resource` rule reads the real host sampler
 * (the host's disk use is certainly above 0 %); a reload of the config file replaces the file's rules, and the alert of
 * a rule that is gone resolves.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deadPort } from './channels/test-support/receiver.js';
import { getJson, startTestPulse } from '../test-support/pulse.js';

let dir = '';
let pulse: Awaited<ReturnType<typeof startTestPulse>>;
let port = 0;

const config = (withDisk: boolean) => `
health_checks:
  - { name: cache, type: tcp, host: 127.0.0.1, port: ${port}, interval: 1h, timeout: 300ms }
alerts:
  - name: Cache down
    kind: health
    checks: [cache]
    severity: critical
${withDisk ? `  - name: Disk in use
    kind: resource
    condition: disk_percent > 0
    severity: low
` : ''}`;

async function alerts(): Promise<{ rule_name: string; state: string }[]> {
  const r = await getJson(`${pulse.url}/v1/analytics/alerts?limit=50`);
  expect(r.status).toBe(200);
  return r.json.alerts ?? r.json;
}

async function until(what: string, fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  port = await deadPort();
  dir = mkdtempSync(join(tmpdir(), 'pulse-alert-ops-'));
  writeFileSync(join(dir, 'pulse.yaml'), config(true));
  pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', PULSE_CONFIG: join(dir, 'pulse.yaml'), PULSE_ALERT_INTERVAL: '0.2' } });
});

afterAll(async () => {
  await pulse?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

it('a health check going unhealthy fires the health rule; the resource rule reads the real host', async () => {
  await pulse.tasks.runNow('system-sample').catch(() => undefined);
  for (const t of pulse.tasks.list().filter((x) => x.name.startsWith('health'))) await pulse.tasks.runNow(t.name);
  await until('the health and resource alerts', async () => {
    const list = await alerts();
    return ['Cache down', 'Disk in use'].every((n) => list.some((a) => a.rule_name === n && a.state === 'firing'));
  });
  const health = await getJson(`${pulse.url}/api/health/cache`);
  expect(health.json.status).toBe('unhealthy');
});

it("a reload replaces the file's rules; the alert of a removed rule resolves", async () => {
  writeFileSync(join(dir, 'pulse.yaml'), config(false));
  const outcome = await pulse.reload();
  expect(outcome.ok).toBe(true);
  await until("the removed rule's alert to resolve", async () => {
    const list = await alerts();
    return list.some((a) => a.rule_name === 'Disk in use' && a.state === 'resolved') && list.some((a) => a.rule_name === 'Cache down' && a.state === 'firing');
  });
});
