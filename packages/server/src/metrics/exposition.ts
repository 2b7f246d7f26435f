import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';

/** The metric object as the registry holds it (prom-client's typings leave `get` and `type` out). */
interface HeldMetric {
  name: string;
  help: string;
  type: string;
  get(): unknown;
}

export interface Exposition {
  contentType: string;
  body: string;
}

/**
 * Whether the scraper prefers OpenMetrics: its `Accept` ranks `application/openmetrics-text` at least
 * as high as `text/plain` (Prometheus sends openmetrics at q=1 and text/plain at q=0.5 by default).
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let om = 0;
  let text = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return om > 0 && om >= text;
}

/**
 * prom-client renders OpenMetrics by renaming counters in place (it strips `_total` from the metric
 * object for good), which would corrupt every later text-format scrape of the same registry. So the
 * OpenMetrics view is a second Registry of thin proxies: each shares the metric's `get()` and carries
 * the OpenMetrics family name; the metrics themselves, and their values, live only in `source`.
 */
export async function renderOpenMetrics(source: Registry): Promise<Exposition> {
  const view = new Registry<OpenMetricsContentType>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const m of source.getMetricsAsArray() as unknown as HeldMetric[]) {
    const name = m.type === 'counter' ? m.name.replace(/_total$/, '') : m.name;
    // The registry takes the family name from what get() returns, so the proxy renames it there too.
    const get = async (): Promise<object> => ({ ...((await m.get()) as object), name });
    const proxy = { name, help: m.help, type: m.type, get, reset: () => undefined };
    view.registerMetric(proxy as unknown as Metric);
  }
  return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await view.metrics() };
}

export async function render(source: Registry, accept: string | undefined): Promise<Exposition> {
  if (wantsOpenMetrics(accept)) return renderOpenMetrics(source);
  return { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: await source.metrics() };
}
