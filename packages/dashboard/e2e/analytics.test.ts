/**
 * The Personas and Users sections' analytics panels in a real Chromium against a real Pulse: persona
 * cards, the relationship heatmap, banter, cohorts, margin and the per-user and per-persona drill-downs
 * show exactly what the analytics endpoints answer for the panel's own recorded request (a fixed custom
 * range, so nothing refreshes under the comparison). Screenshots at desktop and phone width.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { syntheticEvents } from '../../server/src/synthetic/index.ts';
import { fmtDec, fmtInt, fmtPct, fmtUsd } from '../src/lib/format.ts';
import { api, ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelQueries, panelsReady, postEvents, screenshot, statValue } from './support.ts';

const DAY = 86_400_000;
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;

describe.skipIf(!hasChromium)('analytics panels (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    ensureDashboardBuilt();
    pulse = await startTestPulse();
    const now = Date.now();
    // Four weeks of the demo world: cohorts, banter, affinity, evolution, payments.
    const events = [...syntheticEvents({ seed: 41, users: 300, startMs: now - 28 * DAY, endMs: now - 60_000, count: 8000 })];
    for (let i = 0; i < events.length; i += 2000) await postEvents(pulse.url, events.slice(i, i + 2000));
    const end = new Date(Math.floor(now / 60_000) * 60_000).toISOString();
    const start = new Date(Date.parse(end) - 14 * DAY).toISOString();
    url = `${pulse.url}/?range=custom&start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  const queryOf = async (page: Page, panel: string): Promise<string> => {
    const q = (await panelQueries(page))[`panel-${panel}`]?.[0];
    expect(q, `${panel} recorded its request`).toBeTypeOf('string');
    return q!;
  };

  test('Personas: cards, drill-down, relationship heatmap and banter equal the API', async () => {
    for (const [width, name] of [[1280, 'desktop'], [390, 'phone']] as const) {
      const { page, errors } = await openPage(browser, `${url}&section=personas`, { width, height: 900 });
      await page.getByTestId('section-personas').waitFor();
      await panelsReady(page);

      const personas = await api(pulse.url, await queryOf(page, 'persona-cards'));
      const names = Object.keys(personas.persona_analytics);
      expect(names.length).toBeGreaterThan(1);
      for (const n of names) {
        const a = personas.persona_analytics[n];
        const card = page.locator(`.persona-card[data-persona="${n}"]`);
        expect(await card.locator('[data-field=messages]').textContent()).toBe(fmtInt(a.basic_stats.total_messages));
        expect(await card.locator('[data-field=level]').textContent()).toBe(a.evolution.current_level === null ? 'no level' : `Lv ${a.evolution.current_level}`);
        expect(await card.locator('[data-field=xp]').textContent()).toBe(fmtInt(a.evolution.total_xp));
        expect(await card.locator('[data-field=banter]').textContent()).toBe(fmtPct(a.engagement.banter_participation));
      }
      // Drill into the busiest persona.
      const top = names.sort((x, y) => personas.persona_analytics[y].basic_stats.total_messages - personas.persona_analytics[x].basic_stats.total_messages)[0]!;
      await page.locator(`.persona-card[data-persona="${top}"]`).click();
      const detail = page.getByTestId('persona-detail');
      const a = personas.persona_analytics[top];
      expect(await detail.getAttribute('data-persona')).toBe(top);
      expect(await detail.locator('[data-field=traits]').textContent()).toBe(a.evolution.unlocked_traits.length > 0 ? a.evolution.unlocked_traits.join(', ') : '—');
      const r = a.content_analysis.response_patterns;
      expect(await detail.locator('[data-field=patterns]').textContent()).toBe(r ? `${fmtInt(r.questions_asked)} · ${fmtInt(r.emojis_used)} · ${fmtInt(r.mentions_others)}` : '—');

      const rel = await api(pulse.url, await queryOf(page, 'relationships'));
      const matrix = rel.persona_relationships.relationship_matrix;
      let cells = 0;
      for (const [from, row] of Object.entries<Record<string, { affinity: number | null }>>(matrix)) {
        for (const [to, cell] of Object.entries(row)) {
          const td = page.getByTestId('relationship-matrix').locator(`td[data-row="${from}"][data-col="${to}"]`);
          expect(await td.textContent()).toBe(cell.affinity === null ? '—' : fmtDec(cell.affinity));
          cells++;
        }
      }
      expect(cells).toBeGreaterThan(2);
      expect(await statValue(page, 'rel-interactions')).toBe(String(rel.persona_relationships.analytics.total_interactions));
      expect(await statValue(page, 'rel-trend')).toBe(String(rel.persona_relationships.analytics.relationship_trends));

      const banter = await api(pulse.url, await queryOf(page, 'banter'));
      expect(await statValue(page, 'banter-success')).toBe(String(banter.banter_analytics.success_rate));
      expect(await statValue(page, 'banter-length')).toBe(String(banter.banter_analytics.avg_exchange_length));
      expect(await statValue(page, 'banter-topics')).toBe(banter.banter_analytics.popular_topics.join(','));

      // Nothing scrolls sideways at phone width.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
      await screenshot(page, `analytics-${name}-personas`);
      expect(errors).toEqual([]);
      await page.context().close();
    }
  });

  test('Users: activity, cohorts, margin and the per-user drill-down equal the API', async () => {
    for (const [width, name] of [[1280, 'desktop'], [390, 'phone']] as const) {
      const { page, errors } = await openPage(browser, `${url}&section=users`, { width, height: 900 });
      await page.getByTestId('section-users').waitFor();
      await panelsReady(page);

      const users = await api(pulse.url, await queryOf(page, 'user-activity'));
      const u = users.users;
      expect(await statValue(page, 'wau')).toBe(String(u.active.wau));
      expect(await statValue(page, 'mau')).toBe(String(u.active.mau));
      expect(await statValue(page, 'new-users')).toBe(String(u.new_vs_returning.new));
      const cohorts = page.getByTestId('cohort-table');
      expect(u.cohorts.rows.length).toBe(8);
      for (const row of u.cohorts.rows) {
        const tr = cohorts.locator(`tr[data-row="${row.cohort}"]`);
        expect(await tr.locator('[data-col=size]').textContent()).toBe(fmtInt(row.size));
        for (let k = 0; k < row.retention.length; k++) {
          expect(await tr.locator(`[data-col=w${k}]`).textContent()).toBe(row.size === 0 ? '—' : fmtPct(row.retention[k]));
        }
      }
      expect(u.cohorts.rows.some((r: { size: number; retention: number[] }) => r.size > 0 && r.retention.length > 1)).toBe(true);

      const margin = await api(pulse.url, await queryOf(page, 'margin'));
      expect(await statValue(page, 'margin-revenue')).toBe(String(margin.margin.totals.revenue_usd));
      for (const row of margin.margin.by_plan) {
        expect(await page.getByTestId('margin-table').locator(`tr[data-row="${row.plan}"] [data-col=margin]`).textContent()).toBe(fmtUsd(row.margin_usd));
      }
      await page.locator('[data-by=persona]').click();
      for (const row of margin.margin.by_persona) {
        expect(await page.getByTestId('margin-table').locator(`tr[data-row="${row.persona}"] [data-col=revenue]`).textContent()).toBe(fmtUsd(row.revenue_usd));
      }

      // Drill into the top user.
      const first = u.top_users[0];
      await page.getByTestId('user-list-table').locator(`button[data-user="${first.user_id}"]`).click();
      await page.getByTestId('panel-user-detail').waitFor();
      await panelsReady(page);
      const detail = await api(pulse.url, await queryOf(page, 'user-detail'));
      expect(await statValue(page, 'user-events')).toBe(String(detail.user.events));
      expect(await statValue(page, 'user-plan')).toBe(detail.user.plan ?? '');
      expect(await statValue(page, 'user-margin')).toBe(String(detail.user.margin_usd));
      for (const p of detail.user.personas) {
        expect(await page.getByTestId('user-personas').locator(`tr[data-row="${p.persona}"] [data-col=affinity]`).textContent()).toBe(fmtDec(p.affinity));
      }

      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
      await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar would otherwise sit mid-page
      await screenshot(page, `analytics-${name}-users`);
      expect(errors).toEqual([]);
      await page.context().close();
    }
  });
});
