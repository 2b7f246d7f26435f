/**
 * Live behaviour against a real Pulse: an event posted through the API reaches the live tail, the live
 * cards and the REST panels within 2 s without a reload; the tail honours the filters and counts what it
 * skipped; a hidden tab does not refresh; a silent socket is flagged stale; a server restart shows the
 * disconnected banner and the page reconnects on its own.
 */
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { syntheticEvents } from '../../server/src/synthetic/index.ts';
import { ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelsReady, postEvents, screenshot, statValue } from './support.ts';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const POLL = { timeout: 5_000, interval: 50 };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves with the milliseconds it took `check` to hold, polling every 25 ms; fails after `limit`. */
async function within(limit: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > limit + 3_000) throw new Error(`${what}: not within ${limit} ms (waited ${Date.now() - t0} ms)`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const tailUsers = (page: Page) => page.locator('[data-testid=tail-table] tbody [data-col=user]').allTextContents();

describe.skipIf(!hasChromium)('dashboard live updates (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    ensureDashboardBuilt();
    port = await freePort();
    pulse = await startTestPulse({ port });
    const now = Date.now();
    await postEvents(pulse.url, [...syntheticEvents({ seed: 21, users: 100, startMs: now - 40 * 60_000, endMs: now - 60_000, count: 400 })]);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  test('a posted event shows in the live tail, the live cards and the REST panels within 2 s, without a reload', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=1h`);
    await panelsReady(page);
    await page.getByTestId('stat-sys-messages-today').waitFor();
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    await page.getByTestId('tail-empty').waitFor();
    const events0 = Number(await statValue(page, 'sum-events'));
    const messages0 = Number(await statValue(page, 'sys-messages-today'));
    const docId = await page.evaluate(() => ((window as unknown as { __probe: number }).__probe = Math.random()));
    await page.waitForTimeout(2_100); // past the refresh throttle of the initial load

    const now = Date.now();
    await postEvents(pulse.url, [
      { ts: now, type: 'message', persona: 'scav', user_id: 'probe-user-1', channel: 'general', service: 'bot', environment: 'prod', text: 'hello there, lovely bot' },
      { ts: now + 1, type: 'llm', persona: 'scav', user_id: 'probe-user-1', model: 'gpt-4o-mini', input_tokens: 10, output_tokens: 5, duration_ms: 1234, ttft_ms: 200, status: 'error', error_type: 'API Timeout' },
    ]);
    const tailMs = await within(2_000, 'live tail', async () => (await tailUsers(page)).filter((u) => u === 'probe-user-1').length === 2);
    const cardMs = await within(2_000, 'live cards', async () => Number(await statValue(page, 'sys-messages-today')) === messages0 + 1);
    const restMs = await within(2_000, 'REST panels', async () => Number(await statValue(page, 'sum-events')) === events0 + 2);
    expect(tailMs, 'live tail').toBeLessThanOrEqual(2_000);
    expect(cardMs, 'live cards').toBeLessThanOrEqual(2_000);
    expect(restMs, 'range summary').toBeLessThanOrEqual(2_000);
    // The same document: nothing reloaded.
    expect(await page.evaluate(() => (window as unknown as { __probe: number }).__probe)).toBe(docId);

    // The tail row carries the columns the panel promises, newest first.
    const row = page.locator('[data-testid=tail-table] tbody tr').first();
    const cells = Object.fromEntries(
      await Promise.all(['type', 'model', 'persona', 'user', 'status', 'duration', 'error_type'].map(async (c) => [c, await row.locator(`[data-col=${c}]`).textContent()])),
    );
    expect(cells).toEqual({ type: 'llm', model: 'gpt-4o-mini', persona: 'scav', user: 'probe-user-1', status: 'error', duration: '1.23 s', error_type: 'API Timeout' });
    await expect.poll(() => page.getByTestId('last-update').textContent()).toMatch(/^Last update \d\d:\d\d:\d\d$/);
    await screenshot(page, 'desktop-light-overview-live');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the tail follows the filters and shows how many events it skipped', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=1h&persona=toad`);
    await panelsReady(page, { mustInclude: ['persona=toad'] });
    await page.getByTestId('tail-empty').waitFor();
    await page.waitForTimeout(300); // the tail socket is open (its hello arrived before the empty state rendered)
    const now = Date.now();
    await postEvents(pulse.url, [
      { ts: now, type: 'message', persona: 'scav', user_id: 'probe-scav' },
      { ts: now, type: 'message', persona: 'toad', user_id: 'probe-toad' },
    ]);
    await expect.poll(() => tailUsers(page), POLL).toEqual(['probe-toad']);
    // A burst over the tail's 20 events a second: the rest are counted, and the count is shown.
    await postEvents(pulse.url, Array.from({ length: 120 }, (_, i) => ({ ts: now + i, type: 'message', persona: 'toad', user_id: `burst-${i}` })));
    await expect.poll(async () => Number(await page.getByTestId('tail-skipped').getAttribute('data-value')), POLL).toBeGreaterThan(0);
    const skipped = Number(await page.getByTestId('tail-skipped').getAttribute('data-value'));
    expect(await page.getByTestId('tail-skipped').textContent()).toBe(`${skipped.toLocaleString('en-US')} skipped`);
    expect((await tailUsers(page)).length).toBeLessThan(121);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a hidden tab does not refresh its panels; showing it again does', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=1h`);
    await panelsReady(page);
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const before = Number(await statValue(page, 'sum-events'));
    await postEvents(pulse.url, [{ ts: Date.now(), type: 'message', persona: 'scav', user_id: 'probe-hidden' }]);
    await expect.poll(() => tailUsers(page), POLL).toContain('probe-hidden'); // live frames still arrive…
    await page.waitForTimeout(2_500);
    expect(Number(await statValue(page, 'sum-events'))).toBe(before); // …but no REST refresh while hidden
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(async () => Number(await statValue(page, 'sum-events')), POLL).toBe(before + 1);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('answers slower than the refresh gap still show while events keep arriving', async () => {
    // Every REST answer takes 3 s (a busy store), and an event arrives every 400 ms: each live refresh used to
    // cancel the load still in flight, so the panels said "Loading…" for as long as the traffic lasted.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.route(/\/(v1|api)\/(query|analytics\/|metrics)/, async (route) => {
      await new Promise((r) => setTimeout(r, 3_000));
      await route.continue().catch(() => {}); // cancelled by the page meanwhile
    });
    let n = 0;
    const pump = setInterval(() => void postEvents(pulse.url, [{ ts: Date.now(), type: 'message', persona: 'scav', user_id: `slow-${n++}` }]).catch(() => {}), 400);
    try {
      await page.goto(`${pulse.url}/?section=system&range=1h`);
      // Each panel shows its figures (a refresh may be in flight again at once: the old figures stay meanwhile).
      await page.waitForFunction(() => {
        const panels = [...document.querySelectorAll<HTMLElement>('[data-queries]')];
        return panels.length > 0 && panels.every((p) => p.dataset.state !== 'error' && !p.querySelector('.loading'));
      }, null, { timeout: 12_000 });
      // And later refreshes land too: the events counted keep up with the traffic.
      const messages = page.locator('[data-testid=events-by-type-table] [data-row=message] [data-col=count]');
      const before = await messages.textContent();
      await expect.poll(() => messages.textContent(), { timeout: 12_000 }).not.toBe(before);
    } finally {
      clearInterval(pump);
      await context.close();
    }
  });

  test('a socket that goes silent is flagged "Data may be stale"', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    let forward = true;
    // The real server's frames pass through until the "network" drops them.
    await context.routeWebSocket(/\/ws\/metrics/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        if (forward) ws.send(m);
      });
    });
    const page = await context.newPage();
    await page.goto(`${pulse.url}/?range=1h`);
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    // A metrics frame has arrived (the status is 'live' as soon as the socket opens): the live cards hold figures to keep.
    await expect.poll(() => page.getByTestId('panel-live-cards').getAttribute('data-state'), POLL).toBe('ready');
    forward = false;
    await page.getByTestId('banner-stale').waitFor({ timeout: 8_000 });
    expect(await page.getByTestId('banner-stale').textContent()).toMatch(/^Data may be stale: no live update for \d+ s\.$/);
    expect(await page.getByTestId('live-status').getAttribute('data-status')).toBe('stale');
    // The last live figures stay, dimmed and dated.
    expect(await page.getByTestId('panel-live-cards').getByTestId('live-stale-note').textContent()).toMatch(/^Not live: values as of \d\d:\d\d:\d\d\.$/);
    await screenshot(page, 'desktop-light-banner-stale');
    forward = true;
    await page.getByTestId('banner-stale').waitFor({ state: 'detached', timeout: 3_000 });
    await context.close();
  });

  test('a server restart shows the disconnected banner, and the page reconnects by itself', async ({ onTestFailed }) => {
    // Each step's start is kept: a failure (a timeout included) prints where the test was and how long each step took.
    const t0 = Date.now();
    const steps: string[] = [];
    const step = (name: string) => steps.push(`${String(Date.now() - t0).padStart(6)} ms  ${name}`);
    onTestFailed(() => console.error(`restart test steps:\n${steps.join('\n')}`));
    step('open the page');
    const { page, context } = await openPage(browser, `${pulse.url}/?range=1h`);
    step('wait for live');
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    step('wait for the panels');
    // Every panel has its data, so the page has something to keep while the server is down.
    await panelsReady(page);
    step('wait for the system overview\'s figures');
    // The system overview holds a metrics frame's figures to keep (it shows a note only then).
    await expect.poll(() => page.getByTestId('panel-system-overview').getAttribute('data-state'), POLL).toBe('ready');
    const dataDir = pulse.dataDir;
    step('close the server');
    await pulse.close();
    step('wait for the disconnected banner');
    await page.getByTestId('banner-disconnected').waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('banner-disconnected').textContent()).toContain('Live updates disconnected — reconnecting…');
    step('wait for the system overview\'s stale note');
    await page.getByTestId('panel-system-overview').getByTestId('live-stale-note').waitFor({ timeout: 5_000 });
    await screenshot(page, 'desktop-light-banner-disconnected');
    step('start the server again');
    pulse = await startTestPulse({ port, dataDir });
    step('wait for the banner to go');
    await page.getByTestId('banner-disconnected').waitFor({ state: 'detached', timeout: 20_000 });
    step('wait for live');
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    step('wait for the stale notes to go');
    await page.getByTestId('live-stale-note').first().waitFor({ state: 'detached', timeout: 10_000 });
    // Still live after the restart: a new event reaches the tail.
    step('post an event and wait for it in the tail');
    await postEvents(pulse.url, [{ ts: Date.now(), type: 'message', persona: 'scav', user_id: 'probe-after-restart' }]);
    await expect.poll(() => tailUsers(page), POLL).toContain('probe-after-restart');
    step('close the page');
    await context.close();
  });
});
