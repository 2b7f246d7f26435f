/**
 * What the dashboard bench measures inside the page. The dashboard marks each panel with
 * `data-testid="panel-…"` and `data-state` = `loading` | `ready` | `error` (components/panel.tsx, REST
 * and live panels alike); a script injected before the page's own code watches those attributes and
 * notes, in the page's clock (ms since navigation start), when each panel left `loading` and when
 * none rendered was loading any more. Every rendered panel of the section counts, not only those in
 * the viewport.
 */
import type { Page } from 'playwright-core';

export interface PageLoad {
  /** Navigation start → the last byte of the HTML. */
  htmlMs: number;
  /** → the last byte of the last script. */
  jsMs: number;
  domContentLoadedMs: number;
  /** → the last API response (REST; WebSocket frames are not resource entries). */
  lastApiMs: number | null;
  /** → every rendered panel out of `loading`. */
  panelsMs: number;
  panels: { id: string; ms: number; state: string }[];
  /** Script URLs and their transferred / decoded sizes. */
  scripts: { url: string; transferred: number; decoded: number }[];
  apiCalls: number;
}

declare global {
  interface Window {
    __pulseBench?: { panels: Record<string, { ms: number; state: string }>; allAt: number | null };
  }
}

/**
 * Installed with `context.addInitScript` before any navigation. A string, not a function: functions are
 * serialised from their source, and the TypeScript loader adds helpers (`__name`) the page lacks.
 */
export const PANEL_WATCHER = `(() => {
  const bench = { panels: {}, allAt: null };
  window.__pulseBench = bench;
  const check = () => {
    const all = document.querySelectorAll('[data-testid^="panel-"]');
    let loading = 0;
    for (const p of all) {
      const id = p.dataset.testid;
      const state = p.dataset.state || 'ready';
      if (state === 'loading') loading++;
      else if (!(id in bench.panels)) bench.panels[id] = { ms: performance.now(), state };
    }
    if (all.length > 0 && loading === 0 && bench.allAt === null) bench.allAt = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
})();`;

/** After `page.goto`: waits for the watcher's "all loaded" and reads the timings. */
export async function readPageLoad(page: Page, timeoutMs: number): Promise<PageLoad> {
  await page.waitForFunction(() => window.__pulseBench?.allAt != null, undefined, { timeout: timeoutMs, polling: 50 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const scripts = res.filter((r) => r.initiatorType === 'script' || /\.m?js(\?|$)/.test(r.name));
    const api = res.filter((r) => /\/(v1|api)\//.test(new URL(r.name).pathname));
    const bench = window.__pulseBench!;
    return {
      htmlMs: nav.responseEnd,
      jsMs: Math.max(nav.responseEnd, ...scripts.map((s) => s.responseEnd)),
      domContentLoadedMs: nav.domContentLoadedEventEnd,
      lastApiMs: api.length > 0 ? Math.max(...api.map((a) => a.responseEnd)) : null,
      panelsMs: bench.allAt!,
      panels: Object.entries(bench.panels).map(([id, p]) => ({ id, ms: p.ms, state: p.state })),
      scripts: scripts.map((s) => ({ url: s.name, transferred: s.encodedBodySize, decoded: s.decodedBodySize })),
      apiCalls: api.length,
    };
  });
}
