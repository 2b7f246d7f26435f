/**
 * The dashboard's first load on loopback over a large store: 30 days of synthetic events (10M; quick:
 * 100k) loaded over HTTP into a Pulse child process, which is then restarted on its data (cold caches,
 * as after a deploy). Debian's Chromium (playwright-core, never a downloaded browser) opens each
 * section in a fresh browser context — no HTTP cache, no storage — and the time is taken from
 * navigation start to every rendered panel having its first data (dashboard-page.ts). The very first
 * load after the restart is reported apart; the target is read from the Overview (the landing page).
 * Each section opens at its default range — 24 hours, and 90 days for History (its long view, day
 * buckets) — so the report sets History's 90 days beside the Overview's 24 hours (issue 10: long-range
 * trends as fast as the 24-hour view). The store holds 30 days, so History's 90 days cover every event.
 * The JavaScript size is every script the sections loaded, gzipped (-9) from the built files, beside
 * what the server actually sent.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { datasetSpec, readDataset, writeDataset } from './dataset.js';
import { PANEL_WATCHER, readPageLoad, type PageLoad } from './dashboard-page.js';
import { createAgent } from './lib/http.js';
import { sendAll } from './lib/load.js';
import { fmtBytes, fmtInt, fmtMs, table } from './lib/markdown.js';
import { startPulseProcess } from './lib/pulse-process.js';
import { summarize, type Summary } from './lib/stats.js';
import { CHROMIUM, CHROMIUM_ARGS, ensureDashboardBuilt } from '../packages/dashboard/e2e/support.js';
import type { Bench, BenchOptions, BenchSection } from './types.js';

export const FIRST_LOAD_TARGET_MS = 1_000;
export const JS_GZIP_TARGET_BYTES = 150_000;
/** The sections with range-following data panels, each at its default range (History's is 90 days; the URL names it). */
const PAGES = [
  { section: 'overview', range: '24h', search: '' },
  { section: 'performance', range: '24h', search: '?section=performance' },
  { section: 'personas', range: '24h', search: '?section=personas' },
  { section: 'users', range: '24h', search: '?section=users' },
  { section: 'system', range: '24h', search: '?section=system' },
  { section: 'history', range: '90d', search: '?section=history&range=90d' },
] as const;
const VIEWPORT = { width: 1440, height: 900 };

export interface DashboardBenchDeps {
  repoRoot: string;
  log: (message: string) => void;
  size?: number;
}

interface SectionResult {
  section: string;
  range: string;
  loads: PageLoad[];
  panels: Summary;
  html: Summary;
  js: Summary;
  lastApi: Summary;
  slowestPanel: string;
}

async function loadOnce(browser: Browser, url: string, timeoutMs: number): Promise<PageLoad> {
  const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: 'UTC' });
  try {
    await context.addInitScript(PANEL_WATCHER);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    const load = await readPageLoad(page, timeoutMs);
    const failed = load.panels.filter((p) => p.state === 'error');
    if (failed.length > 0 || errors.length > 0) {
      const why = await page.evaluate(() => [...document.querySelectorAll('[data-testid="panel-error"]')].map((e) => e.textContent).join('; '));
      throw new Error(`${url}: panels failed (${failed.map((p) => p.id).join(', ')}): ${why} ${errors.join('; ')}`);
    }
    return load;
  } finally {
    await context.close();
  }
}

