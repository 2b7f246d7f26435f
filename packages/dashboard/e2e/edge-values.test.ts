/**
 * Figures at the edges real deployments reach: a quiet range (one message in a day), a huge spend and token
 * count, a two-minute LLM call. Every figure stays true and readable: a small rate is not shown as 0, a big
 * one is not cut off in its tile, and a chart's axis has room for its labels.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { fmtRate, fmtUsdTile } from '../src/lib/format.ts';
import { ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelsReady, postEvents, screenshot, statText, statValue } from './support.ts';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const MIN = 60_000;

/** Tiles whose figure does not fit (the browser cuts it with an ellipsis). */
async function cutTiles(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.stat-value')].filter((e) => e.scrollWidth > e.clientWidth).map((e) => `${e.dataset.testid}: ${e.textContent}`),
  );
}

/** Non-transparent pixels in the leftmost columns of a chart's canvas: a y label cut at the edge. */
async function pixelsAtLeftEdge(page: Page, chart: string): Promise<number> {
  return page.getByTestId(chart).locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const px = c.getContext('2d')!.getImageData(0, 0, 2, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
    return n;
  });
}

describe.skipIf(!hasChromium)('edge values (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;

  beforeAll(async () => {
    ensureDashboardBuilt();
    pulse = await startTestPulse();
    const now = Date.now();
    await postEvents(pulse.url, [
      { ts: now - 30 * MIN, type: 'message', persona: 'solo', user_id: 'u1', sentiment: 0.5 },
      { ts: now - 29 * MIN, type: 'llm', model: 'big', persona: 'solo', user_id: 'u1', input_tokens: 1e9, output_tokens: 5e8, cost_usd: 1e6, duration_ms: 123_456, ttft_ms: 4000 },
      { ts: now - 28 * MIN, type: 'llm', model: 'big', persona: 'solo', user_id: 'u1', input_tokens: 10, output_tokens: 5, cost_usd: 0, duration_ms: 150_000, ttft_ms: 100 },
    ]);
    // Another project: one error in 2,500 events, an error rate of 0.04 %.
    await postEvents(pulse.url, Array.from({ length: 2500 }, (_, i) => ({ ts: now - 30 * MIN + i, type: 'http', name: '/x', status: i === 0 ? 'error' : 'ok' })), undefined, 'rare-errors');
    // A model the pricing table does not know, its calls sent without cost_usd; and one it prices.
    await postEvents(pulse.url, [
      { ts: now - 20 * MIN, type: 'llm', model: 'house-7b', input_tokens: 600, output_tokens: 400, duration_ms: 1000 },
      { ts: now - 19 * MIN, type: 'llm', model: 'gpt-4o', input_tokens: 600, output_tokens: 400, duration_ms: 1000 },
    ], undefined, 'unpriced');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  test('a quiet range: one message in 24 hours is a rate of 0.00069 a minute, not 0', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=performance`);
    await panelsReady(page);
    expect(await statText(page, 'msg-total')).toBe('1');
    const avg = Number(await statValue(page, 'msg-avg-rate'));
    expect(avg).toBeCloseTo(1 / 1440, 8);
    expect(await statText(page, 'msg-avg-rate')).toBe(fmtRate(avg));
    expect(await statText(page, 'msg-avg-rate')).toBe('0.00069');
    // The peak: one message in the minutes of the last (partial) hour inside the range.
    const peak = Number(await statValue(page, 'msg-peak-rate'));
    expect(peak).toBeGreaterThan(0);
    expect(Number(await statText(page, 'msg-peak-rate'))).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  test('huge figures ($1,000,000, 1.5 billion tokens) fit their tiles, at desktop and at phone width', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/`);
    await panelsReady(page);
    expect(await cutTiles(page)).toEqual([]);
    expect(Number(await statValue(page, 'sum-cost'))).toBe(1e6);
    expect(await statText(page, 'sum-cost')).toBe(fmtUsdTile(1e6));
    expect(await statText(page, 'sum-tokens')).toBe('1.50B');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await cutTiles(page)).toEqual([]);
    await screenshot(page, 'edge-overview-phone');
    expect(errors).toEqual([]);
  });

  test('History and Users: a $1,000,000 spend fits the cost tiles too', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=history`);
    await panelsReady(page);
    expect(Number(await statValue(page, 'usage-cost'))).toBe(1e6);
    expect(await statText(page, 'usage-cost')).toBe(fmtUsdTile(1e6));
    expect(await statText(page, 'cost-total')).toBe(fmtUsdTile(1e6));
    expect(await cutTiles(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await cutTiles(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${pulse.url}/?section=users`);
    await panelsReady(page);
    await page.getByTestId('user-list-table').locator('button[data-user="u1"]').click();
    await page.getByTestId('panel-user-detail').waitFor();
    await panelsReady(page);
    expect(await statText(page, 'user-cost')).toBe(fmtUsdTile(1e6));
    expect(await cutTiles(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('a model without a price costs — per 1k tokens in the model comparison, not $0.00', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=performance&project=unpriced`);
    await panelsReady(page);
    const cost = (model: string) => page.getByTestId('models-table').locator(`tr[data-row="${model}"] [data-col=cost1k]`).textContent();
    await expect.poll(() => cost('house-7b'), { timeout: 5_000 }).toBe('—');
    // 600 × $2.50 + 400 × $10 per million tokens, for 1,000 tokens.
    expect(await cost('gpt-4o')).toBe('$0.0055');
    // The Overview's cost is gpt-4o's alone, and its tile says it leaves out house-7b's 1,000 tokens.
    await page.goto(`${pulse.url}/?section=overview&project=unpriced`);
    await panelsReady(page);
    expect(await statText(page, 'sum-cost')).toBe(fmtUsdTile(0.0055));
    expect(await page.getByTestId('stat-sum-cost').locator('.stat-hint').textContent()).toBe('excludes 1,000 unpriced tokens');
    await screenshot(page, 'edge-overview-unpriced');
    expect(errors).toEqual([]);
  });

  test('a cost with every token priced has no unpriced note', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=overview`);
    await panelsReady(page);
    expect(Number(await statValue(page, 'sum-cost'))).toBe(1e6);
    expect(await page.getByTestId('stat-sum-cost').locator('.stat-hint').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  test('a rare error: the error-rate chart says 0.04 %, as the tile above it, not 0.0 %', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=performance&project=rare-errors`);
    await panelsReady(page);
    expect(await statText(page, 'err-rate')).toBe('0.04%');
    // Hover the newest point: the legend shows its value in the chart's own format (the axis labels' too).
    const over = page.getByTestId('chart-error-rate').locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('chart-error-rate').locator('.legend-value').textContent()).toBe('0.04%');
    // The range has 2,500 events, none of them LLM calls or with phases: those panels say that, not "No events".
    expect(await page.getByTestId('panel-phases').getByTestId('empty').textContent()).toBe('No event in this range recorded response-time phases');
    expect(await page.getByTestId('panel-ttft').getByTestId('empty').textContent()).toBe('No LLM call in this range recorded a time to first token');
    expect(errors).toEqual([]);
  });

  test('System: 72 events in 24 hours are a throughput of 0.05 a minute, as the API says, not 0.1', async () => {
    const now = Date.now();
    await postEvents(pulse.url, Array.from({ length: 72 }, (_, i) => ({ ts: now - (i + 1) * 10 * MIN, type: 'http', name: '/q' })), undefined, 'quiet');
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=system&project=quiet`);
    await panelsReady(page);
    expect(Number(await statValue(page, 'tp-avg'))).toBe(0.05);
    expect(await statText(page, 'tp-avg')).toBe('0.05');
    expect(errors).toEqual([]);
  });

  test('History: a rare error reads 0.04 % on the error-rate chart, as on the tile above it, not 0.0 %', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=history&project=rare-errors`);
    await panelsReady(page);
    expect(await statText(page, 'period-error-rate')).toBe('0.04%');
    // The newest day holds the 2,500 events and the error: hover it.
    const over = page.getByTestId('chart-error-trend').locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('chart-error-trend').locator('.legend-value').textContent()).toBe('0.04%');
    expect(errors).toEqual([]);
  });

  test('the y axis has room for its labels (150.00 s is not cut to ".0.00 s")', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=performance`);
    await panelsReady(page);
    await page.getByTestId('chart-latency').locator('canvas').waitFor();
    await screenshot(page, 'edge-performance');
    for (const chart of ['chart-latency', 'chart-token-usage', 'chart-message-rate', 'chart-error-rate']) {
      expect(await pixelsAtLeftEdge(page, chart), chart).toBe(0);
    }
    expect(errors).toEqual([]);
  });
});
