/**
 * The dashboard in a real Chromium against a real Pulse (no key): every section loads clean, the figures
 * equal what the query API answers for the same range and filters, the range picker and each filter
 * reach every panel, event values are text, and a phone-width screen does not scroll sideways.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { fmtCount, fmtInt, fmtMs, fmtPct, fmtUsd, fmtUsdTile } from '../src/lib/format.ts';
import { XSS, seed } from './seed-data.ts';
import {
  api, ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelQueries, panelsReady, rangeOf,
  screenshot, statText, statValue,
} from './support.ts';

const SECTIONS = ['overview', 'performance', 'personas', 'users', 'system', 'history', 'alerts', 'exports'] as const;
/** Sections whose every panel follows the range and filters: not Alerts (the present state, no toolbar) nor the export list (all jobs; its own e2e test covers it). */
const RANGE_SECTIONS = SECTIONS.filter((s) => s !== 'alerts' && s !== 'exports');
const FILTERS = ['model', 'persona', 'service', 'channel', 'environment'] as const;
const HOUR = 3_600_000;
const POLL = { timeout: 5_000 };

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;

describe.skipIf(!hasChromium)('dashboard (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;
  const get = <T = any>(q: string) => api<T>(pulse.url, q);
  const count = async (params: Record<string, string | string[]>): Promise<number> => {
    const q = new URLSearchParams({ measures: 'count' });
    for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) q.append(k, x);
    return (await get<{ data: Array<{ count: number }> }>(`/v1/query?${q}`)).data[0]!.count;
  };

  beforeAll(async () => {
    ensureDashboardBuilt();
    pulse = await startTestPulse();
    await seed(pulse.url, Date.now());
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  test('every section loads without console errors, in both themes and at phone width (screenshots)', async () => {
    // One page for all three passes: the theme toggle and a resize take it from one to the next.
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=7d`, { colorScheme: 'light' });
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const visit = async (section: string, shot: string) => {
      await page.getByTestId(`nav-${section}`).click();
      await page.getByTestId(`section-${section}`).waitFor();
      await panelsReady(page);
      if (section === 'overview') await page.getByTestId('stat-live-active-users').waitFor();
      await screenshot(page, shot);
    };
    expect(await theme()).toBe('light'); // from prefers-color-scheme
    for (const section of SECTIONS) await visit(section, `desktop-light-${section}`);

    // The toggle flips the theme and is remembered across a reload.
    await page.getByTestId('theme-toggle').click();
    await expect.poll(theme).toBe('dark');
    expect(await page.evaluate(() => localStorage.getItem('pulse.theme'))).toBe('dark');
    await page.reload();
    await expect.poll(theme).toBe('dark');
    for (const section of SECTIONS) await visit(section, `desktop-dark-${section}`);
    await page.getByTestId('theme-toggle').click();
    await expect.poll(theme).toBe('light');

    // Phone: the menu opens the sections; nothing scrolls sideways (tables scroll in their own box).
    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByTestId('nav-users').waitFor({ state: 'hidden' });
    for (const section of SECTIONS) {
      await page.getByTestId('menu-button').click();
      await page.getByTestId(`nav-${section}`).click();
      await page.getByTestId(`nav-${section}`).waitFor({ state: 'hidden' });
      await panelsReady(page);
      if (section === 'overview') await page.getByTestId('stat-live-active-users').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `scrollWidth on ${section}`).toBeLessThanOrEqual(375);
      await screenshot(page, `phone-${section}`);
    }
    // The dark theme at phone width, too.
    await page.getByTestId('theme-toggle').click();
    await page.getByTestId('menu-button').click();
    await visit('performance', 'phone-dark-performance');
    // The charts followed the resize: each canvas as wide as its box, none wider than the screen.
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.chart-canvas')].map((box) => [box.clientWidth, box.querySelector('canvas')!.getBoundingClientRect().width]),
    );
    expect(charts.length).toBeGreaterThan(3);
    for (const [box, canvas] of charts) {
      expect(canvas).toBeLessThanOrEqual(box!);
      expect(canvas).toBeGreaterThan(box! - 2);
      expect(canvas).toBeLessThan(375);
    }
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000); // 10–20 s here; room for a busier CI host

  test('the figures equal the query API for the same range', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/`);
    await panelsReady(page);
    const queries = await panelQueries(page);
    const r = rangeOf(queries['panel-range-summary']![0]!);
    expect(r.endMs - r.startMs).toBe(24 * HOUR); // the default range
    const range = { start_date: r.start, end_date: r.end };
    const all = (await get(`/v1/query?${new URLSearchParams({ ...range, measures: 'count,errors,error_rate,unique_users,total_tokens,cost_usd' })}`)).data[0];
    const llm = (await get(`/v1/query?${new URLSearchParams({ ...range, type: 'llm', measures: 'count,avg_duration_ms,p95_duration_ms' })}`)).data[0];
    const messages = await count({ ...range, type: 'message' });
    expect(all.count).toBeGreaterThan(100);
    const expectStat = async (id: string, value: number, text: string) => {
      expect(Number(await statValue(page, id)), id).toBe(value);
      expect(await statText(page, id), id).toBe(text);
    };
    await expectStat('sum-events', all.count, fmtCount(all.count));
    await expectStat('sum-messages', messages, fmtCount(messages));
    await expectStat('sum-llm-calls', llm.count, fmtCount(llm.count));
    await expectStat('sum-errors', all.errors, fmtCount(all.errors));
    await expectStat('sum-users', all.unique_users, fmtCount(all.unique_users));
    await expectStat('sum-p95-response', llm.p95_duration_ms, fmtMs(llm.p95_duration_ms));
    await expectStat('sum-cost', all.cost_usd, fmtUsdTile(all.cost_usd));

    // Performance: latency over the range, errors and the model comparison from /api/metrics.
    await page.getByTestId('nav-performance').click();
    await panelsReady(page);
    const pq = await panelQueries(page);
    const pr = rangeOf(pq['panel-latency']![0]!);
    const lat = (await get(`/v1/query?${new URLSearchParams({ start_date: pr.start, end_date: pr.end, type: 'llm', measures: 'count,p50_duration_ms,p95_duration_ms,p99_duration_ms' })}`)).data[0];
    await expectStat('lat-count', lat.count, fmtCount(lat.count));
    await expectStat('lat-p50', lat.p50_duration_ms, fmtMs(lat.p50_duration_ms));
    await expectStat('lat-p99', lat.p99_duration_ms, fmtMs(lat.p99_duration_ms));
    const er = rangeOf(pq['panel-errors']![0]!);
    const metrics = await get(`/api/metrics?${new URLSearchParams({ start_date: er.start, end_date: er.end })}`);
    await expectStat('errors-total', metrics.error_analysis.total_errors_24h, fmtCount(metrics.error_analysis.total_errors_24h));
    const errorRows = page.getByTestId('errors-table').locator('tbody tr');
    await expect.poll(() => errorRows.count(), POLL).toBe(metrics.error_analysis.top_errors.length);
    const first = metrics.error_analysis.top_errors[0];
    expect(await errorRows.first().locator('[data-col=type]').textContent()).toBe(first.type);
    expect(await errorRows.first().locator('[data-col=count]').textContent()).toBe(fmtInt(first.count));
    const models = Object.keys((await get(`/api/metrics?${new URLSearchParams({ start_date: er.start, end_date: er.end, type: 'llm' })}`)).llm_performance.models);
    await expect.poll(() => page.getByTestId('models-table').locator('tbody tr').count(), POLL).toBe(models.length);

    // Personas: messages per persona.
    await page.getByTestId('nav-personas').click();
    await panelsReady(page);
    const rr = rangeOf((await panelQueries(page))['panel-persona-stats']![0]!);
    const byPersona = (await get(`/v1/query?${new URLSearchParams({ start_date: rr.start, end_date: rr.end, type: 'message', dimensions: 'persona', measures: 'count' })}`)).data;
    for (const row of byPersona.filter((x: { persona: string | null }) => x.persona !== null)) {
      await expect.poll(() => page.getByTestId('persona-table').locator(`tr[data-row="${cssEscape(row.persona)}"] [data-col=messages]`).textContent(), POLL).toBe(fmtInt(row.count));
    }

    // Users: top users and the heatmap.
    await page.getByTestId('nav-users').click();
    await panelsReady(page);
    const ur = rangeOf((await panelQueries(page))['panel-top-users']![0]!);
    const top = (await get(`/v1/query?${new URLSearchParams({ start_date: ur.start, end_date: ur.end, type: 'message', dimensions: 'user_id', measures: 'count', order: '-count', limit: '10' })}`)).data;
    const shown = await page.getByTestId('top-users-table').locator('tbody [data-col=count]').allTextContents();
    expect(shown).toEqual(top.map((x: { count: number }) => fmtInt(x.count)));
    const heat = (await get(`/v1/query?${new URLSearchParams({ start_date: ur.start, end_date: ur.end, type: 'message', dimensions: 'weekday,hour_of_day', measures: 'count' })}`)).data;
    for (const cell of heat.slice(0, 10)) {
      await expect.poll(() => page.locator(`[data-testid=heatmap-table] td[data-day="${cell.weekday}"][data-hour="${cell.hour_of_day}"]`).getAttribute('data-value'), POLL).toBe(String(cell.count));
    }

    // History (opened from the default 24 h, so at its own default, 90 days): cost by model and the monthly
    // projection (cost per day over the range × 30).
    await page.getByTestId('nav-history').click();
    await panelsReady(page);
    const hr = rangeOf((await panelQueries(page))['panel-cost']![0]!);
    expect(hr.endMs - hr.startMs).toBe(90 * 24 * HOUR);
    const cost = (await get(`/v1/query?${new URLSearchParams({ start_date: hr.start, end_date: hr.end, measures: 'cost_usd' })}`)).data[0].cost_usd;
    expect(Number(await statValue(page, 'cost-total'))).toBeCloseTo(cost, 9);
    const projection = (cost / ((hr.endMs - hr.startMs) / (24 * HOUR))) * 30;
    expect(Number(await statValue(page, 'cost-projection'))).toBeCloseTo(projection, 9);
    expect(await statText(page, 'cost-projection')).toBe(fmtUsd(projection));
    await expect.poll(() => page.getByTestId('stat-cost-projection').textContent(), POLL).toContain('cost per day over 90 days × 30');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the range picker changes what every panel shows, and the URL keeps it', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/`);
    await panelsReady(page);
    const spans = { '15m': 0.25 * HOUR, '1h': HOUR, '24h': 24 * HOUR, '7d': 168 * HOUR, '30d': 720 * HOUR };
    let previous = -1;
    for (const [id, span] of Object.entries(spans)) {
      await page.getByTestId(`range-${id}`).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe(id === '24h' ? null : id);
      // The panels of the previous range are still "ready" until the new requests start: wait for the new span.
      const summarySpan = async () => {
        await panelsReady(page);
        const q = rangeOf((await panelQueries(page))['panel-range-summary']![0]!);
        return q.endMs - q.startMs;
      };
      await expect.poll(summarySpan, POLL).toBe(span);
      const r = rangeOf((await panelQueries(page))['panel-range-summary']![0]!);
      const expected = await count({ start_date: r.start, end_date: r.end });
      expect(Number(await statValue(page, 'sum-events'))).toBe(expected);
      expect(expected, `more events in ${id} than in the shorter range before`).toBeGreaterThan(previous);
      previous = expected;
    }
    // Every panel of every section follows the range (the rolling error rate reaches 4 buckets further back).
    await page.getByTestId('range-1h').click();
    for (const section of RANGE_SECTIONS) {
      await page.getByTestId(`nav-${section}`).click();
      await panelsReady(page);
      for (const [panel, qs] of Object.entries(await panelQueries(page))) {
        for (const q of qs) {
          const r = rangeOf(q);
          const reach = panel === 'panel-error-rate' && q.includes('interval=') ? 5 * 60_000 : 0;
          expect(r.endMs - r.startMs - reach, `${panel}: ${q}`).toBeLessThanOrEqual(HOUR);
          expect(r.endMs - r.startMs, `${panel}: ${q}`).toBeGreaterThanOrEqual(HOUR);
        }
      }
    }

    // A custom range: fixed bounds, in the URL, used verbatim by every panel; a reload keeps it.
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('range-custom').click();
    await page.getByTestId('range-start').fill('2020-01-01T00:00');
    await page.getByTestId('range-end').fill('2020-01-02T00:00');
    await page.getByTestId('range-apply').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('custom');
    await page.reload();
    await panelsReady(page, { mustInclude: ['start_date=2020-01-01T00%3A00%3A00Z', 'end_date=2020-01-02T00%3A00%3A00Z'] });
    await expect.poll(() => page.getByTestId('panel-range-summary').getByTestId('empty').textContent(), POLL).toBe('No events in this range');
    await page.getByTestId('nav-performance').click();
    await panelsReady(page, { mustInclude: ['end_date=2020-01-02T00%3A00%3A00Z'] });
    expect(await page.getByTestId('empty').count()).toBe(await page.locator('[data-queries]').count());
    await screenshot(page, 'desktop-light-empty-range');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('each filter changes what the panels show, from the select to the URL to every query', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/`);
    await panelsReady(page);
    const total = Number(await statValue(page, 'sum-events'));
    const chosen: Record<string, string> = {};
    for (const field of FILTERS) {
      const select = page.getByTestId(`filter-${field}`);
      await expect.poll(() => select.locator('option').count(), `${field} options`).toBeGreaterThan(2);
      const value = (await select.locator('option').nth(1).getAttribute('value'))!;
      chosen[field] = value;
      await select.selectOption(value);
      await expect.poll(() => new URL(page.url()).searchParams.getAll(field)).toEqual([value]);
      await expect.poll(() => page.locator(`.chip[data-field="${field}"]`).getAttribute('data-value'), POLL).toBe(value);
      await panelsReady(page, { mustInclude: [new URLSearchParams({ [field]: value }).toString()] });
      const r = rangeOf((await panelQueries(page))['panel-range-summary']![0]!);
      const expected = await count({ start_date: r.start, end_date: r.end, [field]: value });
      const shown = Number(await statValue(page, 'sum-events'));
      expect(shown, `${field}=${value}`).toBe(expected);
      expect(shown, `${field}=${value} narrows the view`).toBeLessThan(total);
      await page.locator(`.chip[data-field="${field}"]`).click();
      await expect.poll(() => new URL(page.url()).searchParams.getAll(field)).toEqual([]);
      await panelsReady(page);
    }

    // Every panel of every section carries every filter (the view's filters reach each query the same way).
    const all = new URLSearchParams({ range: '7d', ...chosen });
    await page.goto(`${pulse.url}/?${all}`);
    for (const section of RANGE_SECTIONS) {
      await page.getByTestId(`nav-${section}`).click();
      await panelsReady(page, { mustInclude: Object.entries(chosen).map(([f, v]) => new URLSearchParams({ [f]: v }).toString()) });
    }

    // Two values of one field mean either; a shared link restores them.
    await page.goto(`${pulse.url}/?section=overview&range=7d&environment=prod&environment=staging`);
    await panelsReady(page, { mustInclude: ['environment=prod', 'environment=staging'] });
    const r = rangeOf((await panelQueries(page))['panel-range-summary']![0]!);
    expect(Number(await statValue(page, 'sum-events'))).toBe(await count({ start_date: r.start, end_date: r.end, environment: ['prod', 'staging'] }));
    expect(errors).toEqual([]);
    await context.close();
  });

  test('event values are text: an HTML persona, model, channel and user run nothing', async () => {
    const { page, errors, dialogs, context } = await openPage(browser, `${pulse.url}/?section=personas&range=1h`);
    await panelsReady(page);
    await expect.poll(() => page.getByTestId('persona-table').textContent(), POLL).toContain(XSS.persona);
    await page.getByTestId('nav-performance').click();
    await panelsReady(page);
    await expect.poll(() => page.getByTestId('models-table').textContent(), POLL).toContain(XSS.model);
    await expect.poll(() => page.getByTestId('errors-table').textContent(), POLL).toContain('<i>Boom</i>');
    // The filter select lists it, and choosing it filters by the literal string.
    await page.getByTestId('filter-persona').selectOption(XSS.persona);
    await expect.poll(() => page.locator('.chip[data-field=persona] .chip-value').textContent(), POLL).toBe(XSS.persona);
    await page.getByTestId('nav-users').click();
    await panelsReady(page, { mustInclude: [new URLSearchParams({ persona: XSS.persona }).toString()] });
    await expect.poll(() => page.getByTestId('top-channels-table').textContent(), POLL).toContain(XSS.channel);
    await expect.poll(() => page.getByTestId('top-users-table').textContent(), POLL).toContain(XSS.user);
    await page.getByTestId('nav-overview').click();
    await panelsReady(page, { mustInclude: [new URLSearchParams({ persona: XSS.persona }).toString()] });
    expect(Number(await statValue(page, 'sum-messages'))).toBe(3);
    await screenshot(page, 'desktop-light-xss-filter');
    // Chart legends too (uPlot's own legend is off; ours is Preact text).
    await page.getByTestId('filter-model').selectOption(XSS.model);
    await page.getByTestId('nav-performance').click();
    await panelsReady(page, { mustInclude: [new URLSearchParams({ model: XSS.model }).toString()] });
    await page.getByTestId('panel-latency').waitFor();
    await expect.poll(() => page.getByTestId('panel-token-usage').locator('.legend-label').allTextContents(), POLL).toEqual([XSS.model]);
    // Nothing was parsed as markup anywhere on the page.
    expect(await page.locator('img[src=x], img[src=y], svg[onload], b:text("bold"), i:text("Boom")').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the dashboard also answers at /analytics, with its assets', async () => {
    for (const path of ['/analytics', '/analytics/']) {
      const { page, errors, context } = await openPage(browser, `${pulse.url}${path}?range=1h&section=system`);
      await panelsReady(page);
      await expect.poll(() => page.getByTestId('stat-db-dialect-text').textContent(), POLL).toBe('duckdb');
      const q = Object.values(await panelQueries(page)).flat()[0]!;
      expect(q.startsWith('/v1/') || q.startsWith('/api/')).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});

function cssEscape(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}

export type { Page };
