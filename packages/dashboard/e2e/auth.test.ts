/**
 * A Pulse that requires a key (CONTRACT §3): the key prompt, refusal of a wrong key, `?api_key=` taken
 * from the link into localStorage and out of the address bar, project keys and `?project=` for admin.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPulse } from '../../server/src/test-support/pulse.ts';
import { syntheticEvents } from '../../server/src/synthetic/index.ts';
import { api, ensureDashboardBuilt, hasChromium, launchBrowser, openPage, panelQueries, panelsReady, postEvents, rangeOf, screenshot, statValue } from './support.ts';

type Pulse = Awaited<ReturnType<typeof startTestPulse>>;
const POLL = { timeout: 5_000, interval: 50 };
const ADMIN = `admin-${Math.random().toString(36).slice(2)}`;
/** Console errors a refused request is expected to log ("Failed to load resource: … 401"). */
const expectedRefusal = (e: string) => /status of 40[13]/.test(e);

describe.skipIf(!hasChromium)('dashboard with a key (browser)', () => {
  let pulse: Pulse;
  let browser: Browser;
  let botKey: string;
  let ingestKey: string;

  const createKey = async (project: string, scope: string): Promise<string> => {
    const res = await fetch(`${pulse.url}/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ project, scope, name: `e2e ${scope}` }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { key: string }).key;
  };
  const countIn = async (key: string, query: string, project?: string) => {
    const q = new URLSearchParams(query);
    q.set('measures', 'count');
    if (project) q.set('project', project);
    return (await api<{ data: Array<{ count: number }> }>(pulse.url, `/v1/query?${q}`, key)).data[0]!.count;
  };

  beforeAll(async () => {
    ensureDashboardBuilt();
    pulse = await startTestPulse({ apiKey: ADMIN });
    const now = Date.now();
    await postEvents(pulse.url, [...syntheticEvents({ seed: 31, users: 80, startMs: now - 50 * 60_000, endMs: now - 60_000, count: 300 })], ADMIN);
    await postEvents(pulse.url, [...syntheticEvents({ seed: 32, users: 20, startMs: now - 30 * 60_000, endMs: now - 60_000, count: 40 })], ADMIN, 'bot');
    botKey = await createKey('bot', 'read');
    ingestKey = await createKey('default', 'ingest');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.dispose();
  });

  test('without a key the prompt shows; wrong keys are refused and the prompt stays; the right one opens the dashboard', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=1h`);
    await page.getByTestId('key-prompt').waitFor();
    await screenshot(page, 'desktop-light-key-prompt');

    await page.getByTestId('key-input').fill('not-a-key');
    await page.getByTestId('key-submit').click();
    await expect.poll(() => page.getByTestId('key-error').textContent(), POLL).toBe('That key was refused: invalid API key.');
    await page.getByTestId('key-prompt').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('pulse.apiKey'))).toBeNull();

    await page.getByTestId('key-input').fill(ingestKey);
    await page.getByTestId('key-submit').click();
    await expect.poll(() => page.getByTestId('key-error').textContent(), POLL).toBe('That key cannot read this project: this key lacks the read scope.');
    await screenshot(page, 'desktop-light-key-refused');

    await page.getByTestId('key-input').fill(ADMIN);
    await page.getByTestId('key-submit').click();
    await page.getByTestId('key-prompt').waitFor({ state: 'detached' });
    await panelsReady(page);
    const r = rangeOf((await panelQueries(page))['panel-range-summary']![0]!);
    expect(Number(await statValue(page, 'sum-events'))).toBe(await countIn(ADMIN, `start_date=${r.start}&end_date=${r.end}`));
    expect(await page.evaluate(() => localStorage.getItem('pulse.apiKey'))).toBe(ADMIN);
    // The WebSocket carries the key too.
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    await page.getByTestId('stat-live-active-users').waitFor();

    // Kept across a reload; "Forget key" removes it and the prompt comes back.
    await page.reload();
    await panelsReady(page);
    expect(await page.getByTestId('key-prompt').count()).toBe(0);
    await page.getByTestId('forget-key').click();
    await page.getByTestId('key-prompt').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('pulse.apiKey'))).toBeNull();
    expect(errors.filter((e) => !expectedRefusal(e))).toEqual([]);
    await context.close();
  });

  test('?api_key= in a link is stored and removed from the address bar; a project key reads its project', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/analytics?range=1h&api_key=${encodeURIComponent(botKey)}`);
    await panelsReady(page);
    const url = new URL(page.url());
    expect(url.pathname).toBe('/analytics');
    expect(url.searchParams.has('api_key')).toBe(false);
    expect(url.searchParams.get('range')).toBe('1h');
    expect(await page.evaluate(() => localStorage.getItem('pulse.apiKey'))).toBe(botKey);
    expect(await page.getByTestId('key-prompt').count()).toBe(0);
    const r = rangeOf((await panelQueries(page))['panel-range-summary']![0]!);
    const bot = await countIn(botKey, `start_date=${r.start}&end_date=${r.end}`);
    expect(bot).toBeGreaterThan(0);
    expect(Number(await statValue(page, 'sum-events'))).toBe(bot);
    expect(bot).toBeLessThan(await countIn(ADMIN, `start_date=${r.start}&end_date=${r.end}`));
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('an admin key picks the project with ?project=, for the panels and the live feed', async () => {
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?range=1h&project=bot`, { storage: { 'pulse.apiKey': ADMIN } });
    await panelsReady(page, { mustInclude: ['project=bot'] });
    expect(await page.getByTestId('project').textContent()).toBe('bot');
    const r = rangeOf((await panelQueries(page))['panel-range-summary']![0]!);
    expect(Number(await statValue(page, 'sum-events'))).toBe(await countIn(ADMIN, `start_date=${r.start}&end_date=${r.end}`, 'bot'));
    await page.getByTestId('tail-empty').waitFor();
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    await page.waitForTimeout(300);
    await postEvents(pulse.url, [{ type: 'message', persona: 'toad', user_id: 'in-default' }], ADMIN);
    await postEvents(pulse.url, [{ type: 'message', persona: 'toad', user_id: 'in-bot' }], ADMIN, 'bot');
    await expect.poll(() => page.locator('[data-testid=tail-table] tbody [data-col=user]').allTextContents(), POLL).toEqual(['in-bot']);
    expect(errors).toEqual([]);
    await context.close();
  });
  test('a key revoked while the page is open brings the key prompt back, with the reason, not "reconnecting…" forever', async () => {
    const res = await fetch(`${pulse.url}/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ project: 'bot', scope: 'read', name: 'e2e doomed' }),
    });
    const doomed = (await res.json()) as { id: string; key: string };
    const { page, errors, context } = await openPage(browser, `${pulse.url}/?section=system&range=1h`, { storage: { 'pulse.apiKey': doomed.key } });
    await panelsReady(page);
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    expect((await fetch(`${pulse.url}/v1/keys/${doomed.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(204);
    // The server closes the live sockets with 1008 "API key revoked": the page asks for a key and says why.
    await page.getByTestId('key-prompt').waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('key-prompt').textContent()).toContain('API key revoked');
    // Another key opens the page again, live.
    await page.getByTestId('key-input').fill(botKey);
    await page.getByTestId('key-input').press('Enter');
    await expect.poll(() => page.getByTestId('key-prompt').count(), POLL).toBe(0);
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status'), POLL).toBe('live');
    expect(errors.filter((e) => !expectedRefusal(e))).toEqual([]);
    await context.close();
  });
});
