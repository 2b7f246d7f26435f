/**
 * The History section in a real Chromium against a real Pulse holding ~300 days of events: it opens on the
 * last 90 days (day buckets) when the URL names no range, every figure and every hovered chart point equals
 * what the query API answers for the same range, the change against the previous 90 days is computed from
 * the API's own answers for that period, 1 year switches to week buckets, the other sections load the long
 * ranges too, and an empty range and a phone-width screen look right (screenshots in e2e/artifacts/).
 */
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { fmtCompact, fmtCount, fmtMs, fmtPct, fmtUsd } from '../src/lib/format.ts';
import { pointChange, relativeChange } from '../src/sections/history/period-change.ts';
import { seedHistory } from './seed-data.ts';
import {
  api, ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelQueries, panelsReady, rangeOf, screenshot,
  statText, statValue,
} from './support.ts';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
type Row = Record<string, string | number | null>;
const DAY = 86_400_000;
const POLL = { timeout: 5_000 };
/** Every section whose panels follow the range. */
const RANGE_SECTIONS = ['overview', 'performance', 'personas', 'users', 'system', 'history'] as const;

/** Hovers a chart at `fraction` of its plot width; the legend then names the bucket and each series' value there. */
async function hover(page: Page, chart: string, fraction: number): Promise<{ bucketMs: number; values: Record<string, string> }> {
  const over = page.getByTestId(chart).locator('.u-over');
  await over.scrollIntoViewIfNeeded();
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
  const legend = page.getByTestId(chart).locator('.legend');
  await legend.locator('.legend-time').waitFor(POLL);
  const time = (await legend.locator('.legend-time').textContent())!; // local time, and the page runs in UTC
  const values: Record<string, string> = {};
  for (const li of await legend.locator('li:not(.legend-time)').all()) {
    values[(await li.locator('.legend-label').textContent())!] = (await li.locator('.legend-value').textContent())!;
  }
  return { bucketMs: Date.parse(`${time.replace(' ', 'T')}:00Z`), values };
}

