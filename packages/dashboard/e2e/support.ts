/**
 * Shared by the browser tests: Debian's Chromium through playwright-core (never a downloaded browser),
 * a dashboard build that is never stale, page helpers that collect console errors and dialogs, and
 * screenshots under e2e/artifacts/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[dashboard e2e] skipped: ${CHROMIUM} is missing (Debian: apt-get install chromium; CI installs it)`);

const DASHBOARD = fileURLToPath(new URL('..', import.meta.url));
const DIST_INDEX = join(DASHBOARD, 'dist', 'index.html');
export const ARTIFACTS = join(DASHBOARD, 'e2e', 'artifacts');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export function launchBrowser(): Promise<Browser> {
  // A plain launch starts from a fresh temporary profile; each context is isolated (own localStorage).
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newestMtime(join(path, name)));
  return max;
}

const isFresh = (): boolean =>
  existsSync(DIST_INDEX) &&
  statSync(DIST_INDEX).mtimeMs >= Math.max(newestMtime(join(DASHBOARD, 'src')), newestMtime(join(DASHBOARD, 'index.html')), newestMtime(join(DASHBOARD, 'vite.config.ts')));

/**
 * `npm test` builds first; a bare `npx vitest run packages/dashboard` after an edit rebuilds here, so a
 * stale dist never hides a change. Test files run in parallel: a lock directory makes one build.
 */
export function ensureDashboardBuilt(): void {
  if (isFresh()) return;
  const lock = join(DASHBOARD, 'node_modules', '.e2e-build-lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (isFresh()) return;
      if (Date.now() > deadline) throw new Error(`dashboard build lock held too long: ${lock}`);
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      execFileSync('sleep', ['0.2']);
    }
  }
  try {
    if (!isFresh()) {
      execFileSync(process.execPath, [join(DASHBOARD, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: DASHBOARD, stdio: 'inherit' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Messages of any alert/confirm/prompt dialog that opened (dismissed at once). */
  dialogs: string[];
}

export async function openPage(browser: Browser, url: string, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark'; storage?: Record<string, string> } = {}): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? 'light',
    timezoneId: 'UTC',
  });
  if (opts.storage) {
    await context.addInitScript((entries: Record<string, string>) => {
      for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
    }, opts.storage);
  }
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url);
  return { page, context, errors, dialogs };
}

/** Every data panel on screen has loaded (none loading, none failed), optionally with queries matching `check`. */
export async function panelsReady(page: Page, opts: { timeout?: number; mustInclude?: string[] } = {}): Promise<void> {
  await page.waitForFunction(
    (must: string[]) => {
      const panels = [...document.querySelectorAll<HTMLElement>('[data-queries]')];
      if (panels.length === 0) return false;
      return panels.every((p) => {
        if (p.dataset.state !== 'ready') return false;
        const qs = JSON.parse(p.dataset.queries ?? '[]') as string[];
        return qs.length > 0 && qs.every((q) => must.every((m) => q.includes(m)));
      });
    },
    opts.mustInclude ?? [],
    { timeout: opts.timeout ?? 10_000 },
  );
}

/** The recorded API URLs of each data panel on screen, by panel test id. */
export async function panelQueries(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('[data-queries]')].map((p) => [p.dataset.testid!, JSON.parse(p.dataset.queries ?? '[]') as string[]]),
    ),
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function statValue(page: Page, id: string): Promise<string | null> {
  return page.getByTestId(`stat-${id}`).getAttribute('data-value');
}

export async function statText(page: Page, id: string): Promise<string> {
  return (await page.getByTestId(`stat-${id}-text`).textContent()) ?? '';
}

/** GET a JSON endpoint of the server under test. */
export async function api<T = any>(base: string, pathAndQuery: string, key?: string): Promise<T> {
  const res = await fetch(new URL(pathAndQuery, base), { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok) throw new Error(`${pathAndQuery}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function postEvents(base: string, events: unknown[], key?: string, project?: string): Promise<void> {
  const url = new URL('/v1/events', base);
  if (project) url.searchParams.set('project', project);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ events }),
  });
  const body = (await res.json()) as { accepted: number; rejected: unknown[] };
  if (res.status !== 200) throw new Error(`POST /v1/events: ${res.status} ${JSON.stringify(body)}`);
}

/** The start/end of a recorded panel query. */
export function rangeOf(query: string): { start: string; end: string; startMs: number; endMs: number } {
  const q = new URL(query, 'http://x').searchParams;
  const start = q.get('start_date')!;
  const end = q.get('end_date')!;
  return { start, end, startMs: Date.parse(start), endMs: Date.parse(end) };
}
