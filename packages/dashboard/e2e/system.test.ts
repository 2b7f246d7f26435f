/**
 * The System section in a real Chromium against a real Pulse whose `health_checks:` probe a real fake service that
 * goes down and comes back: every service's status and history, host resources and store health, all equal to what
 * the API answers; a read key sees the health but not the host. Screenshots at desktop and phone width.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { FakeService } from '../../server/src/health/test-support/fake-service.ts';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { api, ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelsReady, screenshot, statValue } from './support.ts';

const ADMIN = 'system-e2e-admin';
const POLL = { timeout: 5_000 };

describe.skipIf(!hasChromium)('System section (browser)', () => {
  let pulse: Awaited<ReturnType<typeof startTestPulse>>;
  let browser: Browser;
  let svc: FakeService;
  let dir: string;
  let readKey: string;

  beforeAll(async () => {
    ensureDashboardBuilt();
    svc = await new FakeService().start();
    dir = mkdtempSync(join(tmpdir(), 'pulse-system-e2e-'));
    const file = join(dir, 'pulse.yaml');
    writeFileSync(file, stringify({
      health_checks: [
        { name: 'ollama', type: 'http', url: `${svc.url}/api/tags`, interval: '1h', timeout: '500ms', expect: { json: { 'models.0.name': 'llama3.2' } } },
        { name: 'redis', type: 'tcp', host: '127.0.0.1', port: svc.port, interval: '1h' },
        { name: 'bot', type: 'heartbeat', service: 'bot', interval: '1h', max_age: '1m' },
      ],
    }));
    pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', ANALYTICS_API_KEY: ADMIN, PULSE_CONFIG: file } });
    const auth = { authorization: `Bearer ${ADMIN}` };
    readKey = ((await (await fetch(`${pulse.url}/v1/keys`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ project: 'default', scope: 'read' }) })).json()) as { key: string }).key;
    await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ events: Array.from({ length: 12 }, (_, i) => ({ type: 'message', service: 'bot', value: i })) }) });
    // A history: up, wrong answer, down, back up.
    const run = (n: string) => pulse.ops.health.runNow(n);
    for (const n of ['ollama', 'redis', 'bot', 'store']) await run(n);
    svc.mode = 'wrong-model';
    await run('ollama');
    svc.mode = 'up';
    await svc.stop();
    await run('ollama');
    await run('redis');
    await svc.start();
    await run('ollama');
    await pulse.tasks.runNow('system-sample');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('shows every service with its history, the host and the store, as the API answers them', async () => {
    for (const [width, name] of [[1280, 'desktop'], [390, 'phone']] as const) {
      // Pulse's own store check runs every 10 s by itself: its history may grow while the page loads, so the page's
      // count lies between the API's before and after it; the configured checks (every hour) are matched exactly.
      const before = await api(pulse.url, '/api/health', ADMIN);
      const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=1h&section=system`, { width, storage: { 'pulse.apiKey': ADMIN } });
      await panelsReady(page);
      await page.locator('[data-testid=panel-health-checks][data-state=ready], [data-testid=panel-resources][data-state=ready]').nth(1).waitFor();
      const health = await api(pulse.url, '/api/health', ADMIN);
      expect(await page.getByTestId('health-overall').getAttribute('data-status')).toBe(health.status);
      for (const [service, s] of Object.entries(health.services) as [string, { status: string; history: unknown[] }][]) {
        expect(await page.getByTestId(`health-status-${service}`).getAttribute('data-status'), service).toBe(s.status);
        const shown = await page.getByTestId(`health-history-${service}`).locator('.cell').count();
        if (service === 'store') {
          expect(shown).toBeGreaterThanOrEqual(before.services.store.history.length);
          expect(shown).toBeLessThanOrEqual(s.history.length);
        } else {
          expect(shown, service).toBe(s.history.length);
        }
      }
      const strip = await page.getByTestId('health-history-ollama').locator('.cell').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.status));
      expect(strip).toEqual(health.services.ollama.history.map((h: { status: string }) => h.status));
      expect(strip.slice(-4)).toEqual(['healthy', 'unhealthy', 'unhealthy', 'healthy']); // up, wrong answer, down, back
      const system = await api(pulse.url, '/api/system', ADMIN);
      await expect.poll(() => statValue(page, 'db-rows'), POLL).toBe(String(system.database_health.duckdb.rows));
      expect(Number(await statValue(page, 'sys-memory'))).toBeCloseTo(system.system_resources.memory.usage_percent, 0);
      expect(await page.getByTestId('stat-db-dialect-text').textContent()).toBe('duckdb');
      await screenshot(page, `${name}-system-health`);
      // Nothing in the section wider than the screen (the tables scroll inside their own box).
      const wide = await page.evaluate(() => [...document.querySelectorAll('[data-testid=section-system] *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap')).map((e) => `${e.tagName}.${e.className}`).slice(0, 5));
      expect(wide).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  test('a read key sees the health checks but not host or whole-store figures', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=1h&section=system`, { storage: { 'pulse.apiKey': readKey } });
    await panelsReady(page);
    await page.getByTestId('resources-admin-only').waitFor();
    await page.locator('[data-testid=panel-health-checks][data-state=ready]').waitFor();
    expect(await page.getByTestId('health-status-store').getAttribute('data-status')).toBe('healthy');
    await screenshot(page, 'desktop-system-read-key');
    // The 403 is shown as a message, not a console error from the app.
    expect(errors.filter((e) => !/403/.test(e))).toEqual([]);
    await context.close();
  });
});