describe.skipIf(!hasChromium)('history section (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;
  const now = Date.now();
  const query = async (params: Record<string, string>): Promise<Row[]> => (await api<{ data: Row[] }>(pulse.url, `/v1/query?${new URLSearchParams(params)}`)).data;
  const at = (rows: Row[], bucketMs: number): Row | undefined => rows.find((r) => Date.parse(String(r.bucket)) === bucketMs);

  beforeAll(async () => {
    ensureDashboardBuilt();
    // Raw events must outlive the default 30-day retention for a 90-day (and 1-year) view of raw rows.
    pulse = await startTestPulse({ env: { LOG_LEVEL: 'silent', METRICS_RETENTION_DAYS: '400' } });
    await seedHistory(pulse.url, now);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  test('opens on 90 days by day, and every figure equals the query API for the same range', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?section=history`);
    await panelsReady(page);
    expect(new URL(page.url()).searchParams.get('range')).toBeNull(); // the default stays out of the URL
    expect(await page.getByTestId('range-90d').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('range-line').textContent()).toContain('day buckets');

    const queries = await panelQueries(page);
    expect(Object.keys(queries).sort()).toEqual(
      ['panel-cost', 'panel-cost-trend', 'panel-error-trend', 'panel-events-over-time', 'panel-latency-trend', 'panel-period-summary', 'panel-tokens-trend', 'panel-usage'],
    );
    const r = rangeOf(queries['panel-period-summary']![0]!);
    expect(r.endMs - r.startMs).toBe(90 * DAY);
    for (const [panel, qs] of Object.entries(queries)) {
      for (const q of qs.filter((x) => x !== queries['panel-period-summary']![1])) {
        expect(rangeOf(q), `${panel}: ${q}`).toEqual(r);
        if (q.includes('interval=')) expect(q, panel).toContain('interval=day');
      }
    }
    const range = { start_date: r.start, end_date: r.end };

    // The summary against the API: totals without any dimension, the p95 of llm events.
    const totals = async (p: { start_date: string; end_date: string }) => ({
      all: (await query({ ...p, measures: 'count,errors,error_rate,total_tokens,cost_usd' }))[0]!,
      llm: (await query({ ...p, type: 'llm', measures: 'count,p95_duration_ms' }))[0]!,
    });
    const cur = await totals(range);
    // The previous period is the 90 days before, as the panel asked.
    const prevRange = rangeOf(queries['panel-period-summary']![1]!);
    expect([prevRange.startMs, prevRange.endMs]).toEqual([r.startMs - 90 * DAY, r.startMs]);
    const prev = await totals({ start_date: prevRange.start, end_date: prevRange.end });
    expect(cur.all.count).toBeGreaterThan(3000);
    expect(prev.all.count).toBeGreaterThan(1000);
    expect(prev.all.count).toBeLessThan(cur.all.count as number);

    const expectStat = async (id: string, value: number, text: string) => {
      expect(Number(await statValue(page, id)), id).toBeCloseTo(value, 9);
      expect(await statText(page, id), id).toBe(text);
    };
    const num = (row: Row, key: string) => row[key] as number;
    await expectStat('period-events', num(cur.all, 'count'), fmtCount(num(cur.all, 'count')));
    await expectStat('period-llm-calls', num(cur.llm, 'count'), fmtCount(num(cur.llm, 'count')));
    await expectStat('period-error-rate', num(cur.all, 'error_rate'), fmtPct(num(cur.all, 'error_rate')));
    await expectStat('period-p95', num(cur.llm, 'p95_duration_ms'), fmtMs(num(cur.llm, 'p95_duration_ms')));
    await expectStat('period-tokens', num(cur.all, 'total_tokens'), fmtCount(num(cur.all, 'total_tokens')));
    await expectStat('period-cost', num(cur.all, 'cost_usd'), fmtUsd(num(cur.all, 'cost_usd')));
    const changes: Array<[string, ReturnType<typeof relativeChange>]> = [
      ['events', relativeChange(num(cur.all, 'count'), num(prev.all, 'count'))],
      ['llm-calls', relativeChange(num(cur.llm, 'count'), num(prev.llm, 'count'))],
      ['error-rate', pointChange(num(cur.all, 'error_rate'), num(prev.all, 'error_rate'))],
      ['p95', relativeChange(num(cur.llm, 'p95_duration_ms'), num(prev.llm, 'p95_duration_ms'))],
      ['tokens', relativeChange(num(cur.all, 'total_tokens'), num(prev.all, 'total_tokens'))],
      ['cost', relativeChange(num(cur.all, 'cost_usd'), num(prev.all, 'cost_usd'))],
    ];
    for (const [id, c] of changes) {
      expect(c.value, id).not.toBeNull();
      const el = page.getByTestId(`change-${id}`);
      expect(Number(await el.getAttribute('data-value')), id).toBeCloseTo(c.value!, 9);
      expect(await el.textContent(), id).toBe(c.text);
    }
    expect(await page.getByTestId('period-previous').textContent()).toContain(`against the previous 90 days, `);
    expect(await page.getByTestId('period-previous').textContent()).toContain(`: ${fmtCount(num(prev.all, 'count'))} events, ${fmtCount(num(prev.all, 'errors'))} errors.`);

    // Events over time: one line per type, busiest first, and a hovered day's counts are the API's.
    const byType = await query({ ...range, measures: 'count', dimensions: 'type', order: '-count' });
    const legend = await page.getByTestId('chart-events').locator('.legend-label').allTextContents();
    expect(legend.slice(0, 3)).toEqual(byType.slice(0, 3).map((x) => x.type));
    const events = await query({ ...range, measures: 'count', dimensions: 'type', interval: 'day', limit: '10000' });
    const latency = await query({ ...range, type: 'llm', measures: 'p50_duration_ms,p95_duration_ms', interval: 'day' });
    const errorRate = await query({ ...range, measures: 'error_rate', interval: 'day' });
    const tokens = await query({ ...range, measures: 'input_tokens,output_tokens', interval: 'day' });
    const cost = await query({ ...range, measures: 'cost_usd', dimensions: 'model', interval: 'day', limit: '10000' });
    const pct = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)}%`;
    let withLlm = 0;
    for (const fraction of [0.25, 0.6, 0.97]) {
      const e = await hover(page, 'chart-events', fraction);
      expect(e.bucketMs).toBeGreaterThanOrEqual(r.startMs - DAY);
      const llmCount = events.find((x) => x.type === 'llm' && Date.parse(String(x.bucket)) === e.bucketMs)?.count ?? 0;
      expect(e.values.llm, `llm events on ${new Date(e.bucketMs).toISOString()}`).toBe(fmtCompact(llmCount as number));

      const l = await hover(page, 'chart-latency-trend', fraction);
      const lr = at(latency, l.bucketMs);
      if (lr) withLlm++;
      expect(l.values.p95).toBe(lr ? fmtMs(lr.p95_duration_ms as number) : '—');
      expect(l.values.p50).toBe(lr ? fmtMs(lr.p50_duration_ms as number) : '—');

      const er = await hover(page, 'chart-error-trend', fraction);
      const err = at(errorRate, er.bucketMs);
      expect(er.values['error rate']).toBe(err ? pct((err.error_rate as number) * 100) : '—');

      const t = await hover(page, 'chart-tokens-trend', fraction);
      const tr = at(tokens, t.bucketMs);
      expect([t.values.input, t.values.output]).toEqual([fmtCompact((tr?.input_tokens as number) ?? 0), fmtCompact((tr?.output_tokens as number) ?? 0)]);

      const c = await hover(page, 'chart-cost-trend', fraction);
      for (const [model, shown] of Object.entries(c.values)) {
        const cr = cost.find((x) => x.model === model && Date.parse(String(x.bucket)) === c.bucketMs);
        expect(shown, `${model} cost on ${new Date(c.bucketMs).toISOString()}`).toBe(fmtUsd((cr?.cost_usd as number) ?? 0));
      }
    }
    // The hovered days had LLM traffic: the assertions above compared figures, not only gaps.
    expect(withLlm).toBe(3);

    // Cost by model's projection covers the 90 days.
    expect(Number(await statValue(page, 'cost-total'))).toBeCloseTo(num(cur.all, 'cost_usd'), 9);
    await expect.poll(() => page.getByTestId('stat-cost-projection').textContent(), POLL).toContain('cost per day over 90 days × 30');
    await page.mouse.move(0, 0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'history-desktop-90d');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('from Overview it opens at 90 days; 1 year goes by week; every section loads the long ranges', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/`);
    await panelsReady(page);
    await page.getByTestId('nav-history').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('section')).toBe('history');
    expect(new URL(page.url()).searchParams.get('range')).toBeNull();
    expect(await page.getByTestId('range-90d').getAttribute('aria-pressed')).toBe('true');
    await panelsReady(page, { mustInclude: ['start_date='] });
    const ninety = Number(await statValue(page, 'period-events'));

    await page.getByTestId('range-1y').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('1y');
    await panelsReady(page, { mustInclude: ['start_date='] });
    const span = async () => {
      const q = rangeOf((await panelQueries(page))['panel-period-summary']![0]!);
      return q.endMs - q.startMs;
    };
    await expect.poll(span, POLL).toBe(365 * DAY);
    const q = await panelQueries(page);
    expect(q['panel-events-over-time']![0]).toContain('interval=week');
    const r = rangeOf(q['panel-period-summary']![0]!);
    const year = (await query({ start_date: r.start, end_date: r.end, measures: 'count' }))[0]!.count as number;
    expect(Number(await statValue(page, 'period-events'))).toBe(year);
    expect(year, 'the year reaches the events 90 days cannot').toBeGreaterThan(ninety);
    await screenshot(page, 'history-desktop-1y');

    // A chosen range goes along to every section, whose panels all load it: 1 year chosen on History, 90 days on
    // Overview (where it is not the default, so the URL names it).
    for (const [range, days] of [['1y', 365], ['90d', 90]] as const) {
      if (range === '90d') {
        await page.getByTestId('nav-overview').click();
        await page.getByTestId('range-90d').click();
        await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('90d');
      }
      for (const section of RANGE_SECTIONS) {
        await page.getByTestId(`nav-${section}`).click();
        await expect.poll(() => new URL(page.url()).searchParams.get('section') ?? 'overview').toBe(section);
        await panelsReady(page, { timeout: 20_000 });
        for (const [panel, qs] of Object.entries(await panelQueries(page))) {
          const own = qs.map(rangeOf).filter((x) => x.endMs - x.startMs === days * DAY);
          expect(own.length, `${section} ${panel} at ${range}: ${qs.join(' ')}`).toBeGreaterThan(0);
        }
      }
      // Back on History: 90 days is its default, so its URL leaves it out.
      expect(new URL(page.url()).searchParams.get('range')).toBe(range === '90d' ? null : range);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  test('an empty range: every panel says so', async () => {
    const view = 'section=history&range=custom&start=2020-01-01T00:00:00Z&end=2020-04-01T00:00:00Z';
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?${view}`);
    await panelsReady(page, { mustInclude: ['_date=2020-0'] }); // this range, and the previous period (ending 2020-01-01)
    const panels = await page.locator('[data-queries]').count();
    expect(panels).toBe(8);
    expect(await page.getByTestId('empty').count()).toBe(panels);
    expect(await page.getByTestId('panel-latency-trend').getByTestId('empty').textContent()).toBe('No LLM calls in this range');
    await screenshot(page, 'history-empty');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a model whose calls cost nothing: the cost chart says so, the token chart shows them', async () => {
    const ts = now - 2 * DAY;
    const events = Array.from({ length: 5 }, (_, i) => ({
      ts: ts + i * 60_000, type: 'llm', service: 'bot', model: 'local-free', provider: 'ollama', input_tokens: 100, output_tokens: 20, cost_usd: 0, duration_ms: 500,
    }));
    const res = await fetch(`${pulse.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
    expect(res.status).toBe(200);
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?section=history&range=7d&model=local-free`);
    await panelsReady(page);
    expect(await page.getByTestId('panel-cost-trend').getByTestId('empty').textContent()).toBe('No cost in this range: these events are unpriced or free ($0.00).');
    expect(await page.getByTestId('panel-tokens-trend').getByTestId('empty').count()).toBe(0);
    await screenshot(page, 'history-free-model');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('at phone width (390 px) nothing scrolls sideways', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?section=history`, { width: 390, height: 844 });
    await panelsReady(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.chart-canvas')].map((box) => [box.clientWidth, box.querySelector('canvas')!.getBoundingClientRect().width]),
    );
    expect(charts).toHaveLength(5);
    for (const [box, canvas] of charts) expect(canvas).toBeLessThanOrEqual(box!);
    await screenshot(page, 'history-phone');
    expect(errors).toEqual([]);
    await context.close();
  });
});
