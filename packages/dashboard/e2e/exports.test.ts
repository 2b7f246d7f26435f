/**
 * The Exports section in a real Chromium against a real Pulse: an export of the view's range and filters is
 * created from the page, its progress shows in the list, its row count equals the query API's count for the same
 * range and filters, and the browser downloads the very file the API serves.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { fmtBytes, fmtInt } from '../src/lib/format.ts';
import { seed } from './seed-data.ts';
import { api, ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelsReady, screenshot } from './support.ts';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const HOUR = 3_600_000;

describe.skipIf(!hasChromium)('exports section (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;
  const now = Date.now();
  const start = new Date(now - 6 * HOUR).toISOString();
  const end = new Date(now).toISOString();

  beforeAll(async () => {
    ensureDashboardBuilt();
    pulse = await startTestPulse();
    await seed(pulse.url, now);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  test('creates an export of the view, follows it to done, and downloads the file', async () => {
    const view = `section=exports&range=custom&start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}&environment=prod`;
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?${view}`);
    await panelsReady(page);
    expect(await page.getByTestId('empty').textContent()).toBe('No exports yet: create one above.');
    expect(await page.getByTestId('export-scope').textContent()).toContain('environment=prod');
    await screenshot(page, 'exports-empty');

    await page.getByTestId('export-type-csv').click();
    await page.getByTestId('export-content-full').click();
    await page.getByTestId('export-create').click();
    const status = page.locator('[data-testid="exports-table"] [data-status]').first();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('done');

    const { exports } = await api<{ exports: any[] }>(pulse.url, '/v1/analytics/exports');
    expect(exports).toHaveLength(1);
    const job = exports[0];
    const expected = (await api<{ data: { count: number }[] }>(pulse.url, `/v1/query?measures=count&start_date=${start}&end_date=${end}&environment=prod`)).data[0]!.count;
    expect(expected).toBeGreaterThan(100);
    expect(job).toMatchObject({ status: 'done', export_type: 'csv', format: 'full', rows: expected, filters: { environment: ['prod'] } });
    expect(Date.parse(job.start_date)).toBe(Date.parse(start));
    const row = page.locator(`[data-row="${job.id}"]`);
    expect(await row.locator('[data-col="rows"]').textContent()).toBe(fmtInt(expected));
    expect(await row.locator('[data-col="size"]').textContent()).toBe(fmtBytes(job.bytes));
    await screenshot(page, 'exports-done');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^pulse-default-full-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await download.path();
    const text = readFileSync(file, 'utf8');
    expect(Buffer.byteLength(text)).toBe(job.bytes);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(expected + 1);
    expect(lines.slice(1).every((l) => l.includes(',prod,'))).toBe(true);

    // A summary in Parquet, too: the list shows both, newest first.
    await page.getByTestId('export-type-parquet').click();
    await page.getByTestId('export-content-summary').click();
    await page.getByTestId('export-create').click();
    await expect.poll(() => page.locator('[data-testid="exports-table"] tbody tr').count()).toBe(2);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('done');
    expect(await page.locator('[data-testid="exports-table"] tbody tr').first().locator('[data-col="what"]').textContent()).toBe('Parquet · Daily summary');

    // Two filters and a long range: at 1280 px the Range and Filters cells wrap, and every row keeps its size and
    // Download link inside the panel.
    await page.goto(`${pulse.url}/?section=exports&range=custom&start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}&environment=prod&service=bot&persona=scav&channel=testing`);
    await panelsReady(page);
    await page.getByTestId('export-create').click();
    await expect.poll(() => page.locator('[data-testid="exports-table"] tbody tr').count()).toBe(3);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('done');
    const overflow = await page.evaluate(() => {
      const wrap = document.querySelector('[data-testid="exports-table"]')!.parentElement!;
      const right = wrap.getBoundingClientRect().right;
      const links = [...document.querySelectorAll('[data-testid="export-download"]')].map((a) => a.getBoundingClientRect().right);
      return { scroll: wrap.scrollWidth - wrap.clientWidth, links: links.length, outside: links.filter((r) => r > right + 0.5).length };
    });
    expect(overflow).toEqual({ scroll: 0, links: 3, outside: 0 });
    await screenshot(page, 'exports-filters');

    await page.setViewportSize({ width: 375, height: 812 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // At phone width each job is a card of labelled lines: its status, rows, size and Download link are on screen,
    // not in columns scrolled out of view.
    const phone = await page.evaluate(() => {
      const wrap = document.querySelector('[data-testid="exports-table"]')!.parentElement!;
      const cells = [...document.querySelectorAll('[data-testid="exports-table"] td[data-col="status"], [data-testid="exports-table"] td[data-col="size"], [data-testid="export-download"]')];
      return {
        scroll: wrap.scrollWidth - wrap.clientWidth,
        cells: cells.length,
        outside: cells.filter((c) => c.getBoundingClientRect().right > 375 || c.getBoundingClientRect().width === 0).length,
        label: getComputedStyle(document.querySelector('[data-testid="exports-table"] td[data-col="status"]')!, '::before').content,
        status: (document.querySelector('[data-testid="exports-table"] td[data-col="status"]') as HTMLElement).innerText,
      };
    });
    await screenshot(page, 'exports-phone');
    expect(phone).toEqual({ scroll: 0, cells: 9, outside: 0, label: '"Status"', status: 'Done' });
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a failed poll does not stop following an unfinished export', async () => {
    // The first answer shows every job still running; the next one fails (a busy store answers 503). The list
    // must keep polling, not stay on the error with the jobs frozen at "Running…".
    const { page, errors, context } = await openPage(browser, 'about:blank');
    let polls = 0;
    await page.route(/\/v1\/analytics\/exports(\?|$)/, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      polls++;
      if (polls === 1) {
        const json = await (await route.fetch()).json();
        for (const job of json.exports) Object.assign(job, { status: 'running', download_url: null });
        return route.fulfill({ json });
      }
      if (polls === 2) return route.fulfill({ status: 503, json: { error: { code: 'store_unavailable', message: 'store busy' } } });
      return route.continue();
    });
    await page.goto(`${pulse.url}/?section=exports`);
    await expect.poll(() => polls, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    const panel = page.getByTestId('panel-exports');
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 5_000 }).toBe('ready');
    const states = await page.locator('[data-testid="exports-table"] [data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(states.length).toBeGreaterThan(0);
    expect(new Set(states)).toEqual(new Set(['done']));
    expect(errors.filter((e) => !/503/.test(e))).toEqual([]);
    await context.close();
  });
});