export function dashboardBench(deps: DashboardBenchDeps): Bench {
  return async (opts: BenchOptions): Promise<BenchSection> => {
    const log = (m: string): void => deps.log(`[dashboard] ${m}`);
    if (!existsSync(CHROMIUM)) {
      // As the query bench does without PostgreSQL: say why, measure nothing, let the other benches count.
      const why = `${CHROMIUM} is missing (Debian: apt-get install chromium; scripts/install-services.sh installs it): this bench drives the real browser, never a downloaded one.`;
      log(`skipped: ${why}`);
      return { id: 'dashboard', title: 'Dashboard first load (skipped)', markdown: `Skipped: ${why}`, results: { skipped: why } };
    }
    ensureDashboardBuilt();
    const size = deps.size ?? (opts.quick ? 100_000 : 10_000_000);
    const reps = opts.quick ? 2 : 7;
    const dir = join(opts.tmpDir, 'dashboard');
    mkdirSync(dir, { recursive: true });
    const dataDir = join(dir, 'data');
    const spec = datasetSpec(size, Date.now());
    log(`generating ${fmtInt(size)} events (30 days ending now)`);
    const dataset = await writeDataset(spec, join(dir, 'bodies.ndjson'));
    let pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir, workDir: dir });
    const agent = createAgent(4);
    let lastLog = performance.now();
    const load = await sendAll(agent, new URL('/v1/events', pulse.url), readDataset(dataset.path), { 'content-type': 'application/json' }, 4, (n) => {
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`loaded ${fmtInt(n)} / ${fmtInt(size)}`);
      }
    });
    agent.destroy();
    rmSync(dataset.path, { force: true });
    if (load.rejected > 0) throw new Error(`the server rejected ${load.rejected} generated events`);
    log(`loaded ${fmtInt(load.accepted)} events in ${load.seconds.toFixed(0)} s; restarting the server on its data`);
    await pulse.stop();
    pulse = await startPulseProcess({ repoRoot: deps.repoRoot, dataDir, workDir: dir });

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const results: SectionResult[] = [];
    let cold: PageLoad;
    try {
      const url = (search: string): string => new URL(`/${search}`, pulse.url).href;
      cold = await loadOnce(browser, url(''), 60_000);
      log(`first load after the restart: ${fmtMs(cold.panelsMs)} ms`);
      for (const { section, range, search } of PAGES) {
        await loadOnce(browser, url(search), 60_000); // warm-up: the server's caches, not the browser's
        const loads: PageLoad[] = [];
        for (let i = 0; i < reps; i++) loads.push(await loadOnce(browser, url(search), 60_000));
        const slowest: Record<string, number> = {};
        for (const l of loads) for (const p of l.panels) slowest[p.id] = Math.max(slowest[p.id] ?? 0, p.ms);
        const r: SectionResult = {
          section, range, loads,
          panels: summarize(loads.map((l) => l.panelsMs)),
          html: summarize(loads.map((l) => l.htmlMs)),
          js: summarize(loads.map((l) => l.jsMs)),
          lastApi: summarize(loads.map((l) => l.lastApiMs ?? 0)),
          slowestPanel: Object.entries(slowest).sort((a, b) => b[1] - a[1])[0]?.[0]?.replace(/^panel-/, '') ?? '—',
        };
        results.push(r);
        log(`${section} (${range}): all panels p50 ${fmtMs(r.panels.p50)} ms, max ${fmtMs(r.panels.max)} ms (${loads[0]!.panels.length} panels, ${loads[0]!.apiCalls} API calls)`);
      }
    } finally {
      await browser.close();
      await pulse.stop();
    }

    // JS: every script any section loaded (lazy chunks included), gzipped from the built file, and as sent.
    const assets = join(deps.repoRoot, 'packages/dashboard/dist/assets');
    const scripts = [...new Map(results.flatMap((r) => r.loads[0]!.scripts).map((s) => [new URL(s.url).pathname, s])).values()];
    const jsGzip = scripts.reduce((sum, s) => sum + gzipSync(readFileSync(join(assets, basename(new URL(s.url).pathname))), { level: 9 }).length, 0);
    const jsSent = scripts.reduce((sum, s) => sum + s.transferred, 0);
    const jsRaw = scripts.reduce((sum, s) => sum + s.decoded, 0);
    const overview = results[0]!;
    const history = results.find((r) => r.section === 'history')!;
    const historyRatio = history.panels.p50 / overview.panels.p50;
    const loadMet = overview.panels.p50 <= FIRST_LOAD_TARGET_MS;
    const jsMet = jsGzip <= JS_GZIP_TARGET_BYTES;

    const markdown = [
      `${fmtInt(load.accepted)} events over 30 days in a Pulse child process on 127.0.0.1, restarted on its data before the first page.`,
      `Chromium ${browser.version()} (Debian's, headless, ${VIEWPORT.width}×${VIEWPORT.height}), a fresh context per load (no cache, no storage);`,
      `per section one warm-up load, then ${reps} measured. Times are from navigation start; "all panels" is when every rendered panel`,
      '(`data-state` of `[data-testid^=panel-]`) has left `loading` with its first data — REST panels their queries, live panels their first WebSocket frame.',
      '',
      table(
        ['section', 'range', 'panels', 'API calls', 'HTML ms', 'JS ms', 'last API ms', 'all panels p50 ms', 'all panels max ms', 'slowest panel'],
        results.map((r) => [r.section, r.range, r.loads[0]!.panels.length, r.loads[0]!.apiCalls, fmtMs(r.html.p50), fmtMs(r.js.p50), fmtMs(r.lastApi.p50), fmtMs(r.panels.p50), fmtMs(r.panels.max), r.slowestPanel]),
        ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
      '',
      `First load after the restart (Overview, cold server): all panels in ${fmtMs(cold!.panelsMs)} ms.`,
      `Overview, all panels p50 ${fmtMs(overview.panels.p50)} ms — target ≤ ${fmtInt(FIRST_LOAD_TARGET_MS)} ms: **${loadMet ? 'met' : 'missed'}**.`,
      `History at 90 days (day buckets, every stored event) against Overview at 24 hours, all panels p50: ${fmtMs(history.panels.p50)} ms against ${fmtMs(overview.panels.p50)} ms` +
        ` — ${historyRatio.toFixed(2)}× (target ≤ 1×, as fast as the 24-hour view: **${historyRatio <= 1 ? 'met' : 'missed'}**; slowest History panel: ${history.slowestPanel}).`,
      `JavaScript loaded by the sections above: ${scripts.length} file(s), ${fmtBytes(jsRaw)} raw, ${fmtInt(jsGzip)} B gzipped -9 (${fmtInt(jsSent)} B as sent: the precompressed file the browser chose) —` +
        ` target ≤ ${fmtInt(JS_GZIP_TARGET_BYTES)} B: **${jsMet ? 'met' : 'missed'}**.`,
      ...(opts.quick ? ['', `_Quick run: ${fmtInt(size)} events and ${reps} loads per section, not figures._`] : []),
    ].join('\n');

    const results_: Record<string, number | string | null> = {
      events: load.accepted,
      size_label: `${fmtInt(load.accepted)} events`,
      cold_first_load_ms: Math.round(cold!.panelsMs),
      overview_all_panels_p50_ms: Math.round(overview.panels.p50),
      overview_all_panels_max_ms: Math.round(overview.panels.max),
      history_90d_all_panels_p50_ms: Math.round(history.panels.p50),
      history_90d_vs_overview: Number(historyRatio.toFixed(2)),
      js_files: scripts.length,
      js_raw_bytes: jsRaw,
      js_gzip_bytes: jsGzip,
      js_gzip_kb: Number((jsGzip / 1000).toFixed(1)),
      js_sent_bytes: jsSent,
    };
    for (const r of results) {
      results_[`${r.section}.all_panels_p50_ms`] = Math.round(r.panels.p50);
      results_[`${r.section}.all_panels_max_ms`] = Math.round(r.panels.max);
    }
    return { id: 'dashboard', title: 'Dashboard first load', markdown, results: results_ };
  };
}
