/**
 * The Alerts section in a real Chromium against a real Pulse with alert rules: firing and pending alerts, history,
 * rules with their current values (equal to what the API answers), acknowledge and silence with an admin key, and no
 * such buttons with a read key. Notifications go to a RecordingNotifier (a test double for delivery).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { RecordingNotifier } from '../../server/src/alerts/test-support/recording-notifier.ts';
import { fmtSig } from '../src/lib/format.ts';
import { api, ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelsReady, postEvents, screenshot } from './support.ts';

const ADMIN = 'alerts-e2e-admin-key';
type Pulse = Awaited<ReturnType<typeof startTestPulse>>;

async function send(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(new URL(path, base), {
    method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

describe.skipIf(!hasChromium)('alerts section (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;
  let readKey: string;
  const notifier = new RecordingNotifier();
  const get = <T = any>(q: string) => api<T>(pulse.url, q, ADMIN);

  beforeAll(async () => {
    ensureDashboardBuilt();
    pulse = await startTestPulse({ apiKey: ADMIN, notifier, env: { LOG_LEVEL: 'silent', PULSE_ALERT_INTERVAL: '3600' } });
    const rule = (body: unknown) => send(pulse.url, 'POST', '/v1/alert-rules', body);
    await rule({ name: 'Slow LLM calls', condition: 'p95_duration_ms > 2000', filters: { type: 'llm' }, severity: 'critical', group_interval: '0s' });
    await rule({ name: 'Error rate', condition: 'error_rate > 0.1', severity: 'high' }); // 1 error in 5 events: 0.2
    await rule({ name: 'Slow TTFT', condition: 'avg_ttft_ms > 100', for: '10m', severity: 'medium' });
    // Spend of the four gpt-4o calls: $0.003, a figure that one decimal would round to 0.
    await rule({ name: 'Spend', condition: 'cost_usd > 1', severity: 'low' });
    const gone = await rule({ name: 'Token burst', condition: 'total_tokens > 100', severity: 'low', group_interval: '0s' });
    await postEvents(pulse.url, [
      ...[2500, 3000, 4200, 1800].map((d) => ({ type: 'llm', model: 'gpt-4o', duration_ms: d, ttft_ms: 400, input_tokens: 100, output_tokens: 50 })),
      { type: 'message', status: 'error', error_type: 'Timeout' },
    ], ADMIN);
    await pulse.tasks.runNow('alert-evaluation');
    // Token burst resolves: its threshold is raised above the traffic.
    await send(pulse.url, 'PUT', `/v1/alert-rules/${gone.id}`, { name: 'Token burst', condition: 'total_tokens > 100000', severity: 'low', group_interval: '0s' });
    await pulse.tasks.runNow('alert-evaluation');
    readKey = (await send(pulse.url, 'POST', '/v1/keys', { project: 'default', scope: 'read' })).key;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  test('shows what the API says; acknowledge and silence work with an admin key (screenshots)', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=alerts`, { storage: { 'pulse.apiKey': ADMIN } });
    await page.getByTestId('section-alerts').waitFor();
    await panelsReady(page);

    const firing = (await get('/v1/analytics/alerts?state=firing')).alerts as Array<{ id: string; rule_name: string; message: string }>;
    const pending = (await get('/v1/analytics/alerts?state=pending')).alerts as Array<{ rule_name: string }>;
    expect(firing.map((a) => a.rule_name).sort()).toEqual(['Error rate', 'Slow LLM calls']);
    expect(pending.map((a) => a.rule_name)).toEqual(['Slow TTFT']);
    const rows = page.getByTestId('active-alerts-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    // Most severe first: critical, high, then the pending medium one.
    expect(await rows.locator('[data-col="rule"]').allTextContents()).toEqual(['Slow LLM calls', 'Error rate', 'Slow TTFT']);
    expect(await rows.locator('[data-testid="alert-message"]').allTextContents()).toEqual([
      firing.find((a) => a.rule_name === 'Slow LLM calls')!.message, firing.find((a) => a.rule_name === 'Error rate')!.message, expect.stringContaining('avg_ttft_ms is 400'),
    ]);

    // Rules: the current value is the API's, to its first four digits (an error rate of 0.0714 is not "0.1", a
    // spend of $0.003 not "0": the threshold beside it is written in the same units).
    const rules = (await get('/v1/alert-rules')).rules as Array<{ name: string; current: { value: number } }>;
    const ruleRows = page.getByTestId('rules-table').locator('tbody tr');
    expect(await ruleRows.count()).toBe(rules.length);
    expect(rules.find((r) => r.name === 'Spend')!.current.value).toBeCloseTo(0.003, 6);
    for (const r of rules) {
      const cell = ruleRows.filter({ hasText: r.name }).getByTestId('rule-current');
      const text = (await cell.textContent())!;
      expect(text, r.name).toBe(fmtSig(r.current.value));
      expect(Math.abs(Number(text.replace(/,/g, '')) - r.current.value), `${r.name}: ${text}`).toBeLessThanOrEqual(Math.abs(r.current.value) * 5e-4);
    }
    // History: the resolved one.
    const history = page.getByTestId('alert-history-table').locator('tbody tr');
    expect(await history.locator('[data-col="rule"]').allTextContents()).toEqual(['Token burst']);
    await screenshot(page, 'alerts-desktop');

    // Acknowledge the critical alert.
    await rows.first().getByTestId('ack').click();
    await expect.poll(async () => (await get('/v1/analytics/alerts?state=acknowledged')).alerts.map((a: { rule_name: string }) => a.rule_name)).toEqual(['Slow LLM calls']);
    await expect.poll(() => rows.first().getByTestId('alert-state').textContent()).toBe('acknowledged');
    // Silence the error-rate alert: a silence with its labels appears, and the alert shows it.
    await rows.filter({ hasText: 'Error rate' }).getByTestId('silence').click();
    await page.getByTestId('silences-table').waitFor();
    const silences = (await get('/v1/silences')).silences as Array<{ matchers: Array<{ name: string; value: string }>; status: { state: string } }>;
    expect(silences).toHaveLength(1);
    expect(silences[0]!.status.state).toBe('active');
    expect(silences[0]!.matchers).toContainEqual({ name: 'alertname', op: '=', value: 'Error rate' });
    await expect.poll(() => rows.filter({ hasText: 'Error rate' }).textContent()).toContain('silenced');
    await screenshot(page, 'alerts-desktop-acted');

    await page.setViewportSize({ width: 375, height: 812 });
    await screenshot(page, 'alerts-phone');
    // The section never scrolls sideways (its tables scroll in their own box). The top bar is the app shell's.
    const right = await page.getByTestId('section-alerts').evaluate((e) => Math.max(...[...e.querySelectorAll<HTMLElement>('.panel')].map((p) => p.getBoundingClientRect().right)));
    expect(right).toBeLessThanOrEqual(375);
    // Each alert, rule and silence is a card of labelled lines at phone width: state, message, the Silence button and
    // each rule's status are on screen, not in columns scrolled out of view.
    const onScreen = await page.getByTestId('section-alerts').evaluate((section) => {
      const sel = ['[data-testid="active-alerts-table"] [data-testid="alert-state"]', '[data-testid="alert-message"]', '[data-testid="silence"]', '[data-testid="rules-table"] td[data-col="status"]', '[data-testid="expire"]'];
      const found = sel.map((s) => [...section.querySelectorAll(s)]);
      const wraps = [...section.querySelectorAll('.table-wrap')];
      return {
        counts: found.map((f) => f.length),
        outside: found.flat().filter((e) => e.getBoundingClientRect().right > 375 || e.getBoundingClientRect().width === 0).length,
        scrolling: wraps.filter((w) => w.scrollWidth > w.clientWidth).length,
      };
    });
    expect(onScreen).toEqual({ counts: [3, 3, 2, 5, 1], outside: 0, scrolling: 0 });
    expect(errors).toEqual([]);
  });

  test('an action the API refuses shows its reason, and the lists show what is true now', async () => {
    const { page } = await openPage(browser, `${pulse.url}/?section=alerts`, { storage: { 'pulse.apiKey': ADMIN } });
    await panelsReady(page);
    const row = page.getByTestId('active-alerts-table').locator('tbody tr').filter({ hasText: 'Error rate' });
    await row.getByTestId('ack').waitFor();
    // Meanwhile the alert resolves (its threshold is raised above the traffic): acknowledging it is refused (409).
    const rule = ((await get('/v1/alert-rules')).rules as Array<{ id: string; name: string }>).find((r) => r.name === 'Error rate')!;
    await send(pulse.url, 'PUT', `/v1/alert-rules/${rule.id}`, { name: 'Error rate', condition: 'error_rate > 0.9', severity: 'high' });
    await pulse.tasks.runNow('alert-evaluation');
    expect((await get('/v1/analytics/alerts?state=resolved')).alerts.map((a: { rule_name: string }) => a.rule_name)).toContain('Error rate');
    await row.getByTestId('ack').click();
    await expect.poll(() => page.getByTestId('action-error').textContent()).toMatch(/only a firing alert can be acknowledged/);
    // The refused row does not stay on screen as if it still fired: the lists reload.
    await expect.poll(() => row.count()).toBe(0);
    await expect.poll(() => page.getByTestId('alert-history-table').locator('[data-col="rule"]').allTextContents()).toContain('Error rate');
    expect(await page.getByTestId('action-error').textContent()).toMatch(/only a firing alert can be acknowledged/);
    await screenshot(page, 'alerts-refused');
  });

  test('a read key sees the alerts but no acknowledge or silence buttons', async () => {
    const { page, errors } = await openPage(browser, `${pulse.url}/?section=alerts`, { storage: { 'pulse.apiKey': readKey } });
    await panelsReady(page);
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByTestId('ack').count()).toBe(0);
    expect(await page.getByTestId('silence').count()).toBe(0);
    expect(await page.getByTestId('expire').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
